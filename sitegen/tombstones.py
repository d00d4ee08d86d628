"""Deleted posts: a `Tombstone` stays at the post's ActivityPub URL, and its page is gone (410),
until the author removes the entry from `data/tombstones.json`.

The registry (slug -> when it was deleted and what it was) lives with the site's data, so it
survives builds into a fresh folder; the output's `_fedipress/gone.txt` lists the slugs the
last build buried, so an entry the author removed is dug up on the next build.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from fedicore import documents
from sitegen.config import Site
from sitegen.host_rules import GONE_LIST
from sitegen.output import read_json_object, remove_output, write_if_changed
from sitegen.render import json_bytes

REGISTRY = Path("data") / "tombstones.json"


def load_registry(root: Path) -> dict[str, dict]:
    data = read_json_object(root / REGISTRY, '{"<slug>": {"deleted": "<time>"}, ...}')
    return {str(k): v if isinstance(v, dict) else {} for k, v in data.items()}


def bury(registry: dict[str, dict], out_dir: Path, slug: str, now: float) -> None:
    """Note a post that just left (its old document tells what it was)."""
    if slug in registry:
        return
    try:
        former = json.loads((out_dir / "ap" / "posts" / f"{slug}.json").read_bytes()).get("type")
    except (OSError, ValueError, AttributeError):
        former = None
    deleted = dt.datetime.fromtimestamp(now, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    registry[slug] = {"deleted": deleted, "formerType": former if former != "Tombstone"
                      else None}


def settle(site: Site, out_dir: Path, registry: dict[str, dict], live: set[str]) -> list[str]:
    """Write every tombstone, remove the ones the author dropped, save the registry; returns
    the gone slugs."""
    for slug in [s for s in registry if s in live]:  # a post came back under its old slug
        del registry[slug]
    for slug, entry in sorted(registry.items()):
        doc = {"@context": documents.AS_CONTEXT, "id": site.post_id(slug), "type": "Tombstone"}
        if isinstance(entry.get("formerType"), str):
            doc["formerType"] = entry["formerType"]
        if isinstance(entry.get("deleted"), str):
            doc["deleted"] = entry["deleted"]
        write_if_changed(out_dir / "ap" / "posts" / f"{slug}.json", json_bytes(doc))
    try:
        before = (out_dir / GONE_LIST).read_text("utf-8").split()
    except OSError:
        before = []
    for slug in before:
        if slug not in registry and slug not in live:
            remove_output(out_dir, f"ap/posts/{slug}.json")
    path = site.root / REGISTRY
    if registry or path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_if_changed(path, (json.dumps(registry, indent=1, sort_keys=True) + "\n").encode())
    return sorted(registry)
