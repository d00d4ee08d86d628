"""Like, Announce and emoji reactions of the blog's posts. Only the object's id is read: an
embedded copy could say anything, so it is never trusted.

Emoji reactions come two ways: ``EmojiReact`` (Pleroma, Akkoma, Mastodon forks) and a ``Like``
carrying the emoji in ``content`` or ``_misskey_reaction`` (Misskey and its forks). A custom
emoji is ``:shortcode:`` with an ``Emoji`` tag giving its image. Either way the reaction is one
emoji, checked here; anything else in ``content`` is not a reaction.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from fedicore.html_policy import is_http_url
from fedicore.vocab import as_list, id_of
from inbox.handlers.common import Drop, LocalTarget, is_local_object

SHORTCODE = re.compile(r":([A-Za-z0-9_+\-]{1,64})(@[A-Za-z0-9_.\-]*)?:")
MAX_EMOJI_CODEPOINTS = 16  # a family or flag sequence with modifiers; never a sentence
# What a Unicode emoji sequence is made of: symbols, modifiers, joiners, variation selectors.
EMOJI_CATEGORIES = frozenset({"So", "Sk", "Mn", "Me", "Cf"})


@dataclass(frozen=True, slots=True)
class Emoji:
    """One reaction: a Unicode emoji (``icon`` None) or ``:shortcode:`` with its image URL."""

    name: str
    icon: str | None = None


@dataclass(frozen=True, slots=True)
class ReactionIntent:
    kind: str  # like | share | emoji
    author: str
    object_id: str
    emoji: Emoji | None = None  # kind == "emoji" only


def _unicode_emoji(text: str) -> bool:
    if not 0 < len(text) <= MAX_EMOJI_CODEPOINTS:
        return False
    categories = [unicodedata.category(char) for char in text]
    return all(c in EMOJI_CATEGORIES for c in categories) and "So" in categories


def _custom_icon(activity: dict[str, Any], shortcode: str) -> str | None:
    for tag in as_list(activity.get("tag")):
        if isinstance(tag, dict) and tag.get("type") == "Emoji" and tag.get("name") in (
                f":{shortcode}:", shortcode):
            icon = tag.get("icon")
            url = icon.get("url") if isinstance(icon, dict) else icon
            return url if is_http_url(url) else None
    return None


def reaction_emoji(activity: dict[str, Any]) -> Emoji | None:
    """The emoji an ``EmojiReact`` or a Misskey-style ``Like`` reacts with, or None."""
    for field in ("content", "_misskey_reaction"):
        value = activity.get(field)
        if not isinstance(value, str):
            continue
        text = value.strip()
        custom = SHORTCODE.fullmatch(text)
        if custom:
            shortcode = custom.group(1)
            return Emoji(f":{shortcode}:", _custom_icon(activity, shortcode))
        text = unicodedata.normalize("NFC", text)
        if _unicode_emoji(text):
            return Emoji(text)
    return None


def interpret_reaction(activity: dict[str, Any], local: LocalTarget) -> ReactionIntent | Drop:
    object_id = id_of(activity.get("object"))
    if not is_local_object(object_id, local) or object_id == local.actor_url:
        return Drop(f"{activity['type']} of something that is not the blog's")
    if activity["type"] == "Announce":
        return ReactionIntent(kind="share", author=activity["actor"], object_id=object_id)
    emoji = reaction_emoji(activity)
    if emoji is not None:
        return ReactionIntent(kind="emoji", author=activity["actor"], object_id=object_id, emoji=emoji)
    if activity["type"] == "EmojiReact":
        return Drop("EmojiReact without one emoji")
    return ReactionIntent(kind="like", author=activity["actor"], object_id=object_id)
