"""Pulled replies under a post and in its ActivityPub `replies`, sanitised again at render."""

from __future__ import annotations

import re

import json
import os
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from fedicore.errors import FedipressError
from fedicore.html_policy import clean_html, is_http_url, plain_text
from sitegen.build import build_site
from sitegen.cli import _version
from sitegen.manifest import is_up_to_date

POST_ID = "http://127.0.0.1:8000/ap/posts/sunset.json"
BOB = {
    "id": "https://social.example/users/bob/statuses/1", "url": "https://social.example/@bob/1",
    "in_reply_to": POST_ID, "published": "2024-05-06T10:00:00Z", "depth": 0,
    "author_name": "Bob", "author_handle": "@bob@social.example",
    "author_url": "https://social.example/@bob",
    "author_avatar": "https://social.example/avatars/bob.png", "content_warning": None,
    "content_html": "<p>Lovely <a href=\"https://social.example/tags/sun\" "
                    "class=\"mention hashtag\">#sun</a></p>",
}
CAROL = {
    "id": "https://other.example/notes/2", "url": "https://other.example/@carol/2",
    "in_reply_to": BOB["id"], "published": "2024-05-06T11:30:00+00:00", "depth": 1,
    "author_name": "Carol", "author_handle": "@carol@other.example",
    "author_url": "https://other.example/@carol", "author_avatar": None,
    "content_warning": None, "content_html": "<p>Agreed with Bob</p>",
}
MALLORY = {
    "id": "https://evil.example/notes/3", "url": "javascript:alert('url')",
    "in_reply_to": POST_ID, "published": "2024-05-07T09:00:00Z", "depth": 0,
    "author_name": "<script>alert('name')</script>Mallory",
    "author_handle": "@mallory@evil.example<img src=x onerror=alert('handle')>",
    "author_url": "javascript:alert('author')", "author_avatar": "javascript:alert('avatar')",
    "content_warning": None,
    "content_html": "<p onclick=\"alert('click')\" style=\"color:red\">Hi<script>alert('s')"
                    "</script><img src=x onerror=\"alert('img')\"><a href=\"javascript:alert"
                    "('link')\">click</a><iframe src=\"https://evil.example/\"></iframe>"
                    "<a href=\"https://ok.example/\" class=\"evil mention\">@ok</a></p>",
}


def snapshot(out: Path) -> dict[str, int]:
    return {str(p.relative_to(out)): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}


def changed(before: dict[str, int], after: dict[str, int]) -> set[str]:
    return {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}


class Tree(HTMLParser):
    """A tiny DOM: enough to ask what is inside what."""

    VOID = {"img", "br", "meta", "link", "input", "hr"}

    def __init__(self, text: str) -> None:
        super().__init__()
        self.root = {"tag": "#root", "attrs": {}, "children": [], "text": ""}
        self.stack = [self.root]
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        node = {"tag": tag, "attrs": dict(attrs), "children": [], "text": ""}
        self.stack[-1]["children"].append(node)
        if tag not in self.VOID:
            self.stack.append(node)

    def handle_endtag(self, tag):
        while len(self.stack) > 1:
            if self.stack.pop()["tag"] == tag:
                break

    def handle_data(self, data):
        for node in self.stack:
            node["text"] += data


def find(node: dict, tag: str, cls: str | None = None) -> list[dict]:
    found = []
    for child in node["children"]:
        if child["tag"] == tag and (cls is None or cls in child["attrs"].get("class", "").split()):
            found.append(child)
        found += find(child, tag, cls)
    return found


def write_data(site: Path, name: str, data: object) -> None:
    path = site / "data" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(data), "utf-8")
    later = time.time_ns() + 1_000_000_000  # a different stamp even on coarse clocks
    os.utime(path, ns=(later, later))


def build(site: Path):
    return build_site(site, site / "_site", version=_version())


def page(site: Path, slug: str = "sunset") -> Tree:
    return Tree((site / f"_site/posts/{slug}/index.html").read_text("utf-8"))


def document(site: Path, slug: str = "sunset") -> dict:
    return json.loads((site / f"_site/ap/posts/{slug}.json").read_text("utf-8"))


def replies_by_author(tree: Tree) -> dict[str, dict]:
    return {find(article, "span", "p-name")[0]["text"]: article
            for article in find(tree.root, "article", "reply")}


