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


def test_previous_and_next_lead_to_the_neighbouring_posts(built):
    post = built.text("posts/election-thoughts/index.html")  # 4 May: between 3 May and 5 May
    assert 'href="/posts/election-thoughts/older.html"' in post
    assert 'href="/posts/election-thoughts/newer.html"' in post
    older = built.text("posts/election-thoughts/older.html")
    newer = built.text("posts/election-thoughts/newer.html")
    assert 'url=/posts/thanks-bob/' in older and 'href="/posts/thanks-bob/"' in older
    assert 'url=/posts/sunset/' in newer and "Sunset over the harbour" in newer
    newest = built.text("posts/building-fast/newer.html")
    assert "There is no newer post" in newest and "refresh" not in newest


def test_a_new_post_moves_the_neighbour_links(site):
    run_build(site, quiet=True)
    (site / "content/posts/later.md").write_text(
        '+++\ntitle = "Later"\ndate = 2024-05-10T10:00:00Z\n+++\nNewest now.\n')
    run_build(site, quiet=True)
    newer = (site / "_site/posts/building-fast/newer.html").read_text()
    assert 'href="/posts/later/"' in newer


def test_counts_read_right():
    assert counted(1, "like") == "1 like" and counted(2, "like") == "2 likes"
    assert counted(0, "boost") == "0 boosts"
    assert counted(1, "reply", "replies") == "1 reply"
    assert counted(3, "reply", "replies") == "3 replies"
