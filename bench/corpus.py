"""A deterministic synthetic blog, written three ways: Fedipress, Hugo and Pelican.

    python bench/corpus.py N OUT

makes ``OUT/fedipress``, ``OUT/hugo`` and ``OUT/pelican`` holding the same N posts (~600 words,
headings, lists, links, a code block, an image reference, 1-4 tags from a pool of 200). The same
N always gives byte-identical posts, so every generator and every run sees the same work.
Each site also gets a post template of its own, so the benchmark can edit one template.
Like for like: no generator highlights code (Hugo's Chroma and Pelican's codehilite are off,
Fedipress has none), and Hugo's index paginates all pages without a `where` filter (a filter
there is re-run for every pager page: 4 s of template time at 3,000 posts).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import random
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

SEED = 20260101
TAG_POOL = 200
FIRST_DATE = dt.datetime(2012, 1, 1, 8, 0, tzinfo=dt.timezone.utc)
POST_TEMPLATE = "post.html"  # the Fedipress template the benchmark edits
# A 1x1 transparent PNG: the image every post references.
PIXEL_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")

WORDS = """time river garden build static server thread kernel window paper light market
system silver orange quiet little bright simple honest careful stone winter summer coffee
bicycle harbor signal letter number pattern reason market forest engine bridge lantern
record morning evening story moment street corner cloud music friend table kitchen
station journey planet memory pocket ladder mirror rocket candle basket meadow canyon
valley island copper marble velvet thunder shadow feather needle compass anchor saddle
fabric button pencil rubber marker folder screen keyboard cable socket router packet
branch commit merge rebase cache index vector matrix tensor socket parser lexer token
syntax module package import export format render template layout theme style colour""".split()
FILLER = "the a of and to in is it that for on with as at by from this we you".split()
LANGS = ["python", "rust", "go", "javascript", "bash"]


@dataclass(frozen=True)
class SyntheticPost:
    slug: str
    title: str
    date: dt.datetime
    tags: tuple[str, ...]
    body: str  # Markdown, the same for every generator


def tag_pool() -> list[str]:
    """200 distinct lower-case tag names (letters and digits only, valid everywhere)."""
    rng = random.Random(SEED)
    names: list[str] = []
    while len(names) < TAG_POOL:
        name = rng.choice(WORDS) + rng.choice(WORDS)
        if name not in names:
            names.append(name)
    return names


def _sentence(rng: random.Random, words: int) -> str:
    picked = [rng.choice(WORDS) if rng.random() < 0.6 else rng.choice(FILLER)
              for _ in range(words)]
    return " ".join(picked).capitalize() + "."


def _paragraph(rng: random.Random, words: int, sentence=_sentence) -> str:
    sentences, left = [], words
    while left > 0:
        size = min(left, rng.randint(8, 16))
        sentences.append(sentence(rng, size))
        left -= size
    return " ".join(sentences)


def _code_block(rng: random.Random) -> str:
    lang = rng.choice(LANGS)
    name = rng.choice(WORDS)
    lines = [f"def {name}_{i}(value):" if lang == "python" else f"// step {i}: {name}"
             for i in range(3)]
    lines += [f"    return value * {rng.randint(2, 99)}  # {rng.choice(WORDS)}"] * (lang == "python")
    return f"```{lang}\n" + "\n".join(lines) + "\n```"


def make_post(index: int, tags: list[str]) -> SyntheticPost:
    """Post number ``index`` (0-based); ~600 words of body."""
    rng = random.Random(SEED * 31 + index)
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 6))).capitalize()
    slug = f"post-{index:06d}"
    chosen = tuple(sorted(rng.sample(tags, rng.randint(1, 4))))
    other = f"post-{rng.randrange(max(index, 1)):06d}"
    link = f"https://example.org/{rng.choice(WORDS)}/{rng.randint(1, 9999)}"
    intro = _paragraph(rng, 70)
    intro = intro.replace(".", f", see [{rng.choice(WORDS)}]({link}).", 1)
    parts = [
        intro,
        f"## {rng.choice(WORDS).capitalize()} and {rng.choice(WORDS)}",
        _paragraph(rng, 110) + " **" + rng.choice(WORDS) + "** matters, and *"
        + rng.choice(WORDS) + "* too.",
        "\n".join(f"- {_sentence(rng, rng.randint(5, 9))}" for _ in range(5)),
        _paragraph(rng, 100),
        _code_block(rng),
        f"![A {rng.choice(WORDS)} {rng.choice(WORDS)}](/images/photo.png)",
        f"### {rng.choice(WORDS).capitalize()} notes",
        _paragraph(rng, 110),
        "\n".join(f"{n}. {_sentence(rng, rng.randint(5, 9))}" for n in range(1, 5)),
        _paragraph(rng, 90) + f" More in [an older post](/posts/{other}/) and "
        + f"[elsewhere](https://example.net/{rng.choice(WORDS)}).",
    ]
    date = FIRST_DATE + dt.timedelta(hours=6 * index, minutes=rng.randint(0, 59))
    return SyntheticPost(slug, title, date, chosen, "\n\n".join(parts) + "\n")


def _toml_front(post: SyntheticPost) -> str:
    tags = ", ".join(f'"{t}"' for t in post.tags)
    return (f'+++\ntitle = "{post.title}"\ndate = {post.date:%Y-%m-%dT%H:%M:%SZ}\n'
            f"tags = [{tags}]\n+++\n\n")


def _pelican_front(post: SyntheticPost) -> str:
    return (f"Title: {post.title}\nDate: {post.date:%Y-%m-%d %H:%M}\n"
            f"Tags: {', '.join(post.tags)}\nSlug: {post.slug}\nCategory: posts\n\n")


# A public base_url: `fedipress serve --watch` then keeps it (a local one is swapped for the
# served address, which would make the watcher's first build a full one).
FEDIPRESS_CONFIG = """base_url = "https://blog.example"
username = "bench"
display_name = "Bench Blog"
title = "A synthetic blog"
inbox_url = "https://inbox.blog.example"
posts_per_page = 10
feed_size = 20
"""

HUGO_CONFIG = """baseURL = "http://127.0.0.1:8000/"
title = "A synthetic blog"
theme = "minimal"
disableKinds = ["sitemap", "robotsTXT"]
[pagination]
pagerSize = 10
[outputs]
home = ["HTML", "RSS"]
section = ["HTML"]
taxonomy = ["HTML"]
term = ["HTML"]
[taxonomies]
tag = "tags"
[markup.goldmark.renderer]
unsafe = false
[markup.highlight]
codeFences = false
"""
# Hugo 0.111 reads `paginate`; newer ones `pagination.pagerSize`. Both are harmless.
HUGO_CONFIG = HUGO_CONFIG.replace("[pagination]\npagerSize = 10\n", "paginate = 10\n")

HUGO_LAYOUTS = {
    "_default/baseof.html": """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} — {{ .Site.Title }}</title>
