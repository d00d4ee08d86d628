"""The publisher: Markdown posts + TOML config -> HTML pages and ActivityPub documents."""
