"""Markdown to HTML, with the fediverse's inline conventions.

`#hashtag` links to the tag page, `@user@domain` links to the person (their profile page when
`data/mentions.json` knows them, see `sitegen.mentions`), `:shortcode:` becomes a custom emoji.
They are found in text only (never in code or inside links). The reference engine is
markdown-it-py with one core rule added. When markdown-it-pyrs (a Rust port) is installed, a post
goes through it instead, about five times cheaper, and the same conventions are applied to the
text between its tags. Posts it would render differently keep the reference engine: raw HTML
(only the reference token stream knows which text came from Markdown) and a few constructs the
two parsers disagree on or the port panics on, each caught by a cheap, over-cautious check.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Mapping, NamedTuple

from sitegen.mentions import MentionTarget, handle_key

if TYPE_CHECKING:  # the reference engine is imported when first needed (~30 ms of start-up)
    from markdown_it import MarkdownIt
    from markdown_it.rules_core import StateCore
    from markdown_it.token import Token

try:  # optional: the fast engine; without it every post takes the reference path
    import markdown_it_pyrs as _pyrs
except ImportError:  # pragma: no cover - depends on the environment
    _pyrs = None

ENGINES = ("auto", "markdown-it-py", "markdown-it-pyrs")

_SOCIAL = re.compile(
    r"(?P<tag>(?<![\w/&#])#(?P<tagname>\w*[^\W\d_]\w*))"
    r"|(?P<mention>(?<![\w/@])@(?P<user>[A-Za-z0-9_][A-Za-z0-9_.-]*)"
    r"@(?P<domain>[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?:\.[A-Za-z]{2,}|:\d+)))"
    r"|(?P<emoji>:(?P<code>[A-Za-z0-9_]{2,64}):)"
)
_EMOJI_MARK = re.compile("\x00([A-Za-z0-9_]+)\x00")


@dataclass
class Found:
    """What the social rule saw while rendering one post."""

    tags: list[str] = field(default_factory=list)
    mentions: dict[str, str] = field(default_factory=dict)  # "@user@domain" -> actor id
    handles: list[str] = field(default_factory=list)  # every handle seen (domain lower-cased)
    emoji: list[str] = field(default_factory=list)
    excerpt: str = ""


@dataclass(frozen=True)
class Rendered:
    page_html: str  # for the HTML page: emoji as <img>
    ap_html: str  # for ActivityPub: emoji left as :shortcode: with an Emoji tag
    found: Found


class Markup:
    """A configured Markdown renderer; build once per process, reuse for every post."""

    def __init__(self, *, tag_url: Callable[[str], str], emoji_urls: dict[str, str],
                 engine: str = "auto", mentions: Mapping[str, MentionTarget] | None = None
                 ) -> None:
        """`engine` is for tests and comparisons: "auto" uses the fast engine when installed.
        `mentions`: resolved handles (lower-cased "@user@domain" -> target); only those become
        `Mention` tags and cc, the others link to the guessed profile URL."""
        if engine not in ENGINES:
            raise ValueError(f"unknown Markdown engine {engine!r}; one of {', '.join(ENGINES)}")
        if engine == "markdown-it-pyrs" and _pyrs is None:
            raise ValueError("markdown-it-pyrs is not installed")
        self._tag_url = tag_url
        self._emoji_urls = emoji_urls
        self._mentions = mentions or {}
        self._reference: MarkdownIt | None = None
        self._fast = None
        if engine != "markdown-it-py" and _pyrs is not None:
            self._fast = _pyrs.MarkdownIt("commonmark")
            self._fast.enable_many(["table", "strikethrough"])
            # the same without raw HTML: equal HTML from both says there is none
            self._fast_no_html = _pyrs.MarkdownIt("zero")
            self._fast_no_html.enable_many(_NO_HTML_RULES)

    @property
    def _md(self) -> MarkdownIt:
        """The reference engine, made on first use (most posts never need it)."""
        if self._reference is None:
            from markdown_it import MarkdownIt

            md = MarkdownIt("commonmark", {"html": True, "typographer": False})
            md.enable(["table", "strikethrough"])
            md.core.ruler.push("fediverse_social", self._social_rule)
            self._reference = md
        return self._reference

    @property
    def engine(self) -> str:
        """Which engine renders posts without raw HTML."""
        return "markdown-it-pyrs" if self._fast is not None else "markdown-it-py"

    def render(self, text: str) -> Rendered:
        found = Found()
        body = self._render_fast(text, found) if self._fast is not None else None
        if body is None:
            found = Found()
            body = self._md.render(text, {"found": found})
        page = _EMOJI_MARK.sub(self._emoji_img, body)
        ap = _EMOJI_MARK.sub(lambda m: f":{m.group(1)}:", body)
        return Rendered(page, ap, found)

    def _render_fast(self, text: str, found: Found) -> str | None:
        """The fast engine's HTML with the conventions applied; None sends the post to the
        reference engine (raw HTML, or input where the fast engine is known to differ)."""
        if "`" in text and _awkward_code_span(text):
            # markdown-it-pyrs 0.4.0 panics on "[a `b" (an unclosed span after a bracket),
            # trims a code span running over lines or made of spaces differently.
            return None
        lines = "\n" + text
        if _EMPTY_ITEM.search(lines) or "<!" in text or "<?" in text:
            return None  # see _EMPTY_ITEM; declarations only the reference engine sees as HTML
        if ("|" in text and _TABLE_RULE.search(lines)
                or "~" in text and _TILDE_BY_EMPHASIS.search(text)):
            return None  # table starts and flanking next to "~" are decided differently
        inspect = "<" in text or "|" in text or not text.endswith("\n")
        try:
            body = self._fast.render(text)
            if inspect and text.endswith("\n") and "<table" not in body \
                    and self._fast_no_html.render(text) == body:
                inspect = False  # no raw HTML, no table: no tree needed (a second render is
                # ~half the cost of one; a `<` or `|` in code is common in posts about code)
            excerpt = None if inspect or "&#" in text else _excerpt_from_html(body)
            tree = self._fast.tree(text) if excerpt is None else None
        except BaseException as exc:  # any other Rust panic arrives as pyo3's PanicException
            if not isinstance(exc, Exception) and type(exc).__name__ != "PanicException":
                raise
            return None
        if inspect:
            # Raw HTML needs the reference token stream; an unclosed fence at the very end of
            # text without a final newline keeps one more "\n" in the fast engine; the two
            # engines end tables differently (lazy lines in quotes, a following list item).
            names = {node.name for node in tree.walk()}
            if "html_block" in names or "html_inline" in names or "table" in names:
                return None
            if "fence" in names and not text.endswith("\n"):
                return None
        found.excerpt = excerpt if excerpt is not None else _first_paragraph(tree)
        if not _might_match(body):
            return body
        # Text, then a tag or a whole link or code span, then text...: without raw HTML every <
        # starts a tag, links never nest and code holds no tags, so the odd parts are skipped.
        parts = _TAG_OR_SKIPPED.split(body)
        for index in range(0, len(parts), 2):
            part = parts[index]
            if part and _might_match(part):
                parts[index] = self._link_text(part, found)
        return "".join(parts)

    def _link_text(self, escaped: str, found: Found) -> str:
        """Apply the conventions to one run of escaped text, as the core rule does to a token."""
        out = []
        for piece in self._split(_unescape(escaped), found):
            out.append(piece.content if piece.type == "html_inline" else _escape(piece.content))
        return "".join(out)

    def _emoji_img(self, match: re.Match) -> str:
        code = match.group(1)
        url = html.escape(self._emoji_urls[code])
        return (f'<img class="emoji" src="{url}" alt=":{code}:" title=":{code}:" '
                f'width="20" height="20">')

    def _social_rule(self, state: StateCore) -> None:
        found: Found = state.env["found"]
        previous = None
        for token in state.tokens:
            if token.type != "inline" or not token.children:
                previous = token
                continue
            if not found.excerpt and previous is not None and previous.type == "paragraph_open":
                found.excerpt = _plain_text(token.children)
            previous = token
            token.children = self._rewrite(token.children, found)

    def _rewrite(self, children: list[Token], found: Found) -> list[Token]:
        result: list[Token] = []
        link_depth = 0
        for child in children:
            if child.type == "link_open":
                link_depth += 1
            elif child.type == "link_close":
                link_depth -= 1
            if child.type != "text" or link_depth or not _might_match(child.content):
                result.append(child)
                continue
            result.extend(_token(piece) for piece in self._split(child.content, found))
        return result

    def _split(self, text: str, found: Found) -> list[Piece]:
        pieces: list[Piece] = []
        position = 0
        for match in _SOCIAL.finditer(text):
            replacement = self._replacement(match, found)
            if replacement is None:
                continue
            if match.start() > position:
                pieces.append(_text(text[position:match.start()]))
            pieces.append(_html(replacement))
            position = match.end()
        if position < len(text):
            pieces.append(_text(text[position:]))
        return pieces

    def _replacement(self, match: re.Match, found: Found) -> str | None:
        if match.group("tag"):
            name = match.group("tagname")
            key = name.lower()
            if key not in found.tags:
                found.tags.append(key)
            href = html.escape(self._tag_url(key))
            return (f'<a href="{href}" class="mention hashtag" rel="tag">'
                    f"#<span>{html.escape(name)}</span></a>")
        if match.group("mention"):
            user, domain = match.group("user").rstrip(".-"), match.group("domain").lower()
            handle = f"@{user}@{domain}"
            key = handle_key(handle)
            if all(handle_key(seen) != key for seen in found.handles):
                found.handles.append(handle)  # as written: WebFinger is asked for this spelling
            target = self._mentions.get(key)
            if target is not None:
                href = target.url
                if target.id not in found.mentions.values():
                    found.mentions[handle] = target.id
            else:
                href = f"https://{domain}/@{user}"
            return (f'<span class="h-card"><a href="{html.escape(href)}" class="u-url mention">'
                    f"@<span>{html.escape(user)}</span></a></span>")
        code = match.group("code")
        if code not in self._emoji_urls:
            return None
        if code not in found.emoji:
            found.emoji.append(code)
        return f"\x00{code}\x00"


_TAG_OR_SKIPPED = re.compile(r"(<a[\s>].*?</a>|<code[\s>].*?</code>|<[^>]*>)", re.DOTALL)
_PARAGRAPH_OR_ITEM = re.compile(r"<p>(.*?)</p>|<li>", re.DOTALL)
_ANY_TAG = re.compile(r"<[^>]*>")
_BACKTICKS = re.compile(r"`+")
_ESCAPED = re.compile(r"\\.")
_BLANK_CODE_SPAN = re.compile(r"(?<!`)(`+)[ \t]+\1(?!`)")
# Patterns over "\n" + text that start with a literal newline, so the scan is fast.
# A delimiter row with a "|", or one of dashes alone under a line with a "|" (a one-column
# table for markdown-it-py, a setext heading for markdown-it-pyrs).
_TABLE_RULE = re.compile(r"\n(?=[^\n]*\|)(?=[^\n]*-)[ \t>|:-]+(?=\n|$)"
                         r"|\|[^\n]*\n[ \t>:]*-[ \t>:-]*(?=\n|$)")
_NO_HTML_RULES = [  # the "commonmark" preset and the two extensions, raw HTML left out
    "blockquote", "code", "fence", "heading", "hr", "lheading", "list", "paragraph", "reference",
    "autolink", "backticks", "emphasis", "entity", "escape", "image", "link", "newline",
    "table", "strikethrough"]
_TILDE_BY_EMPHASIS = re.compile(r"[*_]\S{0,2}~|~\S{0,2}[*_]")
_FENCE_LINE = re.compile(r"[ \t>]*(?:(?:[-+*]|\d+[.)])[ \t]+)?(?:```|~~~)")
# A list marker alone on a line: markdown-it-py lets an empty item end a paragraph or table,
# markdown-it-pyrs continues the paragraph (as CommonMark says) or the table.
_EMPTY_ITEM = re.compile(r"\n[ \t>]*(?:[-+*]|\d{1,9}[.)])[ \t]*(?=\n|$)")
_BLOCK_NODES = frozenset({
    "root", "paragraph", "heading", "lheading", "blockquote", "bullet_list", "ordered_list",
    "list_item", "code_block", "fence", "hr", "html_block", "table", "thead", "tbody", "trow",
    "tcell",
})
_CONTAINERS = frozenset({"root", "blockquote", "bullet_list", "ordered_list", "list_item"})


def _escape(text: str) -> str:
    """The escaping both engines apply to text (and only these four characters)."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text or ">" in text or '"' in text:
        text = text.replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    return text


