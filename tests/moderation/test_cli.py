"""The operator CLI against a real SQLite file, run the way `fedipress` runs it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from fedicore.errors import FedipressError
from fedicore.handles import Handle
from inbox.moderation import cli as moderation_cli
from inbox.moderation import decide_for
from inbox.storage.db import Database

NOW = 1_800_000_000.0
CSV = ("#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"
       "spam.example,suspend,false,false,spam,false\nloud.example,silence,false,true,,false\n")


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Invoke `fedipress inbox <args>` on a fresh database; returns (exit code, output)."""
    database = tmp_path / "inbox.sqlite3"
    registered(database, "@alice@blog.example")  # the server's database, with its blog
    monkeypatch.setenv("FEDIPRESS_DATABASE", str(database))
    monkeypatch.setattr(moderation_cli, "CLOCK", lambda: run.now)
    group = click.Group("inbox", commands={c.name: c for c in moderation_cli.COMMANDS})

    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(group, list(args), catch_exceptions=True)
        if isinstance(result.exception, FedipressError):
            return 1, f"error: {result.exception}"
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result.exit_code, result.stdout  # stderr says which database

    run.now = NOW
    run.database = database
    return run


def registered(database: Path, mention: str) -> None:
    async def go() -> None:
        db = await Database.open(database)
        try:
            await db.execute(
                "INSERT INTO actors (mention, actor_url, public_key_id, public_key_pem,"
                " private_key_pem, manually_approves_followers, announce, created_at)"
                " VALUES (?, 'https://blog.example/actor', 'k', 'p', 's', 0, 0, 1)", (mention,))
        finally:
            await db.close()
    asyncio.run(go())


def decide(database: Path, mention: str, now: float, actor: str = "@alice@blog.example") -> str:
    async def go() -> str:
        db = await Database.open(database)
        try:
            return (await decide_for(db, actor=actor, sender=Handle.parse(mention), now=now)).outcome
        finally:
            await db.close()
    return asyncio.run(go())


def test_block_with_expiry_then_list_and_audit_show_it_expired(run) -> None:
    code, out = run("block", "@troll@spam.example", "--for", "7d", "--reason", "spam")
    assert code == 0 and "blocked 1 on the global list" in out and "expires" in out
    assert decide(run.database, "@troll@spam.example", NOW + 1) == "block"
    assert decide(run.database, "@troll@spam.example", NOW + 7 * 86400) == "queue"

    code, out = run("list", "blocklist")
    assert out.startswith("@troll@spam.example  # expires")
    run.now = NOW + 8 * 86400
    assert run("list", "blocklist") == (0, "")
    code, out = run("list", "blocklist", "--all")
    assert "# expired" in out
    code, out = run("audit")
    assert "block @troll@spam.example [expired" in out and "— spam" in out


def test_actor_allow_then_unallow(run) -> None:
    assert run("allow", "@friend@good.example", "--actor", "@alice@blog.example")[0] == 0
    assert decide(run.database, "@friend@good.example", NOW) == "allow"
    code, out = run("unallow", "@friend@good.example", "--actor", "@alice@blog.example")
    assert code == 0 and "1 removed" in out
    assert decide(run.database, "@friend@good.example", NOW) == "queue"


def test_domain_block_by_bare_domain_and_unblock(run) -> None:
    code, out = run("block", "spam.example", "--severity", "silence", "--reject-reports")
    assert code == 0 and "domain spam.example: silence" in out
    code, out = run("list", "domains")
    assert "spam.example  silence,reject_reports  source=operator" in out
    code, out = run("unblock", "spam.example")
    assert code == 0 and "removed" in out
    assert run("list", "domains") == (0, "")


def test_bad_input_is_one_line_error(run) -> None:
    code, out = run("block", "@tro ll@spam.example")
    assert code == 1 and out.startswith("error: '@tro ll@spam.example': user name has characters")
    assert run("block", "not a domain") == (1, "error: 'not a domain' is not a valid domain name")
    code, out = run("block", "@a@b.example", "--for", "soon")
    assert code == 1 and out.startswith("error: 'soon' is not a duration")
    code, out = run("block", "spam.example", "--actor", "@alice@blog.example")
    assert code == 1 and "domain blocks are global" in out


def test_blocklist_import_dry_run_then_idempotent_import(run, tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text(CSV, encoding="utf-8")
    code, out = run("blocklist", "import", str(path), "--dry-run")
    assert code == 0 and "would change" in out and "added 2" in out and "+ spam.example suspend" in out
    assert run("list", "domains") == (0, "")
    code, out = run("blocklist", "import", str(path))
    assert "added 2, updated 0, unchanged 0, removed 0" in out
    code, out = run("blocklist", "import", str(path))
    assert "added 0, updated 0, unchanged 2, removed 0" in out
    assert decide(run.database, "@x@spam.example", NOW) == "block"


def test_blocklist_import_of_broken_file_names_the_line(run, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("#domain,#severity\nok.example,suspend\nbad.example,obliterate\n", "utf-8")
    code, out = run("blocklist", "import", str(path))
    assert code == 1 and "line 3: severity" in out
    assert run("list", "domains") == (0, "")


def test_note_add_and_show(run) -> None:
    assert run("note", "@Troll@spam.example", "repeat offender", "--by", "op")[0] == 0
    code, out = run("note", "@troll@spam.example")
    assert "op: repeat offender" in out


def test_subscribe_refuses_private_address_without_setting(run) -> None:
    code, out = run("blocklist", "subscribe", "http://127.0.0.1:9/list.csv")
    assert code == 0 and "first fetch failed" in out and "forbidden address" in out
    code, out = run("list", "subscriptions")
    assert "http://127.0.0.1:9/list.csv" in out and "error" in out
