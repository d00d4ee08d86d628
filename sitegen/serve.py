"""`fedipress serve`: a local static server that behaves like a correct production host.

It serves every file with the type from `sitegen.content_types`, answers directories with their
`index.html` without redirecting (a redirected ActivityPub URL is a broken one for Mastodon),
ignores query strings (so `/.well-known/webfinger?resource=acct:...` hits the static file), and
answers misses with a small JSON 404. With `watch_dir` it rebuilds on change.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
from collections.abc import Callable
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from fedicore.errors import FedipressError
from sitegen.content_types import content_type_for, wants_cors


#: Files the build writes for the host's configuration, never served (as on Netlify).
HOST_ONLY = frozenset({"_headers", "_redirects", "_fedipress", ".htaccess"})


def resolve_request_path(out_dir: Path, url_path: str) -> tuple[Path, str] | None:
    """Map a request path to (file, path used for its content type), or None for a miss.

    Refuses anything that would leave `out_dir` (`..`, symlinks out, encoded slashes).
    """
    raw = unquote(urlsplit(url_path).path)
    if "\x00" in raw or "\\" in raw:
        return None
    parts = [p for p in raw.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts) or (parts and parts[0] in HOST_ONLY):
        return None
    root = out_dir.resolve()
    candidate = root.joinpath(*parts) if parts else root
    relative = "/".join(parts)
    if candidate.is_dir():
        candidate = candidate / "index.html"
        relative = f"{relative}/index.html" if relative else "index.html"
    try:
        real = candidate.resolve(strict=True)
    except (FileNotFoundError, NotADirectoryError, OSError):
        return None
    if not real.is_file() or not real.is_relative_to(root):
        return None
    return real, relative


class SiteRequestHandler(BaseHTTPRequestHandler):
    """GET/HEAD for files under `out_dir`; everything else is a JSON error."""

    server_version = "fedipress-serve"
    protocol_version = "HTTP/1.1"

    def __init__(self, *args, out_dir: Path, quiet: bool, live_reload: bool = False,
                 **kwargs) -> None:
        self.out_dir = out_dir
        self.quiet = quiet
        self.live_reload = live_reload  # `serve --watch`: open pages reload after a rebuild
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._serve(with_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._serve(with_body=False)

    def _not_allowed(self) -> None:
        self._json_error(HTTPStatus.METHOD_NOT_ALLOWED, "method_not_allowed",
                         "this is a static site; only GET and HEAD", allow="GET, HEAD")

    do_POST = do_PUT = do_DELETE = do_PATCH = _not_allowed  # noqa: N815

    def _serve(self, *, with_body: bool) -> None:
        from sitegen.host_rules import route, rules_from_output  # the snippets' rules, here

        asked = urlsplit(self.path)
        if self.live_reload and asked.path in LIVE_RELOAD:
            self._send(LIVE_RELOAD[asked.path](self.out_dir), asked.path, with_body)
            return
        routed = route(rules_from_output(self.out_dir), unquote(asked.path), asked.query,
                       self.headers.get("Accept"))
        if routed.status != 200:
            self._json_error(HTTPStatus(routed.status), HTTPStatus(routed.status).phrase.lower()
                             .replace(" ", "_"), asked.path, with_body=with_body)
            return
        found = resolve_request_path(self.out_dir, routed.path if routed.path != unquote(
            asked.path) else self.path)
        if found is None:
            self._json_error(HTTPStatus.NOT_FOUND, "not_found", urlsplit(self.path).path,
                             with_body=with_body)
            return
        file, relative = found
        try:
            body = file.read_bytes()
        except OSError as exc:
            self._json_error(HTTPStatus.FORBIDDEN, "unreadable", str(exc), with_body=with_body)
            return
        if self.live_reload and relative.endswith(".html"):
            body = body.replace(b"</body>", LIVE_RELOAD_TAG + b"</body>", 1)
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type_for(relative))
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        if wants_cors(relative):
            self.send_header("Access-Control-Allow-Origin", "*")
        if relative == "index.html" or relative.startswith(("posts/", "ap/posts/")) \
                or relative == "ap/actor.json":
            self.send_header("Vary", "Accept")  # content negotiation (sitegen.host_rules)
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def _send(self, body: bytes, path: str, with_body: bool) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/javascript; charset=utf-8"
                         if path.endswith(".js") else "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def _json_error(self, status: HTTPStatus, error: str, detail: str, *,
                    with_body: bool = True, allow: str | None = None) -> None:
        body = json.dumps({"error": error, "detail": detail}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if allow:
            self.send_header("Allow", allow)
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        if not self.quiet:
            super().log_message(format, *args)


# Live reload (`serve --watch` only; nothing is written into the built pages): each served page
# gets a small script that polls the build token and reloads when a rebuild changed it.
LIVE_RELOAD_TAG = b'<script src="/_fedipress/live-reload.js" defer></script>'
_LIVE_RELOAD_JS = b"""(function () {
  var seen = null;
  function check() {
    fetch("/_fedipress/live-reload", {cache: "no-store"}).then(function (r) { return r.json(); })
      .then(function (d) { if (seen !== null && d.build !== seen) location.reload(); seen = d.build; })
      .catch(function () {}).then(function () { setTimeout(check, 1000); });
  }
  check();
})();
"""


def _build_token(out_dir: Path) -> bytes:
    try:
        token = (out_dir / "_fedipress" / "build-token").read_text("ascii").strip()
    except OSError:
        token = ""
    return json.dumps({"build": token}).encode()


LIVE_RELOAD = {"/_fedipress/live-reload.js": lambda _out: _LIVE_RELOAD_JS,
               "/_fedipress/live-reload": _build_token}


class SiteServer(ThreadingHTTPServer):
    daemon_threads = True

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        shown = f"[{host}]" if ":" in str(host) else host
        return f"http://{shown}:{port}/"


class SiteServer6(SiteServer):
    address_family = socket.AF_INET6


def make_server(out_dir: Path, host: str, port: int, *, quiet: bool = False,
                live_reload: bool = False) -> SiteServer:
    """A bound, not yet running server; `port=0` picks a free port (see `.url`)."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise FedipressError("no built site here; run `fedipress build` first", path=str(out_dir))
    handler = partial(SiteRequestHandler, out_dir=out_dir, quiet=quiet, live_reload=live_reload)
    server_class = SiteServer6 if ":" in host else SiteServer
    try:
        return server_class((host, port), handler)
    except OSError as exc:
        raise FedipressError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def _watch_filter(out_dir: Path) -> Callable[[object, str], bool]:
    """Ignore the output folder, caches and keys so a rebuild never retriggers itself."""
    skip = [out_dir.resolve()]

    def accept(_change: object, path: str) -> bool:
        resolved = Path(path).resolve()
        if any(resolved.is_relative_to(s) for s in skip):
            return False
        parts = set(resolved.parts)
        return not parts & {".git", ".keys", ".fedipress-cache", "__pycache__", "node_modules"}

    return accept