<link rel="alternate" type="application/atom+xml" href="/index.xml"></head>
<body><header><a href="/">{{ .Site.Title }}</a></header>
<main>{{ block "main" . }}{{ end }}</main></body></html>
""",
    "_default/single.html": """{{ define "main" }}<article class="post h-entry">
<h1 class="p-name">{{ .Title }}</h1>
<p class="meta"><time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">{{ .Date.Format "2 January 2006" }}</time></p>
<div class="e-content">{{ .Content }}</div>
<ul class="tags">{{ range .Params.tags }}<li><a href="/tags/{{ . | urlize }}/">#{{ . }}</a></li>{{ end }}</ul>
</article>{{ end }}
""",
    "_default/list.html": """{{ define "main" }}<h1>{{ .Title }}</h1>
{{ range .Pages }}<article><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>
<p>{{ .Summary }}</p></article>{{ end }}{{ end }}
""",
    "_default/terms.html": """{{ define "main" }}<h1>{{ .Title }}</h1><ul>
{{ range .Data.Terms.Alphabetical }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.Title }}</a> ({{ .Count }})</li>{{ end }}
</ul>{{ end }}
""",
    "index.html": """{{ define "main" }}{{ $paginator := .Paginate .Site.RegularPages }}
{{ range $paginator.Pages }}<article><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>
<p>{{ .Summary }}</p></article>{{ end }}
{{ if $paginator.HasNext }}<a href="{{ $paginator.Next.URL }}">Older</a>{{ end }}{{ end }}
""",
}

PELICAN_CONFIG = """AUTHOR = "Bench"
SITENAME = "A synthetic blog"
SITEURL = ""
PATH = "content"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
DEFAULT_PAGINATION = 10
PAGINATED_TEMPLATES = {"index": None, "tag": False, "category": False, "author": False}
ARTICLE_URL = "posts/{slug}/"
ARTICLE_SAVE_AS = "posts/{slug}/index.html"
TAG_URL = "tags/{slug}/"
TAG_SAVE_AS = "tags/{slug}/index.html"
STATIC_PATHS = ["images"]
FEED_ALL_ATOM = "feed.xml"
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
LOAD_CONTENT_CACHE = False
DELETE_OUTPUT_DIRECTORY = False
THEME = "theme"
MARKDOWN = {"extension_configs": {"markdown.extensions.extra": {}, "markdown.extensions.meta": {}},
            "output_format": "html5"}
