"""``fedipress register``: tell the inbox about the blog actor and hand it the key pair.

The inbox signs Accepts and deliveries on the blog's behalf, so it needs the private key; the
request is signed by that same key, which is how the inbox knows the blog itself is asking.
Registering again with the same settings changes nothing (the answer says so).
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from urllib.parse import urlsplit

from fedicore.errors import FedipressError
from sitegen.config import load_site
from sitegen.desk.rules import sync_rules
from sitegen.social.client import InboxClient


def registration_body(client: InboxClient) -> dict:
    site = client.site
    return {
        "actorUrl": site.actor_id,
        "publicKeyId": client.key_id,
        "keypair": {"publicKeyPem": client.public_pem, "privateKeyPem": client.private_pem},
        "manuallyApprovesFollowers": site.config.manually_approves_followers,
        "announce": site.config.announce,
    }


def _same(current: dict, wanted: dict) -> bool:
    current_pem = str((current.get("keypair") or {}).get("publicKeyPem", "")).strip()
    return (current.get("actorUrl") == wanted["actorUrl"]
            and current.get("publicKeyId") == wanted["publicKeyId"]
            and current_pem == wanted["keypair"]["publicKeyPem"].strip()
            and bool(current.get("manuallyApprovesFollowers"))
            == wanted["manuallyApprovesFollowers"]
            and bool(current.get("announce")) == wanted["announce"])


def _private_key_transport_problem(base: str) -> str | None:
    """Why the private key must not be sent to the inbox at ``base``: plain http is fine only
    to this machine (loopback), where nobody on the way can read it."""
    parts = urlsplit(base)
    if parts.scheme == "https":
        return None
    host = (parts.hostname or "").lower()
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if parts.scheme == "http" and loopback:
        return None
    return (f"inbox_url {base} is not https: registering sends the blog's private key, "
            f"which must not cross the network in clear text (use https, or a loopback address)")


def register_site(root: Path, *, client: InboxClient | None = None) -> str:
    """Register (or re-register) the blog actor; returns a one-line outcome.

    Raises ``FedipressError`` with the inbox's reason when it refuses, or before sending
    anything when the inbox is reached over plain http on another machine."""
    own = client is None
    client = client or InboxClient(load_site(root))
    problem = _private_key_transport_problem(client.base)
    if problem:
        if own:
            client.close()
        raise FedipressError(problem)
    try:
        body = registration_body(client)
        current = client.get(client.actor_path())
        if current.status == 200 and isinstance(current.data, dict) and _same(current.data, body):
            sync_rules(client)
            return f"{client.mention} already registered with {client.base} (unchanged)"
        answer = client.post(client.actor_path(), body)
        if answer.status in (200, 201):
            sync_rules(client)
            verb = "updated" if current.status == 200 else "registered"
            return f"{client.mention} {verb} with {client.base}"
        hint = ""
        if answer.status in (401, 502, 503):
            hint = f" (is the site online at {client.site.base_url}? the inbox fetches its key)"
        raise FedipressError(f"the inbox refused registration: HTTP {answer.status} "
                             f"{answer.error_line()}{hint}")
    finally:
        if own:
            client.close()