def watch_and_rebuild(watch_dir: Path, out_dir: Path, rebuild: Callable[[set[str]], object],
                      stop: threading.Event, watching: threading.Event | None = None) -> None:
    """Call `rebuild(changed paths)` after each batch of changes; a failure prints one line,
    never raises. ``watching`` is set once changes are being watched (an edit made before
    that is not seen)."""
    import watchfiles

    # step: how long to wait for more changes before rebuilding; 10 ms (not watchfiles' 50)
    # takes a fifth of the wait out of an edit-to-page rebuild, and a second save just
    # triggers a second incremental build. An empty batch every 200 ms of quiet is the
    # only sign that the watch has started.
    for changes in watchfiles.watch(watch_dir, watch_filter=_watch_filter(out_dir), step=10,
                                    stop_event=stop, raise_interrupt=False,
                                    rust_timeout=200, yield_on_timeout=True):
        if watching is not None:
            watching.set()
        if not changes:
            continue
        try:
            rebuild({path for _, path in changes})
        except FedipressError as exc:
            print(f"rebuild failed: {exc}", file=sys.stderr, flush=True)
        except Exception as exc:  # noqa: BLE001 - the server must survive a broken build
            print(f"rebuild failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        else:
            print(f"rebuilt ({len(changes)} change{'s' if len(changes) != 1 else ''})",
                  flush=True)


def serve(out_dir: Path, host: str, port: int, *, rebuild: Callable[[set[str]], object] | None = None,
          watch_dir: Path | None = None) -> None:
    """Serve `out_dir` until Ctrl-C; rebuild on changes under `watch_dir` when given."""
    watching = watch_dir is not None and rebuild is not None
    server = make_server(out_dir, host, port, live_reload=watching)
    stop = threading.Event()
    watcher = None
    if watch_dir is not None and rebuild is not None:
        armed = threading.Event()
        watcher = threading.Thread(target=watch_and_rebuild,
                                   args=(Path(watch_dir), Path(out_dir), rebuild, stop, armed),
                                   name="fedipress-watch", daemon=True)
        watcher.start()
        armed.wait(10)  # "Serving" means an edit from now on is seen
    print(f"Serving {out_dir} at {server.url} (Ctrl-C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", flush=True)
    finally:
        stop.set()
        server.server_close()
        if watcher is not None:
            watcher.join(timeout=2)
