"""``fedipress move``: tell followers the blog now lives at another account.

The new account must already list the blog in its aliases (`alsoKnownAs`), as Mastodon
checks before moving anyone; `moved_to` in fedipress.toml puts `movedTo` on the built actor.
The `Move` goes through the inbox to every follower's server, which then follows the new
account. Moving *into* the blog is the other way round: `also_known_as` lists the old
account, and the old server sends the Move (docs/publisher.md, "Moving").
"""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from fedicore import activities
from fedicore.errors import ConfigError, FedipressError
from fedicore.vocab import AS_CONTEXT, PUBLIC, as_list, id_of
from sitegen.config import load_site
from sitegen.social.client import InboxClient
from sitegen.social.publish import output_dir
from sitegen.social.pull import public_address


def fetch_actor(url: str, *, allow_private: bool, client: httpx.Client) -> dict:
    """The new account's actor document (SSRF-guarded unless ``allow_private``)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FedipressError(f"moved_to {url!r} is not an http(s) actor URL")
    target, headers, extensions = url, {"Accept": "application/activity+json"}, {}
    if not allow_private:
        address = public_address(parts.hostname, parts.port or
                                 (443 if parts.scheme == "https" else 80))
        if address is None:
            raise FedipressError(f"refusing to fetch {url}: not a public address")
        pinned = f"[{address}]" if ":" in address else address
        target = parts._replace(netloc=f"{pinned}:{parts.port or (443 if parts.scheme == 'https' else 80)}").geturl()
        headers["Host"] = parts.netloc
        extensions = {"sni_hostname": parts.hostname}
    try:
        response = client.get(target, headers=headers, extensions=extensions)
        document = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError) as exc:
        raise FedipressError(f"cannot fetch the new account {url}: {exc}") from None
    if not isinstance(document, dict) or document.get("id") != url:
        raise FedipressError(f"the new account {url} did not answer with its actor document")
    return document


def move_activity(actor_id: str, target: str, followers: str) -> dict:
    return {"@context": AS_CONTEXT,
            "id": activities.derived_id(actor_id, "move", target),
            "type": "Move", "actor": actor_id, "object": actor_id, "target": target,
            "to": [followers], "cc": [PUBLIC]}


def move_site(root: Path, *, out: Path | None = None, allow_private: bool = False,
              client: InboxClient | None = None) -> str:
    """Send the Move; returns the line to print. Raises on a mistake, sending nothing."""
    site = client.site if client else load_site(root)
    target = site.config.moved_to
    if not target:
        raise ConfigError("set moved_to = \"<the new account's actor URL>\" in fedipress.toml, "
                          "build and publish, then run move", path=str(root / "fedipress.toml"))
    built = output_dir(root, out) / "ap" / "actor.json"
    try:
        actor = json.loads(built.read_bytes())
    except (OSError, ValueError):
        raise FedipressError("no built actor (run `fedipress build` first)",
                             path=str(built)) from None
    if actor.get("movedTo") != target:
        raise FedipressError("the built actor has no movedTo yet: run `fedipress build` and "
                             "`fedipress publish` (which sends the profile) first", path=str(built))
    with httpx.Client(timeout=15, follow_redirects=False) as http:
        document = fetch_actor(target, allow_private=allow_private, client=http)
    aliases = {id_of(entry) for entry in as_list(document.get("alsoKnownAs"))}
    if site.actor_id not in aliases:
        raise FedipressError(f"{target} does not list {site.actor_id} in its aliases "
                             "(alsoKnownAs): add the blog there first (Mastodon: Preferences › "
                             "Account › Moving from a different account), then run move again")
    own = client is None
    client = client or InboxClient(site)
    try:
        answer = client.post(client.actor_path("/outbox"),
                             move_activity(site.actor_id, target, site.followers))
    finally:
        if own:
            client.close()
    if answer.status not in (200, 201, 202):
        raise FedipressError(f"inbox refused the Move: HTTP {answer.status} "
                             f"{answer.error_line()}")
    return f"sent Move {site.actor_id} -> {target} to every follower"
