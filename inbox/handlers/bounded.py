"""What an inbox item keeps of an activity: the fields a reader of the moderation view, the
replies API or the site needs, each bounded. Never the whole body: a sender could otherwise
park a megabyte per item (issue 13 item 7)."""

from __future__ import annotations

from typing import Any

from fedicore.vocab import AS_CONTEXT, as_list, id_of

MAX_URL = 2048
MAX_TEXT = 2000
MAX_LIST = 20
_IDS = ("id", "actor", "attributedTo", "inReplyTo", "target", "quote", "quoteUrl", "context")
_SHORT_TEXT = ("type", "published", "updated", "startTime", "endTime", "mediaType")


def _url(value: Any) -> str | None:
    found = id_of(value)
    return found[:MAX_URL] if isinstance(found, str) else None


def _ids(value: Any) -> list[str]:
    return [found for found in (_url(entry) for entry in as_list(value)[:MAX_LIST]) if found]


def _tag(tag: Any) -> dict[str, Any] | None:
    if not isinstance(tag, dict):
        return None
    kept: dict[str, Any] = {}
    for key in ("type", "name"):
        if isinstance(tag.get(key), str):
            kept[key] = tag[key][:200]
    if _url(tag.get("href")):
        kept["href"] = _url(tag.get("href"))
    icon = tag.get("icon")
    if isinstance(icon, dict) and _url(icon.get("url")):
        kept["icon"] = {"type": "Image", "url": _url(icon.get("url"))}
    return kept or None


def _fields(source: dict[str, Any], *, content: str | None) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key in _IDS:
        if _url(source.get(key)):
            kept[key] = _url(source.get(key))
    for key in _SHORT_TEXT:
        if isinstance(source.get(key), str):
            kept[key] = source[key][:64]
    for key in ("to", "cc", "audience"):
        if key in source:
            kept[key] = _ids(source.get(key))
    if isinstance(source.get("url"), str):
        kept["url"] = source["url"][:MAX_URL]
    if isinstance(source.get("summary"), str):
        kept["summary"] = source["summary"][:MAX_TEXT]
    if isinstance(source.get("sensitive"), bool):
        kept["sensitive"] = source["sensitive"]
    if "tag" in source:
        kept["tag"] = [t for t in (_tag(entry) for entry in as_list(source.get("tag"))[:MAX_LIST]) if t]
    if content is not None:
        kept["content"] = content
    elif isinstance(source.get("content"), str):
        kept["content"] = source["content"][:MAX_TEXT]
    return kept


def bounded_activity(activity: dict[str, Any], *, content_html: str | None = None) -> dict[str, Any]:
    """A bounded copy of ``activity``: ids, addressing, short texts; an embedded object the
    same way, its content replaced by ``content_html`` (already sanitised) when given."""
    kept = {"@context": AS_CONTEXT, **_fields(activity, content=None)}
    obj = activity.get("object")
    if isinstance(obj, dict):
        kept["object"] = _fields(obj, content=content_html)
    elif isinstance(obj, list):
        kept["object"] = _ids(obj)
    elif _url(obj):
        kept["object"] = _url(obj)
    return kept