def _unescape(text: str) -> str:
    if "&" not in text:
        return text
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&amp;", "&"))


def _awkward_code_span(text: str) -> bool:
    """Whether a line (fence lines aside) holds an odd number of backtick runs of one length,
    or a code span of blanks: cheap, deliberately over-cautious signs of an unclosed span or
    one running over lines, which the engines trim differently (or the fast one panics on)."""
    for line in text.split("\n"):
        if "`" not in line or _FENCE_LINE.match(line):
            continue
        if "\\" not in line and "``" not in line:  # single backticks, none escaped: count them
            if line.count("`") % 2 or _BLANK_CODE_SPAN.search(line):
                return True
            continue
        line = _ESCAPED.sub("", line)
        counts: dict[int, int] = {}
        for run in _BACKTICKS.findall(line):
            counts[len(run)] = counts.get(len(run), 0) + 1
        if any(count % 2 for count in counts.values()) or _BLANK_CODE_SPAN.search(line):
            return True
    return False


def _excerpt_from_html(body: str) -> str | None:
    """The first non-empty paragraph's text read off the HTML, or None when a list item comes
    first (a tight item is a paragraph without <p>, so only the tree can say)."""
    for match in _PARAGRAPH_OR_ITEM.finditer(body):
        if match.group(1) is None:
            return None
        text = _unescape(_ANY_TAG.sub("", match.group(1))).replace("\n", " ").strip()
        if text:
            return text
    return ""