"""


def _pelican_theme(site: Path) -> None:
    """Pelican's built-in theme, copied so one template can be edited like the others."""
    import pelican

    shutil.copytree(Path(pelican.__file__).parent / "themes" / "notmyidea", site / "theme",
                    dirs_exist_ok=True)


def _fedipress_template(site: Path) -> None:
    """The package's post template as a site override (the file the benchmark edits)."""
    from sitegen.theme import TEMPLATES_DIR

    (site / "templates").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(TEMPLATES_DIR / POST_TEMPLATE, site / "templates" / POST_TEMPLATE)


def write_corpus(count: int, out: Path, *, pelican_theme: bool = True,
                 make=None, tags: list[str] | None = None,
                 images: dict[str, bytes] | None = None) -> list[SyntheticPost]:
    """Write the three sites under ``out`` (replacing what was there); returns the posts.

    ``make(index, tags)``, ``tags`` and ``images`` (name -> bytes under /images/) let another
    generator (``bench/corpus_shapes.py``) write posts of other shapes into the same sites."""
    make = make or make_post
    images = images or {"photo.png": PIXEL_PNG}
    if count < 1:
        raise ValueError("N must be at least 1")
    for name in ("fedipress", "hugo", "pelican"):
        shutil.rmtree(out / name, ignore_errors=True)
    fp, hugo, pel = out / "fedipress", out / "hugo", out / "pelican"
    fp_posts, hugo_posts, pel_posts = (fp / "content" / "posts", hugo / "content" / "posts",
                                       pel / "content" / "posts")
    for folder in (fp_posts, hugo_posts, pel_posts, fp / "static" / "images",
                   hugo / "static" / "images", pel / "content" / "images"):
        folder.mkdir(parents=True, exist_ok=True)
    for folder in (fp / "static" / "images", hugo / "static" / "images", pel / "content" / "images"):
        for name, data in images.items():
            (folder / name).write_bytes(data)
    (fp / "fedipress.toml").write_text(FEDIPRESS_CONFIG)
    (hugo / "config.toml").write_text(HUGO_CONFIG)
    for relative, text in HUGO_LAYOUTS.items():
        path = hugo / "themes" / "minimal" / "layouts" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (pel / "pelicanconf.py").write_text(PELICAN_CONFIG)
    _fedipress_template(fp)
    if pelican_theme:
        _pelican_theme(pel)
    tags = tags or tag_pool()
    posts = [make(i, tags) for i in range(count)]
    for post in posts:
        name = f"{post.slug}.md"
        front = _toml_front(post)
        (fp_posts / name).write_text(front + post.body)
        (hugo_posts / name).write_text(front + post.body)
        (pel_posts / name).write_text(_pelican_front(post) + post.body)
    return posts


def main(argv: list[str] | None = None, *, write=None, description: str | None = None) -> int:
    """The command line of this corpus, or of another with the same ``write_corpus`` API."""
    write = write or write_corpus
    parser = argparse.ArgumentParser(description=description or __doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of posts")
    parser.add_argument("out", type=Path, help="folder to write fedipress/, hugo/, pelican/ into")
    args = parser.parse_args(argv)
    if args.n < 1:
        print("error: N must be at least 1", file=sys.stderr)
        return 2
    try:
        posts = write(args.n, args.out)
    except ModuleNotFoundError as exc:
        print(f"error: {exc.name} is needed (pip install \"pelican[markdown]\")", file=sys.stderr)
        return 2
    words = sum(len(p.body.split()) for p in posts) // len(posts)
    tags = sum(len(p.tags) for p in posts) / len(posts)
    print(f"wrote {len(posts)} posts (~{words} words, {tags:.1f} tags each) to "
          f"{args.out}/{{fedipress,hugo,pelican}}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    raise SystemExit(main())
