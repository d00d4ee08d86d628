"""Answers from the blog: a post with ``in_reply_to`` is not listed, federates as a Note in the
thread addressed to the person answered, and shows under the reply it answers."""

from __future__ import annotations

import json

import pytest

from fedicore.errors import FedipressError
from sitegen.cli import run_build
from sitegen.scaffold import init_site
from sitegen.social.pull import thread
from sitegen.desk.answers import with_own_answers

BOB = "https://social.example/users/bob"
REPLY = "https://social.example/users/bob/statuses/1"


def site(tmp_path):
    root = tmp_path / "site"
    init_site(root, base_url="https://blog.example", username="alice", display_name="Alice",
              inbox_url="https://inbox.example")
    (root / "content" / "posts" / "hello-fediverse.md").unlink()
    (root / "content" / "posts" / "first.md").write_text(
        '+++\ntitle = "First"\ndate = 2026-01-02T10:00:00Z\n+++\n\nHello.\n')
    return root


def pulled(root, replies):
    (root / "data").mkdir(exist_ok=True)
    (root / "data" / "interactions.json").write_text(json.dumps(
        {"first": {"likes": 0, "boosts": 0, "replies": replies}}))


def bob_reply():
    return {"id": REPLY, "url": REPLY, "in_reply_to": "https://blog.example/ap/posts/first.json",
            "published": "2026-01-03T10:00:00Z", "depth": 0, "author_name": "Bob",
            "author_handle": "@bob@social.example", "author_url": BOB, "author_avatar": None,
            "content_warning": None, "content_html": "<p>Nice one</p>"}


def answer(root, *, extra: str = "") -> None:
    (root / "content" / "posts" / "re-1.md").write_text(
        f'+++\ndate = 2026-01-04T10:00:00Z\nin_reply_to = "{REPLY}"\n{extra}+++\n\n'
        "@bob@social.example Thank you!\n")


def test_an_answer_is_not_listed_but_federates_in_the_thread_to_the_person_answered(tmp_path):
    root = site(tmp_path)
    pulled(root, [bob_reply()])
    answer(root)
    run_build(root, quiet=True)
    out = root / "_site"
    index = (out / "index.html").read_text()
    assert "/posts/first/" in index and "/posts/re-1/" not in index
    assert "re-1" not in (out / "feed.xml").read_text()
    doc = json.loads((out / "ap" / "posts" / "re-1.json").read_text())
    assert doc["type"] == "Note" and doc["inReplyTo"] == REPLY
    assert BOB in doc["cc"] and len(doc["cc"]) == 2  # and the blog's followers
    assert {"type": "Mention", "href": BOB, "name": "@bob@social.example"} in doc["tag"]


def test_an_answer_only_to_the_thread_leaves_the_followers_out(tmp_path):
    root = site(tmp_path)
    pulled(root, [bob_reply()])
    answer(root, extra="to_followers = false\n")
    run_build(root, quiet=True)
    doc = json.loads((root / "_site" / "ap" / "posts" / "re-1.json").read_text())
    assert doc["cc"] == [BOB]


def test_in_reply_to_must_be_a_url(tmp_path):
    root = site(tmp_path)
    (root / "content" / "posts" / "re-1.md").write_text(
        '+++\ndate = 2026-01-04T10:00:00Z\nin_reply_to = "yesterday"\n+++\n\nHi\n')
    with pytest.raises(FedipressError, match="in_reply_to 'yesterday' must be the http"):
        run_build(root, quiet=True)


def test_own_answers_go_under_the_reply_they_answer_and_answers_to_them_too():
    post = "https://blog.example/ap/posts/first.json"
    entry = {"likes": 0, "boosts": 0, "replies": thread([bob_reply()], post)}
    mine = {**bob_reply(), "id": "https://blog.example/ap/posts/re-1.json", "in_reply_to": REPLY,
            "published": "2026-01-04T10:00:00Z", "author_handle": "@alice@blog.example",
            "own": True}
    again = {**mine, "id": "https://blog.example/ap/posts/re-2.json",
             "in_reply_to": mine["id"], "published": "2026-01-05T10:00:00Z"}
    elsewhere = {**mine, "id": "https://blog.example/ap/posts/re-3.json",
                 "in_reply_to": "https://other.example/notes/9"}
    merged = with_own_answers(entry, post, [again, mine, elsewhere], thread)
    assert [(r["id"].rsplit("/", 1)[1], r["depth"]) for r in merged["replies"]] == [
        ("1", 0), ("re-1.json", 1), ("re-2.json", 2)]