def _first_paragraph(node) -> str:
    """The plain text of the first non-empty paragraph, tight list items included."""
    run: list = []
    for child in node.children:
        if child.name not in _BLOCK_NODES:  # inline content of a tight list item
            run.append(child)
            continue
        if run:
            text = _plain(run).strip()
            if text:
                return text
            run = []
        if child.name == "paragraph":
            text = _plain(child.children).strip()
        elif child.name in _CONTAINERS:
            text = _first_paragraph(child)
        else:
            continue
        if text:
            return text
    return _plain(run).strip() if run else ""


def _plain(nodes) -> str:
    parts = []
    for node in nodes:
        name = node.name
        if name in ("text", "text_special"):
            parts.append(node.meta.get("content", ""))
        elif name in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif name not in ("image", "html_inline"):
            parts.append(_plain(node.children))
    return "".join(parts)


def _might_match(text: str) -> bool:
    return "#" in text or "@" in text or ":" in text


class Piece(NamedTuple):
    """A run of text or of HTML made by the conventions (a token, for the reference engine)."""

    type: str  # "text" or "html_inline"
    content: str


def _text(content: str) -> Piece:
    return Piece("text", content)


def _html(content: str) -> Piece:
    return Piece("html_inline", content)


def _token(piece: Piece) -> Token:
    from markdown_it.token import Token

    token = Token(piece.type, "", 0)
    token.content = piece.content
    return token


def _plain_text(children: list[Token]) -> str:
    parts = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts).strip()


def shorten(text: str, limit: int = 280) -> str:
    """Cut plain text at a word boundary, for listings and article summaries."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",.;:") + "…"
