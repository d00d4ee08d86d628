"""`fedipress serve` against a real server on 127.0.0.1: types, no redirects, queries, 404s."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from fedicore.errors import FedipressError
from sitegen.serve import make_server, resolve_request_path, watch_and_rebuild


def get(url: str, **kw) -> httpx.Response:
    return httpx.get(url, follow_redirects=False, timeout=5, **kw)


@pytest.mark.parametrize(("path", "expected"), [
    ("/ap/actor.json", "application/activity+json"),
    ("/ap/outbox/page-1.json", "application/activity+json"),
    ("/ap/posts/hello-world.json", "application/activity+json"),
    ("/.well-known/webfinger?resource=acct:alice@127.0.0.1", "application/jrd+json"),
    ("/.well-known/host-meta", "application/xrd+xml"),
    ("/.well-known/nodeinfo", "application/json"),
    ("/nodeinfo/2.1.json", "application/json"),
    ("/feed.xml", "application/atom+xml"),
    ("/", "text/html; charset=utf-8"),
    ("/style.css", "text/css; charset=utf-8"),
])
def test_each_document_is_served_with_its_content_type(served_site, path, expected):
    response = get(served_site.url + path.replace("127.0.0.1", served_site.site.acct.split("@")[1]))
    assert response.status_code == 200
    assert response.headers["content-type"] == expected


def test_activitypub_documents_allow_any_origin_and_html_does_not(served_site):
    assert get(served_site.url + "/ap/actor.json").headers["access-control-allow-origin"] == "*"
    assert get(served_site.url + "/.well-known/webfinger",
               params={"resource": f"acct:{served_site.site.acct}"}).headers[
        "access-control-allow-origin"] == "*"
    assert "access-control-allow-origin" not in get(served_site.url + "/").headers


def test_directory_without_trailing_slash_serves_index_instead_of_redirecting(served_site):
    response = get(served_site.url + "/posts/hello-world")
    assert response.status_code == 200
    assert 'rel="alternate"' in response.text
    assert get(served_site.url + "/posts/hello-world/").status_code == 200


def test_webfinger_with_resource_query_serves_the_static_jrd(served_site):
    response = get(served_site.url + "/.well-known/webfinger",
                   params={"resource": f"acct:{served_site.site.acct}"})
    assert response.status_code == 200
    assert response.json()["subject"] == f"acct:{served_site.site.acct}"


def test_webfinger_for_any_other_account_is_a_json_404(served_site):
    host = served_site.site.acct.split("@")[1]
    for resource in (f"acct:bob@{host}", "acct:alice@elsewhere.example", None):
        response = get(served_site.url + "/.well-known/webfinger",
                       params={"resource": resource} if resource else None)
        assert response.status_code == 404, resource
        assert response.json()["error"] == "not_found"


def test_home_and_post_pages_answer_activity_json_to_servers_that_ask_for_it(served_site):
    for accept in ("application/activity+json",
                   'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'):
        actor = get(served_site.url + "/", headers={"Accept": accept})
        assert actor.headers["content-type"] == "application/activity+json"
        assert actor.json()["id"] == served_site.site.actor_id
        post = get(served_site.url + "/posts/hello-world/", headers={"Accept": accept})
        assert post.headers["content-type"] == "application/activity+json"
        assert post.json()["id"] == served_site.site.post_ids[0]
        assert post.headers["vary"] == "Accept"
    page = get(served_site.url + "/posts/hello-world/", headers={"Accept": "text/html"})
    assert page.headers["content-type"].startswith("text/html")


def test_missing_file_is_json_404(served_site):
    response = get(served_site.url + "/ap/nope.json")
    assert response.status_code == 404
    assert response.json() == {"error": "not_found", "detail": "/ap/nope.json"}


def test_path_traversal_is_refused(served_site, tmp_path):
    (tmp_path / "secret.txt").write_text("secret")
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/posts/..%2f..%2fsecret.txt"):
        response = httpx.get(served_site.url + path, timeout=5)
        assert response.status_code == 404, path
    assert resolve_request_path(served_site.site.out, "/../secret.txt") is None


def test_post_is_refused_with_405_json(served_site):
    response = httpx.post(served_site.url + "/ap/actor.json", json={}, timeout=5)
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"


def test_head_gives_headers_without_body(served_site):
    response = httpx.head(served_site.url + "/ap/actor.json", timeout=5)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/activity+json"
    assert int(response.headers["content-length"]) > 100
    assert response.content == b""


def test_missing_output_folder_is_a_user_error(tmp_path):
    with pytest.raises(FedipressError, match="fedipress build"):
        make_server(tmp_path / "nope", "127.0.0.1", 0)


def test_busy_port_is_a_user_error(served_site):
    port = served_site.server.server_address[1]
    with pytest.raises(FedipressError, match="cannot listen"):
        make_server(served_site.site.out, "127.0.0.1", port)


def test_watch_rebuilds_on_change_and_survives_a_failing_build(tmp_path: Path, capsys):
    source = tmp_path / "site"
    out = source / "_site"
    out.mkdir(parents=True)
    calls: list[int] = []
    rebuilt = threading.Event()

    def rebuild(changed: set[str]) -> None:
        assert changed and all(isinstance(path, str) for path in changed)
        calls.append(1)
        (out / "index.html").write_text(str(len(calls)))  # must not retrigger a rebuild
        rebuilt.set()
        if len(calls) == 1:
            raise FedipressError("bad front matter", path="posts/a.md", line=3)

    stop = threading.Event()
    watcher = threading.Thread(target=watch_and_rebuild, args=(source, out, rebuild, stop),
                               daemon=True)
    watcher.start()
    try:
        for attempt in range(2):
            rebuilt.clear()
            deadline = time.monotonic() + 10
            while not rebuilt.is_set() and time.monotonic() < deadline:
                (source / "post.md").write_text(f"change {attempt} {time.monotonic()}")
                rebuilt.wait(0.5)
            assert rebuilt.is_set()
    finally:
        stop.set()
        watcher.join(timeout=5)
    assert len(calls) >= 2
    err = capsys.readouterr().err
    assert "rebuild failed: posts/a.md:3: bad front matter" in err


def test_host_configuration_files_are_not_served(served_site):
    out = served_site.site.out
    (out / "_headers").write_text("/ap/*\n  Content-Type: application/activity+json\n")
    (out / "_fedipress").mkdir()
    (out / "_fedipress" / "nginx.conf").write_text("location / {}")
    assert get(served_site.url + "/_headers").status_code == 404
    assert get(served_site.url + "/_fedipress/nginx.conf").status_code == 404


def test_ipv6_loopback_is_served(tmp_path):
    import socket

    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    (tmp_path / "index.html").write_text("hi")
    try:
        server = make_server(tmp_path, "::1", 0, quiet=True)
    except FedipressError:
        pytest.skip("::1 not available here")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        assert server.url.startswith("http://[::1]:")
        assert get(server.url).text == "hi"
    finally:
        server.shutdown()
        server.server_close()


def test_serving_is_announced_only_once_edits_are_watched(tmp_path, monkeypatch):
    """An edit made right after "Serving" must rebuild, even when the watcher is slow to start
    (its import, a busy machine): the line waits for the watch."""
    import watchfiles

    from sitegen import serve as serve_module

    steps: list[str] = []
    real_watch = watchfiles.watch

    def slow_watch(*args, **kwargs):
        time.sleep(0.5)
        steps.append("watching")
        yield from real_watch(*args, **kwargs)

    class Server:
        url = "http://127.0.0.1:1/"

        def serve_forever(self):
            steps.append("serving")

        def server_close(self):
            pass

    monkeypatch.setattr(watchfiles, "watch", slow_watch)
    monkeypatch.setattr(serve_module, "make_server", lambda *a, **k: Server())
    out = tmp_path / "out"
    out.mkdir()
    serve_module.serve(out, "127.0.0.1", 0, rebuild=lambda changed: None, watch_dir=tmp_path)
    assert steps == ["watching", "serving"]
