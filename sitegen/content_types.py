"""Which content type every file of a built site is served with.

This module is the single source of truth: `fedipress serve`, `fedipress check` and the
`_headers` / nginx / Caddy snippets all derive from it. Mastodon refuses ActivityPub documents
served as plain `application/json`, and refuses WebFinger answers that redirect elsewhere, so
getting these right is what makes a static blog followable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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


@dataclass(frozen=True)
class HostRules:
    """What the snippets need beyond content types (see `sitegen.host_rules`)."""

    acct: str  # user@host: the one WebFinger account
    gone: tuple[str, ...] = ()  # slugs of deleted posts: their pages answer 410


_AP_ACCEPT_RE = r"application/(activity\+json|ld\+json)"


def _acct_pattern(acct: str) -> str:
    """A regex for `resource=acct:user@host` as it may arrive, raw or percent-encoded."""
    user, host = acct.split("@", 1)
    return ("acct(:|%3A)" + re.escape(user) + "(@|%40)" +
            re.escape(host).replace(":", "(:|%3A)"))


def redirects_file(rules: HostRules) -> str:
    """`_redirects` (Netlify): WebFinger for the blog's account only, 410 for deleted posts.

    Netlify cannot match on `Accept`, so there is no content negotiation: servers find posts
    by the pages' `rel=alternate` links instead."""
    lines = ["# Written by fedipress build.",
             f"/.well-known/webfinger resource=acct:{rules.acct} /.well-known/webfinger 200!",
             "/.well-known/webfinger /.well-known/fedipress-unknown-account 404!"]
    lines += [f"/posts/{slug}/* /posts/{slug}/gone 410!" for slug in rules.gone]
    return "\n".join(lines) + "\n"


def nginx_snippet(rules: HostRules | None = None) -> str:
    """`location` blocks for an nginx `server {}` whose `root` is the output folder.

    `try_files $uri $uri/index.html` serves directories without the 301 that `$uri/` causes.
    With ``rules``: content negotiation for the home page and posts, WebFinger for the blog's
    account only, 410 for deleted posts (`rewrite ... last` inside `if` is the safe use).
    """
    blocks = [
        "# Fedipress: include inside the server {} block whose root is the built site.",
        "location / {",
        "    try_files $uri $uri/index.html =404;",
        "}",
    ]
    if rules is not None:
        blocks += [
            "location = / {",
            f'    if ($http_accept ~* "{_AP_ACCEPT_RE}") {{ rewrite ^ /ap/actor.json last; }}',
            '    add_header Vary "Accept" always;',
            "    try_files /index.html =404;",
            "}",
            "location ^~ /posts/ {",
            f'    if ($http_accept ~* "{_AP_ACCEPT_RE}") {{',
            "        rewrite ^/posts/([^/]+)/?(index\\.html)?$ /ap/posts/$1.json last;",
            "    }",
            '    add_header Vary "Accept" always;',
            "    try_files $uri $uri/index.html =404;",
            "}",
        ]
        for slug in rules.gone:  # the Tombstone stays reachable by negotiation
            blocks += [f"location ^~ /posts/{slug}/ {{",
                       f'    if ($http_accept ~* "{_AP_ACCEPT_RE}") '
                       f"{{ rewrite ^ /ap/posts/{slug}.json last; }}",
                       "    return 410;", "}"]
    for pattern, ctype in _RULES:
        if pattern.endswith("/*"):
            head = f"location ^~ {pattern[:-1]} {{"
        else:
            head = f"location = {pattern} {{"
        blocks += [head]
        if rules is not None and pattern == "/.well-known/webfinger":
            blocks.append(f'    if ($arg_resource !~* "^{_acct_pattern(rules.acct)}$") '
                          "{ return 404; }")
        blocks += ["    types { }", f"    default_type {ctype};"]
        if ctype in CORS_TYPES:
            blocks.append('    add_header Access-Control-Allow-Origin "*" always;')
        blocks += ["    try_files $uri =404;", "}"]
    return "\n".join(blocks) + "\n"


