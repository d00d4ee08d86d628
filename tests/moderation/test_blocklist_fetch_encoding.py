"""A blocklist URL served compressed (as CDNs do): decoded, the 5 MiB bound on the decoded
text, a decompression bomb refused without inflating it whole, a trickling host cut off."""

from __future__ import annotations

import gzip
import tracemalloc

import pytest

from inbox.moderation import blocklist_fetch
from inbox.moderation.blocklist_fetch import FetchError, fetch_text
from tests.support.remote import FakeFediverse, HostBehaviour

LIST = "#domain,#severity\nspam.example,suspend\n"


async def test_a_gzip_blocklist_is_asked_for_and_decoded() -> None:
    async with FakeFediverse(HostBehaviour(gzip=True)) as host:
        url = host.serve("/list.csv", LIST.encode(), content_type="text/csv")
        assert await fetch_text(url, allow_private=True) == LIST
        assert host.fetches[0].headers.get("Accept-Encoding") == "gzip, deflate"


async def test_a_blocklist_bomb_is_refused_without_inflating_it_whole() -> None:
    async with FakeFediverse() as host:
        bomb = gzip.compress(b"a.example,suspend\n" * (30 * 1024 * 1024 // 18), compresslevel=1)
        url = host.serve("/bomb.csv", bomb, content_type="text/csv",
                         headers={"Content-Encoding": "gzip"})
        tracemalloc.start()
        try:
            with pytest.raises(FetchError, match="larger than"):
                await fetch_text(url, allow_private=True)
            _now, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < 2 * blocklist_fetch.MAX_BYTES + 4 * 1024 * 1024


async def test_a_trickling_blocklist_host_is_cut_off_at_the_whole_fetch_deadline(monkeypatch) -> None:
    monkeypatch.setattr(blocklist_fetch, "TIMEOUT", 0.5)
    async with FakeFediverse(HostBehaviour(drip=0.1)) as host:
        url = host.serve("/slow.csv", LIST.encode() * 10, content_type="text/csv")
        with pytest.raises(FetchError, match="in time"):
            await fetch_text(url, allow_private=True)
