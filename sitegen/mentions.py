"""The site's cache of resolved mentions: ``data/mentions.json``, read by every build.

A mention ``@user@domain`` reaches its person only when the ``Mention`` tag's ``href`` and the
post's ``cc`` hold that account's actor id exactly; servers do not match a guessed profile URL.
Actor ids come from WebFinger, which `fedipress publish` asks (`sitegen.social.webfinger`) and
writes here. The build only reads this file, so it stays offline and fast: a handle that is not
in it (or that could not be resolved) links to the guessed ``https://domain/@user`` on the page
and gets no ``Mention`` tag and no ``cc`` until a publish resolves it.

The file is plain JSON keyed by the lower-cased handle; commit it with ``data/``::

    {"@bob@social.example": {"id": "https://social.example/users/bob",
                             "url": "https://social.example/@bob", "checked": "2026-…Z"},
     "@gone@old.example": {"error": "WebFinger answered HTTP 404", "checked": "2026-…Z"}}
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fedicore.html_policy import is_http_url
from sitegen.output import read_json_object

MENTIONS_PATH = Path("data") / "mentions.json"


@dataclass(frozen=True)
class MentionTarget:
    """A resolved account: its actor id (for ``href``/``cc``) and profile page (for the link)."""

    id: str
    url: str


def handle_key(handle: str) -> str:
    """``@Bob@Social.Example`` -> ``@bob@social.example``: how the cache is keyed."""
    return handle.lower()


def load_entries(root: Path) -> dict[str, dict[str, Any]]:
    """The raw cache (handle -> entry); {} when there is none yet."""
    data = read_json_object(root / MENTIONS_PATH, "a JSON object keyed by @user@domain")
    return {handle_key(k): v for k, v in data.items() if isinstance(k, str) and isinstance(v, dict)}


def targets_from(entries: dict[str, dict[str, Any]]) -> dict[str, MentionTarget]:
    """The resolved handles only; an entry without an http(s) ``id`` counts as unresolved."""
    found: dict[str, MentionTarget] = {}
    for handle, entry in entries.items():
        actor_id = entry.get("id")
        if not is_http_url(actor_id):
            continue
        url = entry.get("url")
        found[handle] = MentionTarget(actor_id, url if is_http_url(url) else actor_id)
    return found


def load_targets(root: Path) -> dict[str, MentionTarget]:
    return targets_from(load_entries(root))


def save_entries(root: Path, entries: dict[str, dict[str, Any]]) -> bool:
    """Write the cache (sorted, one entry a line); True when its content changed."""
    from sitegen.output import write_if_changed

    lines = [f" {json.dumps(k)}: {json.dumps(entries[k], sort_keys=True, ensure_ascii=False)}"
             for k in sorted(entries)]
    text = "{\n" + ",\n".join(lines) + ("\n}\n" if lines else "}\n")
    path = root / MENTIONS_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_if_changed(path, text.encode("utf-8"))


def mentions_key(handles: list[str], targets: dict[str, MentionTarget]) -> str:
    """What a post's rendering took from the cache: changes when any of its handles resolves
    differently, so only the posts naming that handle are rendered again."""
    if not handles:
        return ""
    keys = sorted({handle_key(h) for h in handles})
    chosen = [(k, targets.get(k)) for k in keys]
    return hashlib.sha256(repr(chosen).encode()).hexdigest()[:24]
