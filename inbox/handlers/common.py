"""Checks every activity passes before its type is looked at, and the shared vocabulary."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from fedicore.vocab import AS_CONTEXT, PUBLIC_ALIASES, as_list, id_of

FORBIDDEN_LD_KEYWORDS = ("@graph", "@included", "@reverse")


@dataclass(frozen=True, slots=True)
class Drop:
    """Accepted (202) and stored, but it does nothing; ``reason`` goes to the log."""

    reason: str


@dataclass(frozen=True, slots=True)
class LocalTarget:
    """The local actor an activity is read for."""

    mention: str
    actor_url: str
    followers_url: str
    manually_approves_followers: bool


@functools.lru_cache(maxsize=8192)
def _origin(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    default = 443 if parts.scheme == "https" else 80
    suffix = f":{port}" if port and port != default else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{suffix}"


def origin(url: object) -> str | None:
    """scheme://host[:port], lower-cased, or None for anything that is not an http(s) URL."""
    return _origin(url) if isinstance(url, str) else None


def same_origin(a: str | None, b: str | None) -> bool:
    first = origin(a)
    return first is not None and first == origin(b)


def _has_as_context(context: Any) -> bool:
    for entry in as_list(context):
        if entry == AS_CONTEXT or entry == AS_CONTEXT + ".jsonld":
            return True
    return False


def common_problem(activity: dict[str, Any]) -> str | None:
    """Why an activity must be dropped whatever its type, or None."""
    if not _has_as_context(activity.get("@context")):
        return "@context lacks the ActivityStreams namespace"
    for keyword in FORBIDDEN_LD_KEYWORDS:
        if keyword in activity or (isinstance(activity.get("object"), dict) and keyword in activity["object"]):
            return f"{keyword} is not accepted"
    if not same_origin(activity["id"], activity["actor"]):
        return "activity id is on another host than its actor"
    return None


def is_local_object(object_id: str | None, local: LocalTarget) -> bool:
    """One of the blog's own documents (same origin as its actor)."""
    return same_origin(object_id, local.actor_url)


def addressed_to(activity: dict[str, Any], url: str) -> bool:
    for field in ("to", "cc", "bto", "bcc", "audience"):
        if any(id_of(entry) == url for entry in as_list(activity.get(field))):
            return True
    return False


def mentions(obj: dict[str, Any], url: str) -> bool:
    for tag in as_list(obj.get("tag")):
        if isinstance(tag, dict) and tag.get("type") == "Mention" and tag.get("href") == url:
            return True
    return False


def visibility_of(obj: dict[str, Any], activity: dict[str, Any]) -> str:
    """public (as:Public in ``to``), unlisted (in ``cc``) or private (anything else: only the
    people mentioned, or someone's followers). Read from the note, or the activity when the
    note names no audience."""
    source = obj if any(obj.get(field) for field in ("to", "cc")) else activity

    def names_public(field: str) -> bool:
        return any(id_of(entry) in PUBLIC_ALIASES for entry in as_list(source.get(field)))

    if names_public("to"):
        return "public"
    if names_public("cc") or names_public("audience"):
        return "unlisted"
    return "private"
