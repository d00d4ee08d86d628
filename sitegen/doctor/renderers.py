"""``--post SLUG``: how Mastodon, GoToSocial, Misskey and Pleroma will show one post, as text.

Pure, from the post's federated document. The rules are the ones the presentation work read
from each server's code (docs/interop.md, "What readers see"; ``sitegen.presentation`` picks
the form), plus Pleroma's (``StatusView.render_content``: an object with a ``name`` shows it as
a linked first line above the whole ``content``; ``summary`` is its content warning):

- Mastodon: a ``Note`` shows ``content``, folded behind ``summary``; any other type (``Article``,
  ``Page``) shows only ``name`` as a heading, ``summary`` and the link, never ``content``, unfolded.
- GoToSocial: folds behind ``summary``, else behind ``name``; ``content`` inside.
- Misskey: folds behind ``summary``; shows ``content``; ignores ``name``.
- Pleroma: folds behind ``summary``; a linked ``name`` line, then ``content``.
"""

from __future__ import annotations

import html
from html.parser import HTMLParser
from typing import Any

RENDERERS = ("Mastodon", "GoToSocial", "Misskey", "Pleroma")
WIDTH = 76


class _Text(HTMLParser):
    """HTML as terminal text: paragraphs apart, links as ``text <url>``, headings marked."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.href: str | None = None
        self.link_text: list[str] = []
        self.links: list[str] = []
        self.plain_links: list[str] = []  # not a mention or hashtag: what a link card may use
        self.tagged = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("p", "div", "blockquote", "ul", "ol", "h1", "h2", "h3", "h4", "pre"):
            self.out.append("\n\n")
        if tag in ("h1", "h2", "h3", "h4"):
            self.out.append("## ")
        elif tag == "li":
            self.out.append("\n- ")
        elif tag == "br":
            self.out.append("\n")
        elif tag in ("strong", "b"):
            self.out.append("*")
        elif tag == "a":
            found = dict(attrs)
            self.href = found.get("href") or ""
            self.link_text = []
            marks = f"{found.get('class') or ''} {found.get('rel') or ''}".lower().split()
            self.tagged = bool({"mention", "hashtag", "tag", "u-url"} & set(marks))
        elif tag == "img":
            self.out.append(f"[image: {dict(attrs).get('alt') or 'no description'}]")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("strong", "b"):
            self.out.append("*")
        elif tag == "a" and self.href is not None:
            text = "".join(self.link_text).strip()
            if self.href and self.href != text:
                self.out.append(f" <{self.href}>")
            if self.href:
                self.links.append(self.href)
                if not self.tagged and not text.startswith(("@", "#")):
                    self.plain_links.append(self.href)
            self.href = None
        elif tag in ("p", "div", "blockquote", "h1", "h2", "h3", "h4", "pre"):
            self.out.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self.href is not None:
            self.link_text.append(data)
        self.out.append(data)


def card_links(fragment: str | None) -> list[str]:
    """Links a server may make a preview card of: not mentions, not hashtags."""
    parser = _Text()
    parser.feed(fragment or "")
    return parser.plain_links


def as_text(fragment: str | None) -> tuple[str, list[str]]:
    """(plain text, links) of an HTML fragment."""
    parser = _Text()
    parser.feed(fragment or "")
    parser.close()
    paragraphs = [" ".join(p.split()) for p in "".join(parser.out).split("\n\n")]
    lines = []
    for paragraph in paragraphs:
        if paragraph:
            lines.append("\n".join(" ".join(line.split()) for line in paragraph.split("\n")))
    return "\n\n".join(lines), parser.links


def _plain(value: Any) -> str:
    return as_text(value)[0] if isinstance(value, str) and "<" in value else \
        html.unescape(value) if isinstance(value, str) else ""


def _fold(label: str, inner: str) -> str:
    indented = "\n".join(f"  | {line}" if line else "  |" for line in inner.splitlines())
    return f"[folded: \"{label}\" — a click shows:]\n{indented}"


def _attachments(doc: dict[str, Any]) -> str:
    items = [a for a in doc.get("attachment") or [] if isinstance(a, dict)]
    if not items:
        return ""
    described = sum(1 for a in items if a.get("name"))
    return (f"\n[{len(items)} attachment{'s' if len(items) != 1 else ''}, {described} with a "
            "description]")


def view(renderer: str, doc: dict[str, Any]) -> str:
    """What ``renderer`` shows for the post ``doc`` (a Note, Article or Page)."""
    kind = doc.get("type")
    name = _plain(doc.get("name"))
    summary = _plain(doc.get("summary"))
    content, _ = as_text(doc.get("content"))
    url = doc.get("url") if isinstance(doc.get("url"), str) else doc.get("id", "")
    media = _attachments(doc)
    if renderer == "Mastodon":
        if kind != "Note":
            body = "\n\n".join(p for p in (f"## {name}" if name else "", summary, url) if p)
            return body + "\n[the post's text is not shown: Mastodon shows an " \
                f"{kind} as its title, summary and link]" + media
        plain_links = card_links(doc.get("content"))
        card = f"\n[link preview card for {plain_links[0]}]" if plain_links and not media else ""
        body = content + media + card
        return _fold(summary, body) if summary else body
    if renderer == "GoToSocial":
        body = content + media
        label = summary or name
        return _fold(label, body) if label else body
    if renderer == "Misskey":
        body = content + media
        return _fold(summary, body) if summary else body
    if renderer == "Pleroma":
        body = (f"{name} <{url}>\n\n" if name else "") + content + media
        return _fold(summary, body) if summary else body
    raise ValueError(f"unknown renderer {renderer!r}")


def views(doc: dict[str, Any]) -> dict[str, str]:
    return {renderer: view(renderer, doc) for renderer in RENDERERS}


def form_of(doc: dict[str, Any]) -> str:
    """The presentation form, in the words of docs/interop.md."""
    if doc.get("sensitive") or (doc.get("type") == "Note" and doc.get("summary")):
        return "a Note behind a content warning"
    if doc.get("type") == "Article":
        return "an Article (title, teaser as summary, the whole post as content)"
    _, links = as_text(doc.get("content"))
    if doc.get("url") in links:
        return "a Note teaser: title, teaser and a link to the whole post"
    return "a Note with the whole text"


def relative_links(doc: dict[str, Any]) -> list[str]:
    """Links and images in ``content`` that are not absolute (a remote server cannot follow them)."""
    _, links = as_text(doc.get("content"))
    return [link for link in links if not link.startswith(("https://", "http://", "mailto:"))]
