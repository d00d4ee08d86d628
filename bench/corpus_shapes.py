"""A second synthetic blog with other post shapes, written the same three ways.

    python bench/corpus_shapes.py N OUT

``bench/corpus.py`` writes prose-heavy posts (one short code block, two short lists, 1-4 tags
from 200). These posts weigh on other parts of a generator: 2-4 longer code blocks (in
languages whose text is full of ``<``, ``>``, ``&`` and quotes, so escaping matters), a long
list with nested items, 5-12 tags from a pool of 1,500 (so ~1,500 tag pages and many more
tag links), 3-6 images from 24 files with alt text and some with titles, inline code, a
blockquote. Deterministic like the first corpus, and written through its `write_corpus`, so
the three sites, configurations and templates are the same; only the posts differ.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import corpus  # noqa: E402
from bench.corpus import FILLER, WORDS, SyntheticPost  # noqa: E402

SEED = 20261206
TAG_POOL = 1500
IMAGES = [f"shot-{n:02d}.png" for n in range(24)]
SNIPPETS = {
    "c": ["if (a < b && b > 0) {{ return {w}[i] & 0x{n:02x}; }}",
          'printf("%s <%d>\\n", "{w}", {n});', "struct {w} *p = &items[{n}];"],
    "html": ['<a href="/{w}/{n}?x=1&amp;y=2" title="{w}">{w}</a>',
             '<img src="{w}.png" alt="&quot;{w}&quot;">', "<p class='{w}'>{n} &lt; {n}1</p>"],
    "python": ["def {w}_{n}(items: list[int]) -> dict[str, int]:",
               '    return {{"{w}": sum(x for x in items if x > {n})}}',
               "    # {w} <-> {w}: a & b"],
    "sql": ["SELECT {w}, count(*) FROM t WHERE n > {n} AND s <> '{w}' GROUP BY 1;",
            "UPDATE {w} SET n = n + {n} WHERE id IN (SELECT id FROM x);"],
    "shell": ["for f in *.{w}; do grep -c '{w}' \"$f\" > /tmp/{n}.out 2>&1; done",
              "[ -n \"${w}\" ] && echo \"{w} <{n}>\" | tee -a log"],
}


def tag_pool() -> list[str]:
    """1,500 distinct lower-case tag names."""
    rng = random.Random(SEED)
    names: set[str] = set()
    ordered: list[str] = []
    while len(ordered) < TAG_POOL:
        name = rng.choice(WORDS) + rng.choice(WORDS) + str(rng.randint(0, 9))
        if name not in names:
            names.add(name)
            ordered.append(name)
    return ordered


def _sentence(rng: random.Random, words: int) -> str:
    picked = [rng.choice(WORDS) if rng.random() < 0.6 else rng.choice(FILLER)
              for _ in range(words)]
    if rng.random() < 0.3:
        picked[rng.randrange(len(picked))] = f"`{rng.choice(WORDS)}()`"
    return " ".join(picked).capitalize() + "."


def _paragraph(rng: random.Random, words: int) -> str:
    return corpus._paragraph(rng, words, sentence=_sentence)


def _code_block(rng: random.Random) -> str:
    lang = rng.choice(sorted(SNIPPETS))
    lines = [rng.choice(SNIPPETS[lang]).format(w=rng.choice(WORDS), n=rng.randint(1, 99))
             for _ in range(rng.randint(12, 30))]
    return f"```{lang}\n" + "\n".join(lines) + "\n```"


def _long_list(rng: random.Random) -> str:
    items = []
    for n in range(rng.randint(25, 45)):
        items.append(f"- {_sentence(rng, rng.randint(4, 10))}")
        if n % 7 == 3:
            items += [f"  - {_sentence(rng, rng.randint(3, 6))}" for _ in range(3)]
    return "\n".join(items)


def _image(rng: random.Random) -> str:
    name = rng.choice(IMAGES)
    alt = f"A {rng.choice(WORDS)} by the {rng.choice(WORDS)}"
    title = f' "{rng.choice(WORDS).capitalize()} at dusk"' if rng.random() < 0.4 else ""
    return f"![{alt}](/images/{name}{title})"


def make_post(index: int, tags: list[str]) -> SyntheticPost:
    """Post number ``index`` (0-based): code, a long list, images, many tags."""
    rng = random.Random(SEED * 37 + index)
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 7))).capitalize()
    chosen = tuple(sorted(rng.sample(tags, rng.randint(5, 12))))
    parts = [_paragraph(rng, 60), _image(rng)]
    for _ in range(rng.randint(2, 4)):
        parts += [f"## {rng.choice(WORDS).capitalize()} {rng.choice(WORDS)}",
                  _paragraph(rng, rng.randint(30, 70)), _code_block(rng)]
    parts += [_long_list(rng), _image(rng),
              "> " + _paragraph(rng, 40) + f" ({rng.choice(WORDS)})",
              " ".join(_image(rng) for _ in range(rng.randint(1, 4))),
              _paragraph(rng, 50) + f" See [the {rng.choice(WORDS)} post]"
              f"(/posts/post-{rng.randrange(max(index, 1)):06d}/)."]
    date = corpus.FIRST_DATE + dt.timedelta(hours=6 * index, minutes=rng.randint(0, 59))
    return SyntheticPost(f"post-{index:06d}", title, date, chosen, "\n\n".join(parts) + "\n")


def write_corpus(count: int, out: Path, *, pelican_theme: bool = True) -> list[SyntheticPost]:
    """The three sites under ``out``, with these posts; the same API as `corpus.write_corpus`."""
    return corpus.write_corpus(count, out, pelican_theme=pelican_theme, make=make_post,
                               tags=tag_pool(),
                               images={name: corpus.PIXEL_PNG for name in IMAGES})


def main(argv: list[str] | None = None) -> int:
    return corpus.main(argv, write=write_corpus, description=__doc__.split("\n\n")[0])


if __name__ == "__main__":
    raise SystemExit(main())