def caddy_snippet(rules: HostRules | None = None) -> str:
    """Directives for a Caddy site block whose `root` is the output folder.

    Caddy's `file_server` keeps a Content-Type that is already set, and with
    `disable_canonical_uris` it never redirects `/dir` to `/dir/`. Caddy orders `header`
    before `rewrite`, so a negotiated request gets its type from the same matcher that
    rewrites it; `query` matches decoded values.
    """
    lines = ["# Fedipress: paste inside the site block; `root * /path/to/_site` first."]
    if rules is not None:
        lines += [
            "@fedipress_ap_home {", "    path /", f"    header_regexp Accept {_AP_ACCEPT_RE}",
            "}",
            "rewrite @fedipress_ap_home /ap/actor.json",
            "@fedipress_ap_post {", "    path_regexp post ^/posts/([^/]+)/?(index\\.html)?$",
            f"    header_regexp Accept {_AP_ACCEPT_RE}", "}",
            "rewrite @fedipress_ap_post /ap/posts/{re.post.1}.json",
            # `header` runs before `rewrite`: the negotiated requests get their type here
            f'header @fedipress_ap_home Content-Type "{ACTIVITY_JSON}"',
            'header @fedipress_ap_home Access-Control-Allow-Origin "*"',
            f'header @fedipress_ap_post Content-Type "{ACTIVITY_JSON}"',
            'header @fedipress_ap_post Access-Control-Allow-Origin "*"',
            "@fedipress_negotiated path / /posts/* /ap/actor.json /ap/posts/*",
            "header @fedipress_negotiated Vary Accept",
            "@fedipress_other_account {", "    path /.well-known/webfinger",
            f"    not query resource=acct:{rules.acct}", "}",
            "respond @fedipress_other_account 404",
        ]
        for slug in rules.gone:
            lines.append(f"respond /posts/{slug}/* 410")
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


def htaccess(rules: HostRules) -> str:
    """`.htaccess` for Apache (mod_rewrite, mod_headers) serving the output folder as root."""
    ap_cond = f"RewriteCond %{{HTTP_ACCEPT}} {_AP_ACCEPT_RE} [NC]"
    lines = [
        "# Written by fedipress build: content types, negotiation, WebFinger, deleted posts.",
        "DirectorySlash Off",
        "DirectoryIndex index.html",
        "RewriteEngine On",
        ap_cond, "RewriteRule ^(index\\.html)?$ ap/actor.json [L]",
        ap_cond, "RewriteRule ^posts/([^/]+)/?(index\\.html)?$ ap/posts/$1.json [L]",
        f"RewriteCond %{{QUERY_STRING}} !(^|&)resource={_acct_pattern(rules.acct)}(&|$) [NC]",
        "RewriteRule ^\\.well-known/webfinger$ - [R=404,L]",
    ]
    lines += [f"RewriteRule ^posts/{re.escape(slug)}(/.*)?$ - [G]" for slug in rules.gone]
    lines += ["RewriteCond %{REQUEST_FILENAME} -d",
              "RewriteRule ^(.+?)/?$ $1/index.html [L]"]
    lines += ['<IfModule mod_headers.c>',
              '  <If "%{REQUEST_URI} == \'/\' || %{REQUEST_URI} =~ m#^/posts/#">',
              "    Header always merge Vary Accept", "  </If>"]
    for pattern, ctype in _RULES:
        test = (f"%{{REQUEST_URI}} =~ m#^{pattern[:-1]}#" if pattern.endswith("/*")
                else f"%{{REQUEST_URI}} == '{pattern}'")
        lines += [f'  <If "{test}">', f'    Header always set Content-Type "{ctype}"']
        if ctype in CORS_TYPES:
            lines.append('    Header always set Access-Control-Allow-Origin "*"')
        lines.append("  </If>")
    lines.append("</IfModule>")
    return "\n".join(lines) + "\n"
