"""The synthetic corpus: deterministic, the same posts for all three generators."""

from __future__ import annotations

from pathlib import Path

from bench import corpus


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.md"))}


def test_same_count_gives_byte_identical_posts(tmp_path):
    corpus.write_corpus(4, tmp_path / "a", pelican_theme=False)
    corpus.write_corpus(4, tmp_path / "b", pelican_theme=False)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert len(_files(tmp_path / "a")) == 12


def test_fedipress_and_hugo_get_the_same_file_and_pelican_the_same_body(tmp_path):
    posts = corpus.write_corpus(3, tmp_path, pelican_theme=False)
    for post in posts:
        name = f"content/posts/{post.slug}.md"
        fp = (tmp_path / "fedipress" / name).read_text()
        assert fp == (tmp_path / "hugo" / name).read_text()
        pelican = (tmp_path / "pelican" / name).read_text()
        assert fp.endswith(post.body) and pelican.endswith(post.body)
        assert f"Slug: {post.slug}" in pelican


def test_posts_have_the_promised_shape():
    pool = corpus.tag_pool()
    assert len(set(pool)) == corpus.TAG_POOL
    for index in range(20):
        post = corpus.make_post(index, pool)
        assert 500 <= len(post.body.split()) <= 700
        assert 1 <= len(post.tags) <= 4 and set(post.tags) <= set(pool)
        assert "\n## " in post.body and "\n### " in post.body and "\n- " in post.body
        assert "```" in post.body and "](/images/photo.png)" in post.body
        assert "](https://" in post.body


def test_fedipress_builds_the_corpus(tmp_path):
    from sitegen.build import build_site

    corpus.write_corpus(3, tmp_path, pelican_theme=False)
    report = build_site(tmp_path / "fedipress", tmp_path / "out", version="test", jobs=1)
    assert report.posts == 3
    assert (tmp_path / "out" / "posts" / "post-000001" / "index.html").is_file()


def test_shapes_corpus_is_deterministic_and_has_its_promised_shapes(tmp_path):
    from bench import corpus_shapes

    posts = corpus_shapes.write_corpus(4, tmp_path / "a", pelican_theme=False)
    corpus_shapes.write_corpus(4, tmp_path / "b", pelican_theme=False)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    pool = corpus_shapes.tag_pool()
    assert len(set(pool)) == corpus_shapes.TAG_POOL
    for index in range(20):
        post = corpus_shapes.make_post(index, pool)
        assert 5 <= len(post.tags) <= 12 and set(post.tags) <= set(pool)
        assert post.body.count("```") >= 4  # two code blocks at least
        assert post.body.count("\n- ") >= 25 and "\n  - " in post.body  # a long, nested list
        assert post.body.count("](/images/shot-") >= 3
    for post in posts:  # every image a post shows is in every site's static files
        for name in corpus_shapes.IMAGES:
            if f"/images/{name}" in post.body:
                assert (tmp_path / "a" / "fedipress" / "static" / "images" / name).is_file()
                assert (tmp_path / "a" / "hugo" / "static" / "images" / name).is_file()


def test_fedipress_builds_the_shapes_corpus(tmp_path):
    from bench import corpus_shapes
    from sitegen.build import build_site

    corpus_shapes.write_corpus(3, tmp_path, pelican_theme=False)
    report = build_site(tmp_path / "fedipress", tmp_path / "out", version="test", jobs=1)
    assert report.posts == 3
    page = (tmp_path / "out" / "posts" / "post-000001" / "index.html").read_text()
    assert 'src="/images/shot-' in page and "<code class=\"language-" in page
