"""Is ``@user@host`` really this actor? A document's ``preferredUsername`` is only its claim:
before an allow or admin rule matches a name, WebFinger on the actor's own host must give that
name's ``self`` link as the actor's id (issue 13 item 5)."""

from __future__ import annotations

from urllib.parse import urlsplit

from fedicore.handles import Handle
from inbox.fetcher import Fetcher


async def name_confirmed(fetcher: Fetcher, handle: Handle, actor_url: str) -> bool:
    parts = urlsplit(actor_url)
    if parts.netloc.lower() != handle.domain.lower():
        return False  # the name's host is not the actor's host
    found = await fetcher.webfinger(handle.user, handle.domain, f"{parts.scheme}://{parts.netloc}")
    return found == actor_url
