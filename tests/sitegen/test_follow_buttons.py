"""Following takes no copy-paste: every page offers the handle to copy and a "follow / reply
from your server" form that works as a plain form without JavaScript (it opens /interact/,
which says what to do) and, with it, goes to the reader's own server only."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from sitegen.cli import run_build

THEME_JS = "interact.js"


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, {k: v or "" for k, v in attrs}))


def elements(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = Elements()
    parser.feed(html)
    return parser.found


def forms(html: str) -> list[dict]:
    """Each form with the inputs that follow it (the theme does not nest forms)."""
    out: list[dict] = []
    for tag, attrs in elements(html):
        if tag == "form":
            out.append({"attrs": attrs, "inputs": {}})
        elif tag == "input" and out:
            out[-1]["inputs"][attrs.get("name", "")] = attrs
    return out


def test_every_page_offers_the_handle_and_a_follow_form(tmp_path):
    from tests.support.example_site import copy_example

    site = copy_example(tmp_path / "site")
    run_build(site, quiet=True)
    out = site / "_site"
    for page in (out / "index.html", out / "posts/sunset/index.html", out / "tags/photos/index.html"):
        html = page.read_text()
        handle = [a for t, a in elements(html) if t == "input" and a.get("id") == "handle"]
        assert handle and handle[0]["value"] == "@alice@127.0.0.1:8000" and "readonly" in handle[0]
        copy = [a for t, a in elements(html) if t == "button" and "data-copy" in a]
        assert copy[0]["data-copy"] == "@alice@127.0.0.1:8000"
        follow = [f for f in forms(html) if f["attrs"].get("data-intent") == "follow"][0]
        assert follow["attrs"]["action"] == "/interact/" and follow["attrs"]["method"] == "get"
        assert follow["inputs"]["uri"]["value"] == "http://127.0.0.1:8000/ap/actor.json"
        assert "required" in follow["inputs"]["server"]
    post = (out / "posts/sunset/index.html").read_text()
    reply = [f for f in forms(post) if f["attrs"].get("data-intent") == "reply"][0]
    assert reply["inputs"]["uri"]["value"] == "http://127.0.0.1:8000/ap/posts/sunset.json"


def test_without_javascript_the_form_lands_on_instructions(tmp_path):
    from tests.support.example_site import copy_example

    site = copy_example(tmp_path / "site")
    run_build(site, quiet=True)
    page = (site / "_site/interact/index.html").read_text()
    assert "@alice@127.0.0.1:8000" in page and "search box" in page


def test_no_page_asks_a_third_party_for_anything(tmp_path):
    """Scripts, styles, forms and the follow script's requests stay on the blog or go to the
    reader's own server."""
    from tests.support.example_site import copy_example

    site = copy_example(tmp_path / "site")
    run_build(site, quiet=True)
    out = site / "_site"
    for page in out.rglob("*.html"):
        for tag, attrs in elements(page.read_text()):
            if tag == "script":
                assert attrs.get("src", "").startswith("/"), (page, attrs)
            if tag == "link" and attrs.get("rel") == "stylesheet":
                assert attrs["href"].startswith("/"), (page, attrs)
            if tag == "form":
                assert attrs["action"].startswith("/"), (page, attrs)
    script = (out / THEME_JS).read_text()
    hosts = set(re.findall(r"https?://([a-z0-9.-]+)", script))
    # the FEP-3b86 / OStatus relation names are identifiers, never fetched
    assert hosts <= {"w3id.org", "ostatus.org"}, hosts
    assert "import " not in script and "require(" not in script  # no framework
    assert "https://w3id.org/fep/3b86/Follow" in script
    assert "/authorize_interaction?uri=" in script
