"""Mastodon blocklist CSV: parsing, idempotent import with counts, URL fetch, subscriptions."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from fedicore.handles import Handle
from inbox.moderation import decide_for
from inbox.moderation.blocklist_csv import BlocklistEntry, parse_blocklist
from inbox.moderation.blocklist_fetch import FetchError, fetch_text, refresh_due
from inbox.moderation.service import block_domain, import_blocklist
from inbox.storage import moderation as store
from tests.moderation.conftest import BLOG, add_follower, follower_ids

NOW = 1_800_000_000.0
MASTODON_EXPORT = (
    "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"
    "spam.example,suspend,true,true,\"spam, harassment\",false\n"
    "loud.example,silence,false,false,,false\n"
    "Reports.Example,noop,false,true,,false\n"
    "h*dden.example,suspend,false,false,,true\n"
)


def test_parse_mastodon_export_with_hash_header() -> None:
    parsed = parse_blocklist(MASTODON_EXPORT)
    assert [e.domain for e in parsed.entries] == ["spam.example", "loud.example", "reports.example"]
    assert parsed.entries[0] == BlocklistEntry("spam.example", "suspend", True, True,
                                               "spam, harassment", False)
    assert [p.line for p in parsed.skipped] == [5]


def test_parse_header_without_hash_and_missing_columns() -> None:
    parsed = parse_blocklist("domain,severity\nbad.example,silence\nworse.example,\n")
    assert [(e.domain, e.severity) for e in parsed.entries] == [
        ("bad.example", "silence"), ("worse.example", "suspend")]


@pytest.mark.parametrize(("text", "needle"), [
    ("", "empty"),
    ("name,kind\nx,y\n", "no 'domain' column"),
    ("#domain,#severity\nx.example,obliterate\n", "line 2: severity"),
    ("#domain,#reject_media\nx.example,maybe\n", "line 2: reject_media"),
    ("#domain\nnot a domain\n", "line 2"),
    ("#domain\n*\n", "every domain"),
])
def test_parse_refuses_malformed_lists_naming_the_line(text: str, needle: str) -> None:
    with pytest.raises(ValueError, match=needle.replace("(", r"\(")):
        parse_blocklist(text)


async def test_import_from_file_is_idempotent_and_reports_counts(db, tmp_path: Path) -> None:
    path = tmp_path / "blocklist.csv"
    path.write_text(MASTODON_EXPORT, encoding="utf-8")
    entries = parse_blocklist(path.read_text("utf-8")).entries
    source = f"file:{path}"

    first, _ = await import_blocklist(db, entries, source=source, who="op", now=NOW)
    assert first.counts() == {"added": 3, "updated": 0, "unchanged": 0, "removed": 0, "kept": 0}
    again, change = await import_blocklist(db, entries, source=source, who="op", now=NOW + 1)
    assert again.counts() == {"added": 0, "updated": 0, "unchanged": 3, "removed": 0, "kept": 0}
    assert change.changed == 0

    path.write_text("#domain,#severity\nspam.example,silence\nnew.example,suspend\n", "utf-8")
    third, _ = await import_blocklist(db, parse_blocklist(path.read_text("utf-8")).entries,
                                      source=source, who="op", now=NOW + 2)
    assert third.counts() == {"added": 1, "updated": 1, "unchanged": 0, "removed": 2, "kept": 0}
    rows = {r.domain: r.severity for r in await store.domain_block_rows(db)}
    assert rows == {"spam.example": "silence", "new.example": "suspend"}
    imports = [r for r in await store.audit_rows(db, scope="") if r["action"] == "import"]
    assert [r["detail"]["added"] for r in imports] == [1, 0, 3]


async def test_dry_run_changes_nothing(db) -> None:
    entries = parse_blocklist(MASTODON_EXPORT).entries
    diff, _ = await import_blocklist(db, entries, source="file:x", who="op", now=NOW, dry_run=True)
    assert diff.counts()["added"] == 3
    assert await store.domain_block_rows(db) == []


async def test_import_keeps_operator_entries_and_suspends_followers(db) -> None:
    await block_domain(db, BlocklistEntry("loud.example", "suspend"), who="op", now=NOW)
    await add_follower(db, BLOG, "https://spam.example/users/troll")
    diff, change = await import_blocklist(db, parse_blocklist(MASTODON_EXPORT).entries,
                                          source="file:x", who="op", now=NOW)
    assert diff.kept == ["loud.example"]
    rows = {r.domain: (r.severity, r.source) for r in await store.domain_block_rows(db)}
    assert rows["loud.example"] == ("suspend", "operator")
    assert change.effects.followers_removed == 1 and await follower_ids(db) == set()
    troll = Handle.parse("@troll@spam.example")
    assert (await decide_for(db, actor=BLOG, sender=troll, now=NOW)).outcome == "block"


@pytest.fixture
async def list_server() -> AsyncIterator[tuple[str, dict[str, str]]]:
    """A real HTTP server on 127.0.0.1 serving whatever ``files`` holds."""
    files: dict[str, str] = {}

    async def serve(request: web.Request) -> web.StreamResponse:
        if request.path == "/moved.csv":
            raise web.HTTPFound("/list.csv")
        body = files.get(request.path)
        if body is None:
            raise web.HTTPNotFound()
        return web.Response(text=body, content_type="text/csv")

    app = web.Application()
    app.router.add_get("/{tail:.*}", serve)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}", files
    finally:
        await runner.cleanup()


async def test_fetch_refuses_loopback_unless_private_fetch_allowed(list_server) -> None:
    base, files = list_server
    files["/list.csv"] = MASTODON_EXPORT
    with pytest.raises(FetchError, match="forbidden address"):
        await fetch_text(base + "/list.csv", allow_private=False)
    assert await fetch_text(base + "/moved.csv", allow_private=True) == MASTODON_EXPORT
    with pytest.raises(FetchError, match="404"):
        await fetch_text(base + "/missing.csv", allow_private=True)


async def test_subscription_refreshes_on_schedule_and_keeps_operator_rows(db, list_server) -> None:
    base, files = list_server
    url = base + "/list.csv"
    files["/list.csv"] = MASTODON_EXPORT
    await block_domain(db, BlocklistEntry("mine.example", "silence"), who="op", now=NOW)
    await store.put_subscription(db, url, interval=3600, now=NOW)

    [first] = await refresh_due(db, now=NOW, allow_private=True)
    assert first.error is None and first.diff is not None and first.diff.counts()["added"] == 3
    assert await refresh_due(db, now=NOW + 10, allow_private=True) == []  # not due yet

    files["/list.csv"] = "#domain,#severity\nspam.example,suspend\n"
    [second] = await refresh_due(db, now=NOW + 3600, allow_private=True)
    assert second.diff is not None and second.diff.counts()["removed"] == 2
    sources = {r.domain: r.source for r in await store.domain_block_rows(db)}
    assert sources == {"mine.example": "operator", "spam.example": url}

    files.pop("/list.csv")
    [failed] = await refresh_due(db, now=NOW + 7200, allow_private=True)
    assert failed.error is not None and "404" in failed.error
    assert {r.domain for r in await store.domain_block_rows(db)} == {"mine.example", "spam.example"}
    [sub] = await store.subscriptions(db)
    assert sub["last_status"].startswith("error")
