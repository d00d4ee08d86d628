-- The author's own moderation rules (sent by `fedipress register` from fedipress.toml) and the
-- secret of their private notifications feed. One row per local actor; no row = the defaults.
CREATE TABLE author_rules (
    actor_mention TEXT PRIMARY KEY,
    rules TEXT NOT NULL DEFAULT '{}',
    feed_secret TEXT,
    updated_at REAL NOT NULL
);

