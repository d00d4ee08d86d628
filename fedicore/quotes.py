"""Quote posts (FEP-044f): who may quote a post, and the authorization stamp that proves it.

A post publishes its policy as ``interactionPolicy.canQuote.automaticApproval`` (GoToSocial's
vocabulary, which Mastodon reads): the public collection (anyone), the blog's followers
collection, or only the blog actor itself (nobody else). A server that wants to quote sends a
``QuoteRequest``; the inbox answers ``Accept`` whose ``result`` is the URL of a
``QuoteAuthorization`` stamp. Servers refuse a stamp whose URL is not on the quoted author's
host, so the stamp's URL is on the blog's host, beside the actor document:
``<base>/ap/quotes/<hash>.json``, the hash of (quoting post, quoted post). The inbox serves the
same document, and ``fedipress pull`` writes the approved ones into the site (docs/publisher.md).

Pure functions of plain data, used by both the publisher and the inbox.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from fedicore.vocab import AS_CONTEXT, PUBLIC, as_list, id_of

QUOTE_POLICIES = ("public", "followers", "nobody")
PUBLIC_FORMS = frozenset({PUBLIC, "as:Public", "Public"})
FEP_044F = "https://w3id.org/fep/044f#"
GTS = "https://gotosocial.org/ns#"

#: Terms a post with an ``interactionPolicy`` declares in its @context.
POLICY_CONTEXT = {
    "gts": GTS,
    "interactionPolicy": {"@id": "gts:interactionPolicy", "@type": "@id"},
    "canQuote": {"@id": "gts:canQuote", "@type": "@id"},
    "automaticApproval": {"@id": "gts:automaticApproval", "@type": "@id"},
    "manualApproval": {"@id": "gts:manualApproval", "@type": "@id"},
}
STAMP_CONTEXT = [AS_CONTEXT, {
    "gts": GTS,
    "QuoteAuthorization": FEP_044F + "QuoteAuthorization",
    "interactingObject": {"@id": "gts:interactingObject", "@type": "@id"},
    "interactionTarget": {"@id": "gts:interactionTarget", "@type": "@id"},
}]
REQUEST_CONTEXT = [AS_CONTEXT, {"QuoteRequest": FEP_044F + "QuoteRequest"}]


def interaction_policy(policy: str, *, actor_id: str, followers: str) -> dict[str, Any]:
    """The ``interactionPolicy`` of a post whose quote policy is ``policy``."""
    allowed = {"public": PUBLIC, "followers": followers, "nobody": actor_id}[policy]
    return {"canQuote": {"automaticApproval": [allowed]}}


def quote_allowed(post: Mapping[str, Any], requester: str, *, followers: str, is_follower: bool) -> bool:
    """May ``requester`` quote ``post`` (the blog's own document)? A post without a policy
    (built before policies were published) may be quoted by anyone, as the default says."""
    policy = post.get("interactionPolicy")
    if not isinstance(policy, Mapping):
        return True
    can_quote = policy.get("canQuote")
    if not isinstance(can_quote, Mapping):
        return True
    for entry in as_list(can_quote.get("automaticApproval")):
        allowed = id_of(entry)
        if allowed in PUBLIC_FORMS or allowed == requester or (allowed == followers and is_follower):
            return True
    return False


def stamp_token(instrument: str, target: str) -> str:
    return hashlib.sha256(f"{instrument}\n{target}".encode()).hexdigest()[:32]


def stamp_url(actor_id: str, instrument: str, target: str) -> str:
    """Where the stamp lives: beside the actor document, on the blog's host."""
    return f"{actor_id.rpartition('/')[0]}/quotes/{stamp_token(instrument, target)}.json"


def quote_authorization(actor_id: str, instrument: str, target: str) -> dict[str, Any]:
    """The stamp: ``actor_id`` lets ``instrument`` (the quoting post) quote ``target``."""
    return {"@context": STAMP_CONTEXT, "id": stamp_url(actor_id, instrument, target),
            "type": "QuoteAuthorization", "attributedTo": actor_id,
            "interactingObject": instrument, "interactionTarget": target}


def _embedded(activity: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in activity.items() if key != "@context"}


def answer_quote_request(kind: str, actor_id: str, request: Mapping[str, Any], *,
                         instrument: str, target: str) -> dict[str, Any]:
    """``Accept`` (with the stamp's URL as ``result``) or ``Reject`` of a ``QuoteRequest``,
    the request embedded; ids derived from the request's, so an answer is the same each time."""
    digest = hashlib.sha256(str(request.get("id")).encode()).hexdigest()[:32]
    answer: dict[str, Any] = {
        "@context": REQUEST_CONTEXT, "id": f"{actor_id}#{kind.lower()}s/quote_requests/{digest}",
        "type": kind, "actor": actor_id, "object": _embedded(request),
        "to": [request["actor"]] if isinstance(request.get("actor"), str) else [],
    }
    if kind == "Accept":
        answer["result"] = stamp_url(actor_id, instrument, target)
    return answer
