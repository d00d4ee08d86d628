"""What every blog theme has: navigation, an about page from content/about.md, a tags index,
previous/next links between posts, plurals that read right."""

from __future__ import annotations

import re

from sitegen.cli import run_build
from sitegen.theme import counted


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', html)


def test_every_page_has_navigation_to_home_tags_about_and_feed(built):
    for page in ("index.html", "posts/sunset/index.html", "tags/index.html", "about/index.html"):
        nav = re.search(r'<nav class="site-nav".*?</nav>', built.text(page), re.S).group(0)
        assert {"/", "/tags/", "/about/"} <= set(hrefs(nav)), page


def test_about_page_comes_from_content_about_md(built):
    about = built.text("about/index.html")
    assert "<h1 class=\"p-name\">About Alice</h1>" in about
    assert "a folder of\nMarkdown files" in about or "a folder of Markdown files" in about


def test_no_about_md_means_no_about_page_and_no_link(site):
    (site / "content" / "about.md").unlink()
    run_build(site, quiet=True)
    assert not (site / "_site/about/index.html").exists()
    assert "/about/" not in (site / "_site/index.html").read_text()


def test_removing_about_md_later_removes_the_page_and_every_link(site):
    run_build(site, quiet=True)
    (site / "content" / "about.md").unlink()
    run_build(site, quiet=True)
    assert not (site / "_site/about/index.html").exists()
    assert 'href="/about/"' not in (site / "_site/posts/sunset/index.html").read_text()


def test_tags_index_lists_every_tag_with_its_count(built):
    tags = built.text("tags/index.html")
    assert 'href="/tags/photos/"' in tags and "1 post<" in tags
    assert 'href="/tags/meta/"' in tags


def test_previous_and_next_link_straight_to_the_neighbouring_posts(built):
    post = built.text("posts/election-thoughts/index.html")  # 4 May: between 3 May and 5 May
    nav = re.search(r'<nav class="post-nav".*?</nav>', post, re.S).group(0)
    assert re.search(r'<a rel="prev" href="/posts/thanks-bob/"', nav)
    assert re.search(r'<a rel="next" href="/posts/sunset/"[^>]*>[^<]*Sunset over the harbour', nav)
    newest = built.text("posts/building-fast/index.html")
    assert 'rel="next"' not in newest and 'rel="prev"' in newest
    assert not list(built.out.glob("posts/*/older.html"))  # no page in between
    assert not list(built.out.glob("posts/*/newer.html"))


def test_a_new_post_moves_the_neighbour_links_and_rerenders_only_its_neighbour(site):
    from sitegen.build import build_site

    build_site(site, site / "_site", version="t")
    (site / "content/posts/later.md").write_text(
        '+++\ntitle = "Later"\ndate = 2024-05-10T10:00:00Z\n+++\nNewest now.\n')
    report = build_site(site, site / "_site", version="t")
    assert report.rendered == 2  # the new post and the one it now follows
    page = (site / "_site/posts/building-fast/index.html").read_text()
    assert re.search(r'<a rel="next" href="/posts/later/"[^>]*>[^<]*Later', page)
    (site / "content/posts/later.md").write_text(
        '+++\ntitle = "Later still"\ndate = 2024-05-10T10:00:00Z\n+++\nNewest now.\n')
    report = build_site(site, site / "_site", version="t")
    assert report.rendered == 2  # it shows its neighbour's title
    assert "Later still" in (site / "_site/posts/building-fast/index.html").read_text()
    (site / "content/posts/later.md").unlink()
    report = build_site(site, site / "_site", version="t")
    assert report.rendered == 1
    assert 'rel="next"' not in (site / "_site/posts/building-fast/index.html").read_text()


def test_counts_read_right():
    assert counted(1, "like") == "1 like" and counted(2, "like") == "2 likes"
    assert counted(0, "boost") == "0 boosts"
    assert counted(1, "reply", "replies") == "1 reply"
    assert counted(3, "reply", "replies") == "3 replies"
