"""QuoteRequest (FEP-044f): a server asks before one of its posts quotes the blog's.

The request names the quoted post (``object``, one of the blog's) and the quoting post
(``instrument``, an id or an embedded note, on the requester's own host). Whether it may is the
post's published ``interactionPolicy`` (``fedicore.quotes``), read by the effects from the
post's own document; the answer is an ``Accept`` pointing at the authorization stamp, or a
``Reject``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fedicore.vocab import id_of
from inbox.handlers.common import Drop, LocalTarget, same_origin
from inbox.handlers.thread import blog_post


@dataclass(frozen=True, slots=True)
class QuoteRequestIntent:
    author: str
    target: str  # the blog's post being quoted
    instrument: str  # the post that quotes it
    request: dict[str, Any]


def interpret_quote_request(activity: dict[str, Any], local: LocalTarget) -> QuoteRequestIntent | Drop:
    target = blog_post(activity.get("object"), local)
    if target is None:
        return Drop("QuoteRequest of something that is not the blog's post")
    instrument = activity.get("instrument")
    instrument_id = id_of(instrument)
    if not instrument_id or not same_origin(instrument_id, activity["actor"]):
        return Drop("QuoteRequest whose quoting post is not on the requester's host")
    if isinstance(instrument, dict) and id_of(instrument.get("attributedTo")) not in (None, activity["actor"]):
        return Drop("QuoteRequest for someone else's post")
    return QuoteRequestIntent(author=activity["actor"], target=target, instrument=instrument_id,
                              request=activity)
