"""hostile-inputs.md, "JSON and ActivityStreams content" and "HTML from outside": sent signed to
the running inbox; the status, and that nothing (or only the raw, dropped activity) was kept."""

from __future__ import annotations

import json
import time

import pytest

from inbox.moderation.patterns import parse_pattern
from inbox.storage import moderation as moderation_store
from tests.inbox.hostile import assert_nothing_happened
from tests.support.server import eventually


def _signed_raw(bob, world, body: bytes):
    return world.client.post(world.alice_inbox, content=body, headers=bob.sign("POST", world.alice_inbox, body))


@pytest.mark.parametrize("body", [
    pytest.param(b"{not json", id="invalid"),
    pytest.param(b"[1, 2]", id="array"),
    pytest.param(b'"Follow"', id="string"),
    pytest.param(b'{"type": "Follow", "actor": "%ACTOR%"}', id="missing-id"),
    pytest.param(b'{"id": "%ACTOR%/a/1", "actor": "%ACTOR%"}', id="missing-type"),
    pytest.param(b'{"id": "%ACTOR%/a/1", "type": "Follow"}', id="missing-actor"),
    pytest.param(b'{"id": "%ACTOR%/a/1", "type": "Follow", "actor": "%ACTOR%", "n": ' + b"[" * 100 + b"]" * 100 + b"}", id="deep"),
    pytest.param(b'{"id": "%ACTOR%/a/1", "type": "Follow", "actor": "%ACTOR%", "n": ' + b"[" * 100000 + b"]" * 100000 + b"}", id="very-deep"),
    pytest.param(b'{"id": "%ACTOR%/a/1", "type": "Follow", "actor": "%ACTOR%", "n": NaN}', id="nan"),
    pytest.param(b'{"id": "%ACTOR%/a/1", "type": "Follow", "actor": "%ACTOR%", "n": -Infinity}', id="infinity"),
    pytest.param(b'{"id": "%ACTOR%/a/1", "type": "Follow", "actor": "%ACTOR%", "n": 1' + b"0" * 400 + b"}", id="huge-int"),
    pytest.param(b'{"id": "%ACTOR%/a/1", "type": "Follow", "actor": "%ACTOR%", "n": 1e999}', id="huge-float"),
    pytest.param(b'{"id": "%ACTOR%/a/1", "type": "Follow", "type": "Delete", "actor": "%ACTOR%"}', id="duplicate-keys"),
])
async def test_bad_json_is_400_and_nothing_is_stored(world, body) -> None:
    bob = world.remote.actor("bob")
    body = body.replace(b"%ACTOR%", bob.id.encode())
    answer = await _signed_raw(bob, world, body)
    assert answer.status_code == 400, answer.text
    assert set(answer.json()) == {"error", "detail"}
    await assert_nothing_happened(world, fetched=True)


@pytest.mark.parametrize("change", [
    pytest.param(lambda a: a.update({"@context": "https://example.com/not-as"}), id="foreign-context"),
    pytest.param(lambda a: a.update({"@graph": [{"id": "x"}]}), id="graph"),
    pytest.param(lambda a: a.update({"@included": [{"id": "x"}]}), id="included"),
    pytest.param(lambda a: a.update({"@reverse": {"x": "y"}}), id="reverse"),
])
async def test_json_ld_tricks_are_accepted_and_dropped(world, change) -> None:
    bob = world.remote.actor("bob")
    follow = bob.follow(world.alice.id)
    change(follow)
    answer = await bob.post(world.client, world.alice_inbox, follow)
    assert answer.status_code == 202
    await assert_nothing_happened(world, fetched=True, stored_raw=True)


async def test_create_whose_note_lives_on_another_host_is_dropped(world) -> None:
    bob = world.remote.actor("bob")
    note = bob.note("hi", in_reply_to=world.post_url(), note_id="https://elsewhere.example/notes/1")
    assert (await bob.post(world.client, world.alice_inbox, bob.create(note))).status_code == 202
    await assert_nothing_happened(world, fetched=True, stored_raw=True)