def test_reply_shows_author_avatar_handle_link_and_time(site):
    write_data(site, "interactions.json", {"sunset": {"likes": 0, "boosts": 0,
                                                      "replies": [BOB]}})
    build(site)
    bob = replies_by_author(page(site))["Bob"]
    [author] = find(bob, "a", "p-author")
    assert author["attrs"]["href"] == "https://social.example/@bob"
    [avatar] = find(author, "img")
    assert avatar["attrs"]["src"] == "https://social.example/avatars/bob.png"
    assert avatar["attrs"]["alt"] == ""  # decorative: the name is in the same link
    assert avatar["attrs"]["loading"] == "lazy"
    assert (avatar["attrs"]["width"], avatar["attrs"]["height"]) == ("48", "48")
    assert find(bob, "span", "reply-handle")[0]["text"] == "@bob@social.example"
    [link] = find(find(bob, "p", "meta")[0], "a", "u-url")
    assert link["attrs"]["href"] == "https://social.example/@bob/1"
    [when] = find(link, "time")
    assert when["attrs"]["datetime"] == "2024-05-06T10:00:00Z" and when["text"] == "6 May 2024"
    assert "#sun" in find(bob, "div", "e-content")[0]["text"]


def test_answer_is_nested_inside_the_reply_it_answers(site):
    write_data(site, "interactions.json", {"sunset": {"replies": [BOB, CAROL]}})
    build(site)
    tree = page(site)
    [outer] = [ol for ol in find(tree.root, "ol", "replies")
               if ol not in sum((find(x, "ol") for x in find(tree.root, "ol")), [])]
    [bob_item] = [li for li in outer["children"] if li["tag"] == "li"]
    assert "Bob" in find(bob_item, "article")[0]["text"]
    [inner] = find(bob_item, "ol", "replies")
    assert "Agreed with Bob" in inner["text"]
    assert find(inner, "time")[0]["attrs"]["datetime"] == "2024-05-06T11:30:00Z"
    assert "2 replies" in tree.root["text"]


def test_likes_and_boosts_counts_are_shown(site):
    write_data(site, "interactions.json", {"sunset": {"likes": 1, "boosts": 4, "replies": []}})
    build(site)
    counts = find(page(site).root, "p", "counts")[0]["text"]
    assert " ".join(counts.split()) == "1 like · 4 boosts"  # plurals right
    assert document(site)["replies"]["totalItems"] == 0
    assert document(site)["likes"] == {"id": document(site)["id"] + "#likes",
                                       "type": "Collection", "totalItems": 1}
    assert document(site)["shares"]["totalItems"] == 4


def test_facepile_is_bounded_and_says_how_many_more(site):
    fans = [{"name": f"Fan {n}", "handle": f"@fan{n}@x.example",
             "url": f"https://x.example/users/fan{n}", "avatar": f"https://x.example/a{n}.png"}
            for n in range(30)]
    fans.insert(0, {"name": "<script>x</script>", "url": "javascript:alert(1)"})
    write_data(site, "interactions.json", {"sunset": {
        "likes": 40, "boosts": 0, "replies": [], "likers": fans,
        "reactions": [{"emoji": "🎉", "count": 3}, {"emoji": "", "count": 2}]}})
    build(site)
    html = (site / "_site/posts/sunset/index.html").read_text()
    assert html.count('class="face"') == 12
    assert "and 28 others" in html
    assert "javascript:" not in html and "<script>x" not in html
    assert "🎉 3" in " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_hostile_reply_html_and_urls_do_not_survive(site):
    write_data(site, "interactions.json", {"sunset": {"replies": [BOB, MALLORY]}})
    build(site)
    html = (site / "_site/posts/sunset/index.html").read_text("utf-8")
    reply_part = html[html.index('class="interactions"'):]
    for hostile in ("<script", "javascript:", "onerror", "onclick", "<iframe", "style=",
                    "alert("):
        assert hostile not in reply_part, hostile
    mallory = replies_by_author(page(site))["Mallory"]  # the name lost its script
    assert not find(mallory, "img") and not find(mallory, "a", "p-author")
    [kept] = [a for a in find(mallory, "a") if a["attrs"].get("href") == "https://ok.example/"]
    assert kept["attrs"]["class"] == "mention"
    assert kept["attrs"]["rel"] == "nofollow noopener noreferrer ugc"
    assert "@mallory@evil.example" in find(mallory, "span", "reply-handle")[0]["text"]


