"""An example for every command's `--help`, shown under "Examples:" (tests/test_cli_help.py
walks them all). Kept in one table so adding a command means adding its example here."""

from __future__ import annotations

import click

EXAMPLES: dict[str, list[str]] = {
    "": ["fedipress init myblog --base-url https://blog.example --username me",
         "fedipress build myblog && fedipress check myblog/_site"],
    "init": ["fedipress init myblog --base-url https://blog.example --username me"],
    "new": ['fedipress new "Sunset over the harbour" --site myblog   # a draft',
            'fedipress new "" --site myblog --publish                # a short note'],
    "keys": ["fedipress keys myblog            # once; back up myblog/.keys/",
             "fedipress keys myblog --proof --force  # rotate the Ed25519 proof key, then build"],
    "build": ["fedipress build myblog", "fedipress build myblog --base-url https://preview.example"
              " --out preview"],
    "serve": ["fedipress serve myblog --watch   # http://127.0.0.1:8000, rebuilds on change"],
    "check": ["fedipress check myblog/_site", "fedipress check https://blog.example"],
    "doctor": ["fedipress doctor myblog            # everything, with a live follow round trip",
               "fedipress doctor myblog --peer @friend@social.example",
               "fedipress doctor myblog --host social.example --json",
               "fedipress doctor myblog --post sunset  # as Mastodon, GoToSocial, Misskey, Pleroma show it",
               "fedipress doctor https://blog.example  # public checks only"],
    "register": ["fedipress register myblog"],
    "publish": ["fedipress publish myblog --dry-run", "fedipress publish myblog"],
    "pull": ["fedipress pull myblog && fedipress build myblog"],
    "up": ["fedipress up myblog               # site and inbox on 127.0.0.1"],
    "inbox": ["fedipress inbox serve --config inbox.toml"],
    "inbox serve": ["fedipress inbox serve --config /etc/fedipress/inbox.toml"],
    "inbox worker": ["fedipress inbox worker --config /etc/fedipress/inbox.toml"],
    "inbox migrate": ["fedipress inbox migrate --config /etc/fedipress/inbox.toml"],
    "inbox backup": ["fedipress inbox backup /var/backups/inbox.sqlite3 --config inbox.toml"],
    "inbox copy-db": ["fedipress inbox copy-db data/inbox.sqlite3 postgresql://fedipress@db.internal/inbox",
                      "fedipress inbox copy-db postgresql://fedipress@db.internal/inbox back.sqlite3"],
    "inbox deliveries": ["fedipress inbox deliveries --config inbox.toml",
                         "fedipress inbox deliveries --revive social.example"],
    "inbox allow": ["fedipress inbox allow @friend@social.example"],
    "inbox unallow": ["fedipress inbox unallow @friend@social.example"],
    "inbox block": ["fedipress inbox block spam.example --severity suspend",
                    "fedipress inbox block @troll@social.example"],
    "inbox unblock": ["fedipress inbox unblock spam.example"],
    "inbox list": ["fedipress inbox list blocklist"],
    "inbox note": ['fedipress inbox note spam.example "reported by three followers"'],
    "inbox audit": ["fedipress inbox audit --limit 20"],
    "inbox blocklist": ["fedipress inbox blocklist import blocklist.csv --dry-run"],
    "inbox blocklist import": ["fedipress inbox blocklist import blocklist.csv --dry-run"],
    "inbox blocklist subscribe": [
        "fedipress inbox blocklist subscribe https://lists.example/blocklist.csv"],
    "inbox blocklist unsubscribe": [
        "fedipress inbox blocklist unsubscribe https://lists.example/blocklist.csv"],
    "inbox blocklist refresh": ["fedipress inbox blocklist refresh"],
    "queue": ["fedipress queue myblog", "fedipress queue myblog --json"],
    "approve": ["fedipress approve 3f2a9c01 --site myblog",
                "fedipress approve --all-from @friend@social.example --site myblog"],
    "reject": ["fedipress reject 3f2a9c01 --site myblog"],
    "block": ["fedipress block @troll@social.example --for 7d", "fedipress block spam.example"],
    "followers": ["fedipress followers myblog",
                  "fedipress followers myblog --remove @someone@social.example"],
    "replies": ["fedipress replies myblog"],
    "reply": ["fedipress reply 3f2a9c01   # writes content/posts/re-3f2a9c01.md"],
    "desk": ["fedipress desk myblog   # http://127.0.0.1:8484"],
    "move": ["fedipress move myblog   # after setting moved_to in fedipress.toml"],
    "inbox check-config": ["fedipress inbox check-config --config /etc/fedipress/inbox.toml"],
    "inbox registration": ["fedipress inbox registration open @alice@blog.example"],
    "inbox registration open": ["fedipress inbox registration open @alice@blog.example",
                                "fedipress inbox registration open blogs.example"],
    "inbox registration list": ["fedipress inbox registration list"],
    "inbox announcements": ["fedipress inbox announcements list"],
    "inbox announcements list": ["fedipress inbox announcements list",
                                 "fedipress inbox announcements list --json"],
    "inbox announcements approve": ["fedipress inbox announcements approve 3f9c2a71b0d4"],
    "inbox announcements reject": ["fedipress inbox announcements reject 3f9c2a71b0d4"],
    "inbox announcements stop": ["fedipress inbox announcements stop @alice@blog.example"],
    "inbox announcements resume": ["fedipress inbox announcements resume @alice@blog.example"],
}


def add_examples(command: click.Command, path: str) -> click.Command:
    """Put the examples of ``path`` ("inbox serve") and of its sub-commands into their help."""
    lines = EXAMPLES.get(path)
    if lines and not command.epilog:
        command.epilog = "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            add_examples(sub, f"{path} {name}".strip())
    return command