async def test_create_of_a_note_attributed_to_someone_else_is_dropped(world) -> None:
    bob, carol = world.remote.actor("bob"), world.remote.actor("carol")
    note = carol.note("words put in carol's mouth", in_reply_to=world.post_url())
    assert (await bob.post(world.client, world.alice_inbox, bob.create(note))).status_code == 202
    await assert_nothing_happened(world, fetched=True, stored_raw=True)


async def test_create_reusing_another_actors_note_id_is_dropped(world) -> None:
    bob, mallory = world.remote.actor("bob"), world.remote.actor("mallory")
    note = bob.note("the original", in_reply_to=world.post_url())
    await bob.post(world.client, world.alice_inbox, bob.create(note))
    await world.inbox.settle()
    forged = mallory.note("the forgery", in_reply_to=world.post_url(), note_id=note["id"])
    assert (await mallory.post(world.client, world.alice_inbox, mallory.create(forged))).status_code == 202
    await world.inbox.settle()
    rows = await world.inbox.db.fetchall("SELECT author, content_html FROM inbox_items")
    assert [(r["author"], r["content_html"]) for r in rows] == [(bob.id, "the original")]


async def test_create_neither_replying_nor_mentioning_is_dropped(world) -> None:
    bob = world.remote.actor("bob")
    note = bob.note("just talking", in_reply_to=f"{world.remote.base}/statuses/elsewhere")
    assert (await bob.post(world.client, world.alice_inbox, bob.create(note))).status_code == 202
    await assert_nothing_happened(world, fetched=True, stored_raw=True)


async def _reply(world, bob, content: str = "<p>hello</p>") -> dict:
    note = bob.note(content, in_reply_to=world.post_url())
    assert (await bob.post(world.client, world.alice_inbox, bob.create(note))).status_code == 202
    await world.inbox.settle()
    return note


async def test_delete_update_undo_of_what_the_signer_does_not_own_has_no_effect(world) -> None:
    bob, mallory = world.remote.actor("bob"), world.remote.actor("mallory")
    note = await _reply(world, bob)
    like = bob.activity("Like", world.post_url())
    await bob.post(world.client, world.alice_inbox, like)
    await world.inbox.settle()
    tampered = dict(note, content="<p>defaced</p>", attributedTo=mallory.id)
    for activity in (mallory.activity("Delete", {"id": note["id"], "type": "Tombstone"}),
                     mallory.activity("Update", tampered),
                     mallory.activity("Undo", like["id"])):
        assert (await mallory.post(world.client, world.alice_inbox, activity)).status_code == 202
    await world.inbox.settle()
    rows = await world.inbox.db.fetchall("SELECT kind, content_html FROM inbox_items ORDER BY kind")
    assert [(r["kind"], r["content_html"]) for r in rows] == [("like", None), ("reply", "<p>hello</p>")]


async def test_self_delete_of_an_unknown_actor_is_202_without_fetching(world) -> None:
    ghost = world.remote.actor("ghost")
    world.remote.serve("/users/ghost", {"error": "gone"}, status=410)
    answer = await ghost.post(world.client, world.alice_inbox, ghost.activity("Delete", ghost.id))
    assert answer.status_code == 202
    await assert_nothing_happened(world)


async def test_self_update_of_an_unknown_actor_is_202_without_fetching(world) -> None:
    ghost = world.remote.actor("ghost")
    answer = await ghost.post(world.client, world.alice_inbox, ghost.activity("Update", ghost.document()))
    assert answer.status_code == 202
    await assert_nothing_happened(world)


async def test_follow_of_someone_else_is_ignored(world) -> None:
    bob = world.remote.actor("bob")
    answer = await bob.post(world.client, world.alice_inbox, bob.follow(f"{world.blog.base}/users/someone"))
    assert answer.status_code == 202
    await assert_nothing_happened(world, fetched=True, stored_raw=True)


