"""The default theme in a real browser: Debian's headless Chromium (driven by Playwright,
never a downloaded browser) at 1280 and 390 px, light and dark. It looks at the DOM — the
navigation, the follow box, the post's neighbours, the interact form, the facepile exist and
are visible — and at where the follow form sends a reader, never at pixels. A screenshot of
each case is saved beside the test's temporary files for a human to look at."""

from __future__ import annotations

import json
import shutil
from urllib.parse import quote

import pytest

from tests.serve_check.conftest import serving_built
from tests.support.example_site import copy_example

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]

playwright_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    if not shutil.which("chromium") and not shutil.os.path.exists(CHROMIUM):
        pytest.skip("chromium is not installed (scripts/test installs it as root)")
    site = copy_example(tmp_path_factory.mktemp("browser") / "site")
    (site / "data").mkdir(exist_ok=True)
    fans = [{"name": f"Fan {n}", "handle": f"@fan{n}@fans.example",
             "url": f"https://fans.example/users/fan{n}"} for n in range(3)]
    (site / "data/interactions.json").write_text(json.dumps({"sunset": {
        "likes": 3, "boosts": 1, "replies": [], "likers": fans, "boosters": fans[:1]}}))
    with serving_built(site) as url:
        yield url, tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield chromium
        chromium.close()


def _page(browser, width: int, scheme: str):
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  color_scheme=scheme)
    # nothing leaves 127.0.0.1: a request anywhere else would be a third-party request
    context.route(lambda url: not url.startswith("http://127.0.0.1"),
                  lambda route: route.abort())
    return context, context.new_page()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 390])
def test_theme_elements_exist_and_are_visible(served, browser, width, scheme):
    url, shots = served
    context, page = _page(browser, width, scheme)
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url)
            if not r.url.startswith(url) else None)
    try:
        page.goto(url + "/posts/sunset/")
        for selector in ("nav.site-nav a[href='/']", "nav.site-nav a[href='/tags/']",
                         "nav.site-nav a[href='/about/']", "#handle", "button.copy",
                         "form.interact[data-intent=follow] input[name=server]",
                         "form.interact[data-intent=reply] button", "h1.p-name",
                         "nav.post-nav a[rel=prev]", "nav.post-nav a[rel=next]",
                         ".facepile a.face", "p.counts"):
            assert page.locator(selector).first.is_visible(), (selector, width, scheme)
        assert page.locator("p.counts").inner_text().split() == ["3", "likes", "·", "1", "boost"]
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert (background == "rgb(22, 23, 26)") == (scheme == "dark")
        box = page.locator("form.interact[data-intent=follow]").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1  # fits a phone
        page.screenshot(path=str(shots / f"post-{width}-{scheme}.png"), full_page=True)
        page.goto(url + "/tags/")
        assert page.locator("ul.tag-index a[href='/tags/photos/']").is_visible()
        page.goto(url + "/")
        assert page.locator("h1.p-name").is_visible()
    finally:
        context.close()
    assert outside == [], outside


def test_follow_form_sends_the_reader_to_their_own_server(served, browser):
    url, _ = served
    context, page = _page(browser, 1280, "light")
    try:
        page.goto(url + "/posts/sunset/")
        with page.expect_request(lambda r: "authorize_interaction" in r.url) as asked:
            page.fill("form.interact[data-intent=follow] input[name=server]", "social.example")
            page.click("form.interact[data-intent=follow] button")
        assert asked.value.url.startswith("https://social.example/authorize_interaction?uri=")
        assert f"uri={quote(url, safe='')}%2Fap%2Factor.json" in asked.value.url  # the actor
    finally:
        context.close()


def test_without_javascript_the_form_opens_the_instructions(served, browser):
    url, _ = served
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(url + "/posts/sunset/")
        assert not page.locator("button.copy").is_visible()  # needs JS: stays hidden
        page.fill("form.interact[data-intent=reply] input[name=server]", "social.example")
        page.click("form.interact[data-intent=reply] button")
        page.wait_for_url("**/interact/**")
        assert page.locator("h1").inner_text() == "Follow or reply from your own server"
        assert "search box" in page.locator(".interact-steps").inner_text()
    finally:
        context.close()


def test_a_reader_handle_uses_their_servers_fep_3b86_follow_intent(served, browser):
    """`you@server`: the script asks that server's WebFinger (and nothing else) for the
    FEP-3b86 Follow intent and goes where its template says."""
    url, _ = served
    context = browser.new_context()
    asked: list[str] = []

    def server(route):
        asked.append(route.request.url)
        if "/.well-known/webfinger" in route.request.url:
            route.fulfill(status=200, content_type="application/jrd+json",
                          headers={"Access-Control-Allow-Origin": "*"}, body=json.dumps({
                              "subject": "acct:bob@social.example", "links": [
                                  {"rel": "https://w3id.org/fep/3b86/Follow",
                                   "template": "https://social.example/intents/follow?object={object}"}]}))
        else:
            route.abort()

    context.route(lambda u: not u.startswith("http://127.0.0.1"), server)
    page = context.new_page()
    try:
        page.goto(url + "/")
        with page.expect_request(lambda r: "/intents/follow" in r.url) as went:
            page.fill("form.interact[data-intent=follow] input[name=server]", "@bob@social.example")
            page.click("form.interact[data-intent=follow] button")
        assert went.value.url == ("https://social.example/intents/follow?object="
                                  + quote(f"{url}/ap/actor.json", safe=""))
    finally:
        context.close()
    assert asked[0].split("?")[0] == "https://social.example/.well-known/webfinger"
    assert all(a.startswith("https://social.example/") for a in asked)  # the reader's only
