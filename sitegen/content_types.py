"""Which content type every file of a built site is served with.

This module is the single source of truth: `fedipress serve`, `fedipress check` and the
`_headers` / nginx / Caddy snippets all derive from it. Mastodon refuses ActivityPub documents
served as plain `application/json`, and refuses WebFinger answers that redirect elsewhere, so
getting these right is what makes a static blog followable.
"""

from __future__ import annotations

from pathlib import PurePosixPath

ACTIVITY_JSON = "application/activity+json"
JRD_JSON = "application/jrd+json"
XRD_XML = "application/xrd+xml"
PLAIN_JSON = "application/json"
ATOM_XML = "application/atom+xml"
HTML = "text/html; charset=utf-8"

#: Documents other servers fetch from browsers and scripts: they get CORS `*`.
CORS_TYPES = frozenset({ACTIVITY_JSON, JRD_JSON, XRD_XML, PLAIN_JSON})

#: Exact paths whose type does not follow from a file extension.
_EXACT = {
    ".well-known/webfinger": JRD_JSON,
    ".well-known/host-meta": XRD_XML,
    ".well-known/nodeinfo": PLAIN_JSON,
    "nodeinfo/2.1.json": PLAIN_JSON,
    "feed.xml": ATOM_XML,
}

_BY_SUFFIX = {
    ".html": HTML,
    ".htm": HTML,
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".json": PLAIN_JSON,
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".mp4": "video/mp4",
    ".webm": "video/webm",
    ".pdf": "application/pdf",
}
OCTET_STREAM = "application/octet-stream"


def _normalise(relative_path: str) -> str:
    """Strip query, fragment and leading slashes so `/a?x` and `a` look the same."""
    path = relative_path.split("?", 1)[0].split("#", 1)[0]
    return path.lstrip("/")


def content_type_for(relative_path: str) -> str:
    """The Content-Type for a path relative to the output folder (or a URL path).

    A path ending in `/` (or empty) is a directory whose `index.html` is served.
    """
    path = _normalise(relative_path)
    if path == "" or path.endswith("/"):
        return HTML
    if path in _EXACT:
        return _EXACT[path]
    if path.startswith("ap/") and path.endswith(".json"):
        return ACTIVITY_JSON
    suffix = PurePosixPath(path).suffix.lower()
    return _BY_SUFFIX.get(suffix, OCTET_STREAM)


def wants_cors(relative_path: str) -> bool:
    """True for the fediverse documents that browsers and scripts may read cross-origin."""
    path = _normalise(relative_path)
    return path.startswith(("ap/", ".well-known/", "nodeinfo/"))


#: (pattern for `_headers`, content type) — ordered most specific first.
_RULES: tuple[tuple[str, str], ...] = (
    ("/ap/*", ACTIVITY_JSON),
    ("/.well-known/webfinger", JRD_JSON),
    ("/.well-known/host-meta", XRD_XML),
    ("/.well-known/nodeinfo", PLAIN_JSON),
    ("/nodeinfo/2.1.json", PLAIN_JSON),
    ("/feed.xml", ATOM_XML),
)


def headers_file() -> str:
    """The `_headers` file Netlify and Cloudflare Pages read from the output folder."""
    lines = ["# Written by fedipress build: content types the fediverse insists on."]
    for pattern, ctype in _RULES:
        lines.append(pattern)
        lines.append(f"  Content-Type: {ctype}")
        if ctype in CORS_TYPES:
            lines.append("  Access-Control-Allow-Origin: *")
    return "\n".join(lines) + "\n"


def nginx_snippet() -> str:
    """`location` blocks for an nginx `server {}` whose `root` is the output folder.

    `try_files $uri $uri/index.html` serves directories without the 301 that `$uri/` causes.
    """
    blocks = [
        "# Fedipress: include inside the server {} block whose root is the built site.",
        "location / {",
        "    try_files $uri $uri/index.html =404;",
        "}",
    ]
    for pattern, ctype in _RULES:
        if pattern.endswith("/*"):
            head = f"location ^~ {pattern[:-1]} {{"
        else:
            head = f"location = {pattern} {{"
        blocks += [head, "    types { }", f"    default_type {ctype};"]
        if ctype in CORS_TYPES:
            blocks.append('    add_header Access-Control-Allow-Origin "*" always;')
        blocks += ["    try_files $uri =404;", "}"]
    return "\n".join(blocks) + "\n"


def caddy_snippet() -> str:
    """Directives for a Caddy site block whose `root` is the output folder.

    Caddy's `file_server` keeps a Content-Type that is already set, and with
    `disable_canonical_uris` it never redirects `/dir` to `/dir/`.
    """
    lines = ["# Fedipress: paste inside the site block; `root * /path/to/_site` first."]
    for number, (pattern, ctype) in enumerate(_RULES, start=1):
        name = f"@fedipress{number}"
        lines.append(f"{name} path {pattern}")
        lines.append(f'header {name} Content-Type "{ctype}"')
        if ctype in CORS_TYPES:
            lines.append(f'header {name} Access-Control-Allow-Origin "*"')
    lines += [
        "try_files {path} {path}/index.html",
        "file_server {",
        "    disable_canonical_uris",
        "}",
    ]
    return "\n".join(lines) + "\n"