async def test_follow_from_blocked_sender_gets_reject(world) -> None:
    mallory = world.remote.actor("mallory")
    await moderation_store.put_entries(world.inbox.db, world.mention, "block", [parse_pattern(mallory.handle)],
                                       expires_at=None, reason="test", who="test", now=time.time())
    follow = mallory.follow(world.alice.id)
    assert (await mallory.post(world.client, world.alice_inbox, follow)).status_code == 202
    await world.inbox.settle()
    rejects = await eventually(lambda: world.remote.delivered("Reject"))
    assert rejects[0]["object"]["id"] == follow["id"]
    assert await world.inbox.count("followers") == 0
    assert world.remote.delivered("Accept") == []


async def test_announce_with_embedded_copy_keeps_only_the_id(world) -> None:
    bob = world.remote.actor("bob")
    embedded = {"id": world.post_url(), "type": "Note", "content": "<p>a fake copy</p>",
                "attributedTo": world.alice.id}
    await bob.post(world.client, world.alice_inbox, bob.activity("Announce", embedded))
    await world.inbox.settle()
    rows = await world.inbox.db.fetchall("SELECT kind, object_id, content_html FROM inbox_items")
    assert [(r["kind"], r["object_id"], r["content_html"]) for r in rows] == [("share", world.post_url(), None)]


async def test_like_of_an_object_not_on_the_blog_is_dropped(world) -> None:
    bob = world.remote.actor("bob")
    embedded = {"id": f"{world.remote.base}/statuses/1", "type": "Note", "attributedTo": world.alice.id}
    await bob.post(world.client, world.alice_inbox, bob.activity("Like", embedded))
    await assert_nothing_happened(world, fetched=True, stored_raw=True)


async def _follow(world, actor) -> None:
    await actor.post(world.client, world.alice_inbox, actor.follow(world.alice.id))
    await world.inbox.settle()


async def test_move_whose_target_does_not_list_the_origin_has_no_effect(world) -> None:
    bob, bob2 = world.remote.actor("bob"), world.remote.actor("bob2")
    await _follow(world, bob)
    await bob.post(world.client, world.alice_inbox, bob.activity("Move", bob.id, target=bob2.id))
    await world.inbox.settle()
    rows = await world.inbox.db.fetchall("SELECT follower_id FROM followers")
    assert [r["follower_id"] for r in rows] == [bob.id]


async def test_move_to_a_target_listing_the_origin_moves_the_follow(world) -> None:
    bob = world.remote.actor("bob")
    bob2 = world.remote.actor("bob2", also_known_as=[bob.id])
    await _follow(world, bob)
    await bob.post(world.client, world.alice_inbox, bob.activity("Move", bob.id, target=bob2.id))
    await world.inbox.settle()
    rows = await world.inbox.db.fetchall("SELECT follower_id, inbox FROM followers")
    assert [(r["follower_id"], r["inbox"]) for r in rows] == [(bob2.id, bob2.inbox)]


async def test_flag_about_the_blog_is_queued_with_a_truncated_comment(world) -> None:
    bob = world.remote.actor("bob")
    flag = bob.activity("Flag", [world.post_url(), f"{world.remote.base}/statuses/9"], content="x" * 5000)
    await bob.post(world.client, world.alice_inbox, flag)
    await world.inbox.settle()
    rows = await world.inbox.db.fetchall("SELECT kind, state, object_id, content_html FROM inbox_items")
    assert [(r["kind"], r["state"], r["object_id"]) for r in rows] == [("flag", "queued", world.post_url())]
    assert rows[0]["content_html"] == "x" * 1000


async def test_flag_about_nothing_local_is_dropped(world) -> None:
    bob = world.remote.actor("bob")
    await bob.post(world.client, world.alice_inbox, bob.activity("Flag", [f"{world.remote.base}/statuses/9"]))
    await assert_nothing_happened(world, fetched=True, stored_raw=True)


