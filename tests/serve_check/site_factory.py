"""A hand-made built site in the contract layout (docs/CONTRACTS.md), for serve/check/interop
tests that must not depend on the publisher's build while it is being written.

Documents come from `fedicore.documents`, so they have the same shapes the build writes.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from fedicore import documents as d
from fedicore.keys import generate_rsa_keypair


@functools.cache
def shared_keypair() -> tuple[str, str]:
    """One RSA key per test session: key generation is the slow part."""
    return generate_rsa_keypair(2048)


@dataclass(frozen=True)
class BuiltSite:
    out: Path
    base_url: str
    acct: str
    actor_id: str
    public_key_pem: str
    post_ids: tuple[str, ...]


def _write(out: Path, relative: str, content: str | dict) -> None:
    path = out / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    text = content if isinstance(content, str) else json.dumps(content, indent=2)
    path.write_text(text, encoding="utf-8")


def write_site(out: Path, base_url: str, *, username: str = "alice",
               posts: tuple[tuple[str, str], ...] = (("hello-world", "<p>Hello, fediverse!</p>"),
                                                       ("second", "<p>Second post</p>")),
               inbox_url: str | None = None, page_size: int = 1) -> BuiltSite:
    """Write the site; outbox pages hold `page_size` items so paging is exercised."""
    base_url = base_url.rstrip("/")
    host = urlsplit(base_url).netloc
    inbox_url = (inbox_url or base_url).rstrip("/")
    actor_id = f"{base_url}/ap/actor.json"
    _private, public_pem = shared_keypair()
    mention = f"@{username}@{host}"
    info = d.ActorInfo(
        id=actor_id, username=username, name="Alice", summary_html="<p>A test blog</p>",
        profile_url=f"{base_url}/", inbox=f"{inbox_url}/v1/{mention}/inbox",
        outbox=f"{base_url}/ap/outbox.json", followers=f"{inbox_url}/v1/{mention}/followers",
        following=f"{base_url}/ap/following.json", featured=f"{base_url}/ap/featured.json",
        shared_inbox=f"{inbox_url}/v1/inbox", public_key_pem=public_pem,
        attribution_domains=[host.split(":")[0]], webfinger=f"acct:{username}@{host}",
    )
    previews = (f'<meta name="description" content="A test blog">'
                f'<meta property="og:title" content="Alice">'
                f'<meta property="og:description" content="A test blog">'
                f'<meta property="og:url" content="{base_url}/">'
                f'<meta name="fediverse:creator" content="@{username}@{host}">')
    _write(out, "ap/actor.json", d.actor_document(info))
    notes = []
    for number, (slug, html) in enumerate(posts):
        post = d.PostInfo(
            id=f"{base_url}/ap/posts/{slug}.json", url=f"{base_url}/posts/{slug}/",
            attributed_to=actor_id, followers=info.followers, content_html=html,
            published=f"2026-01-{number + 1:02d}T10:00:00Z",
        )
        note = d.post_document(post)
        notes.append(note)
        _write(out, f"ap/posts/{slug}.json", note)
        _write(out, f"posts/{slug}/index.html", (
            "<!doctype html><html><head><meta charset=utf-8><title>post</title>" + previews +
            f'<link rel="alternate" type="application/activity+json" href="{post.id}">'
            f"</head><body>{html}</body></html>"))
    creates = [d.create_activity(n) for n in reversed(notes)]
    pages = [creates[i:i + page_size] for i in range(0, len(creates), page_size)] or [[]]
    outbox_id = info.outbox
    page_ids = [f"{base_url}/ap/outbox/page-{n + 1}.json" for n in range(len(pages))]
    _write(out, "ap/outbox.json", d.ordered_collection(
        outbox_id, total=len(creates), first=page_ids[0], last=page_ids[-1]))
    for n, items in enumerate(pages):
        _write(out, f"ap/outbox/page-{n + 1}.json", d.ordered_collection_page(
            page_ids[n], part_of=outbox_id, items=items,
            next=page_ids[n + 1] if n + 1 < len(pages) else None,
            prev=page_ids[n - 1] if n > 0 else None))
    featured = [n["id"] for n in notes[:1]]
    _write(out, "ap/featured.json", d.ordered_collection(
        info.featured, total=len(featured), items=featured))
    _write(out, "ap/following.json", d.ordered_collection(info.following, total=0, items=[]))
    _write(out, ".well-known/webfinger", d.webfinger_jrd(
        acct=f"{username}@{host}", actor_id=actor_id, profile_url=f"{base_url}/"))
    _write(out, ".well-known/host-meta", d.host_meta_xrd(base_url))
    _write(out, ".well-known/nodeinfo", d.nodeinfo_links(base_url))
    _write(out, "nodeinfo/2.1.json", d.nodeinfo_document(
        version="0.1.0", local_posts=len(notes), node_name="Alice"))
    _write(out, "index.html", "<!doctype html><title>Alice</title>" + previews +
           f'<link rel="alternate" type="application/activity+json" href="{actor_id}">'
           "<h1>Alice</h1>")
    _write(out, "feed.xml", '<?xml version="1.0" encoding="utf-8"?>'
                            '<feed xmlns="http://www.w3.org/2005/Atom"></feed>')
    _write(out, "style.css", "body { font-family: serif }")
    return BuiltSite(out=out, base_url=base_url, acct=f"{username}@{host}", actor_id=actor_id,
                     public_key_pem=public_pem, post_ids=tuple(n["id"] for n in notes))
