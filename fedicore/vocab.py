"""ActivityStreams / ActivityPub names used on both sides."""

from __future__ import annotations

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
PUBLIC_ALIASES = frozenset({PUBLIC, "as:Public", "Public"})

ACTIVITY_JSON = "application/activity+json"
LD_JSON_AS = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
JRD_JSON = "application/jrd+json"
ACCEPT_ACTIVITY = f"{ACTIVITY_JSON}, {LD_JSON_AS}"


def is_activity_content_type(value: str | None) -> bool:
    """True for the two media types a fetched ActivityPub document may carry."""
    if not value:
        return False
    media, _, params = value.partition(";")
    media = media.strip().lower()
    if media == ACTIVITY_JSON:
        return True
    if media == "application/ld+json":
        return "https://www.w3.org/ns/activitystreams" in params
    return False


def as_list(value: object) -> list:
    """ActivityStreams properties may be one value or a list of them."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def id_of(value: object) -> str | None:
    """The id of a link, an embedded object, or a bare IRI string."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        found = value.get("id")
        return found if isinstance(found, str) else None
    return None