async def test_same_activity_id_via_shared_and_personal_inbox_is_processed_once(world) -> None:
    bob = world.remote.actor("bob")
    follow = bob.follow(world.alice.id)
    for url in (world.inbox.url("/v1/inbox"), world.alice_inbox, world.alice_inbox):
        assert (await bob.post(world.client, url, follow)).status_code == 202
    await world.inbox.settle()
    await eventually(lambda: world.remote.delivered("Accept"))
    assert await world.inbox.count("activities") == 1
    assert len(world.remote.delivered("Accept")) == 1


async def test_reply_html_is_sanitised_before_it_is_stored(world) -> None:
    bob = world.remote.actor("bob")
    hostile = ('<p class="evil h-entry" style="color:red" onclick="steal()">hi '
               '<a href="javascript:alert(1)">x</a> <a href="https://ok.example/" class="mention">ok</a>'
               '<script>steal()</script><svg><g/></svg><iframe src="https://x"></iframe>'
               '<img src="data:image/png;base64,AAAA"><a href="/relative">rel</a></p>')
    await _reply(world, bob, hostile)
    row = await world.inbox.db.fetchone("SELECT content_html FROM inbox_items")
    html = row["content_html"]
    for bad in ("script", "steal", "svg", "iframe", "style", "onclick", "javascript", "img", "data:",
                "/relative", "evil"):
        assert bad not in html, (bad, html)
    assert 'href="https://ok.example/"' in html
    assert 'rel="nofollow noopener noreferrer ugc"' in html
    assert 'class="h-entry"' in html


async def test_mastodon_tombstone_delete_removes_the_reply(world) -> None:
    bob = world.remote.actor("bob")
    note = await _reply(world, bob)
    assert await world.inbox.count("inbox_items", "kind = 'reply'") == 1
    delete = bob.activity("Delete", {"id": note["id"], "type": "Tombstone", "atomUri": note["id"]})
    assert (await bob.post(world.client, world.alice_inbox, delete)).status_code == 202
    await world.inbox.settle()
    assert await world.inbox.count("inbox_items", "kind = 'reply'") == 0


async def test_update_by_the_author_changes_the_reply_sanitised(world) -> None:
    bob = world.remote.actor("bob")
    note = await _reply(world, bob)
    changed = dict(note, content="<p>edited<script>x()</script></p>")
    await bob.post(world.client, world.alice_inbox, bob.activity("Update", changed))
    await world.inbox.settle()
    row = await world.inbox.db.fetchone("SELECT content_html FROM inbox_items")
    assert row["content_html"] == "<p>edited</p>"


async def test_mention_without_reply_is_stored_as_a_reply_to_the_actor(world) -> None:
    bob = world.remote.actor("bob")
    note = bob.note("hey @alice", mention=world.alice.id)
    await bob.post(world.client, world.alice_inbox, bob.create(note))
    await world.inbox.settle()
    row = await world.inbox.db.fetchone("SELECT kind, object_id FROM inbox_items")
    assert (row["kind"], row["object_id"]) == ("reply", world.alice.id)


async def test_other_activity_types_are_accepted_and_ignored(world) -> None:
    bob = world.remote.actor("bob")
    answer = await bob.post(world.client, world.alice_inbox, bob.activity("EmojiReact", world.post_url()))
    assert answer.status_code == 202
    await assert_nothing_happened(world, fetched=True, stored_raw=True)


async def test_unknown_json_fields_do_not_break_parsing(world) -> None:
    bob = world.remote.actor("bob")
    follow = bob.follow(world.alice.id)
    follow["unexpected"] = {"deep": [1, 2, {"x": None}]}
    body = json.dumps(follow).encode()
    assert (await _signed_raw(bob, world, body)).status_code == 202
