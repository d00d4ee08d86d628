"""A Create or Update keeps the terms its post declares: the wrapper carries the post's @context."""

from __future__ import annotations

from fedicore import activities, documents
from fedicore.quotes import POLICY_CONTEXT

ACTOR = "https://blog.example/ap/actor.json"


def _post(**extra) -> dict:
    info = documents.PostInfo(
        id="https://blog.example/ap/posts/p.json", attributed_to=ACTOR,
        url="https://blog.example/p/", published="2026-01-01T00:00:00Z",
        followers="https://blog.example/ap/followers.json", content_html="<p>hi</p>",
        title="A title", **extra)
    return documents.post_document(info)


def test_a_create_declares_the_terms_of_the_post_it_wraps():
    post = _post()
    for wrap in (activities.create, activities.update):
        activity = wrap(ACTOR, post)
        assert activity["@context"] == post["@context"]
        assert "@context" not in activity["object"]
        assert "sensitive" in str(activity["@context"])


def test_a_post_with_a_quote_policy_has_interaction_policy_declared_in_its_create():
    post = _post(interaction_policy={"canQuote": {"automaticApproval": ["https://www.w3.org/ns/activitystreams#Public"]}})
    activity = activities.create(ACTOR, post)
    declared = {key for entry in activity["@context"] if isinstance(entry, dict) for key in entry}
    assert set(POLICY_CONTEXT) <= declared


def test_a_bare_object_still_gets_the_activitystreams_context():
    activity = activities.create(ACTOR, {"id": "https://blog.example/n", "type": "Note"})
    assert activity["@context"] == documents.AS_CONTEXT