def test_post_document_lists_direct_reply_ids_in_an_inline_collection(site):
    write_data(site, "interactions.json", {"sunset": {"replies": [BOB, CAROL, MALLORY]}})
    build(site)
    replies = document(site)["replies"]
    assert replies["type"] == "Collection" and replies["id"] == f"{POST_ID}#replies"
    assert replies["totalItems"] == 2
    assert replies["first"]["type"] == "CollectionPage"
    assert replies["first"]["partOf"] == replies["id"]
    assert replies["first"]["items"] == [BOB["id"], MALLORY["id"]]  # Carol answers Bob


def test_removed_reply_disappears_from_page_and_document_and_only_its_post_rerenders(site):
    write_data(site, "interactions.json", {"sunset": {"likes": 2, "replies": [BOB, MALLORY]}})
    build(site)
    before = snapshot(site / "_site")
    write_data(site, "interactions.json", {"sunset": {"likes": 2, "replies": [BOB]}})
    assert not is_up_to_date(site, site / "_site", None, _version())
    report = build(site)
    assert report.rendered == 1
    assert set(replies_by_author(page(site))) == {"Bob"}
    assert document(site)["replies"]["first"]["items"] == [BOB["id"]]
    assert document(site)["replies"]["totalItems"] == 1
    rewritten = changed(before, snapshot(site / "_site"))
    assert {"posts/sunset/index.html", "ap/posts/sunset.json"} <= rewritten
    assert not {p for p in rewritten if p.startswith("posts/") and "sunset" not in p}
    assert "index.html" not in rewritten  # the card shows no reply


def test_post_whose_whole_entry_is_removed_loses_its_responses(site):
    write_data(site, "interactions.json", {"sunset": {"likes": 3, "replies": [BOB]}})
    build(site)
    write_data(site, "interactions.json", {})
    build(site)
    assert not find(page(site).root, "section", "interactions")
    assert document(site)["replies"]["totalItems"] == 0


def test_malformed_entries_are_skipped_not_fatal(site):
    broken = dict(BOB, published="yesterday", depth="deep", author_avatar=42,
                  content_html=["not", "html"])
    write_data(site, "interactions.json", {
        "sunset": {"likes": "many", "boosts": -3, "replies": [broken, "junk", None]},
        "morning-note": {"replies": {"not": "a list"}, "likes": True}})
    build(site)
    bob = replies_by_author(page(site))["Bob"]
    assert not find(bob, "time") and not find(bob, "img")
    assert not find(page(site).root, "p", "counts")
    assert not find(page(site, "morning-note").root, "section", "interactions")


def test_followers_count_shows_on_the_profile_and_follows_a_pull(site):
    build(site)
    assert not find(Tree((site / "_site/index.html").read_text("utf-8")).root, "p", "followers")
    write_data(site, "followers.json", {"followers": 12})
    assert not is_up_to_date(site, site / "_site", None, _version())
    before = snapshot(site / "_site")
    report = build(site)
    profile = Tree((site / "_site/index.html").read_text("utf-8"))
    assert "12 followers" in " ".join(find(profile.root, "p", "followers")[0]["text"].split())
    assert report.rendered == 0
    assert changed(before, snapshot(site / "_site")) == {"index.html"}


def test_policy_keeps_mentions_and_drops_everything_active():
    cleaned = clean_html('<p class="x">a<a href="https://b.example/" class="u-url mention bad" '
                         'onmouseover="x()">b</a><svg><script>c()</script></svg>'
                         '<a href="//b.example/">d</a></p>')
    assert cleaned == ('<p>a<a href="https://b.example/" class="u-url mention" '
                       'rel="nofollow noopener noreferrer ugc">b</a>'
                       '<a rel="nofollow noopener noreferrer ugc">d</a></p>')
    assert plain_text("Bob &amp; <b>Co</b><script>x()</script>") == "Bob & Co"
    assert [is_http_url(u) for u in ("https://a.example/x", "JavaScript:x", "https:///x",
                                     "https://a.example/ x", 5)] == [True, False, False, False,
                                                                      False]


def test_broken_followers_file_is_a_user_error_naming_it(site):
    write_data(site, "followers.json", {"followers": "lots"})
    with pytest.raises(FedipressError, match="followers.json"):
        build(site)
