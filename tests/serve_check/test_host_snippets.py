"""The snippets the build writes, run in the real servers (Debian's nginx, Caddy, Apache on
127.0.0.1): `fedipress check` passes on each, content negotiation answers the actor and the
posts, WebFinger answers only the blog's account, a deleted post's page is 410.

scripts/test installs the three servers (as root); without one its case is skipped, visibly.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from sitegen.check import run_check
from sitegen.cli import run_build
from tests.serve_check.conftest import point_inbox_at
from tests.support.example_site import copy_example
from tests.support.server import free_port

AP = "application/activity+json"


def _wait(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError(f"server never answered: {log.read_text()[-2000:]}")


def _nginx(tmp: Path, out: Path, port: int) -> list[str]:
    conf = tmp / "nginx.conf"
    temp = tmp / "nginx-temp"
    temp.mkdir()
    conf.write_text(f"""
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/server.log;
events {{}}
http {{
    access_log off;
    client_body_temp_path {temp}/body; proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi; uwsgi_temp_path {temp}/uwsgi; scgi_temp_path {temp}/scgi;
    include /etc/nginx/mime.types;
    server {{
        listen 127.0.0.1:{port};
        root {out};
        include {out}/_fedipress/nginx.conf;
    }}
}}
""")
    return ["nginx", "-e", str(tmp / "server.log"), "-c", str(conf)]


def _caddy(tmp: Path, out: Path, port: int) -> list[str]:
    conf = tmp / "Caddyfile"
    conf.write_text(f"""{{
    admin off
    auto_https off
}}
http://127.0.0.1:{port} {{
    root * {out}
    import {out}/_fedipress/Caddyfile
}}
""")
    return ["caddy", "run", "--config", str(conf), "--adapter", "caddyfile"]


def _apache(tmp: Path, out: Path, port: int) -> list[str]:
    modules = "/usr/lib/apache2/modules"
    conf = tmp / "apache.conf"
    conf.write_text(f"""
ServerRoot {tmp}
PidFile {tmp}/apache.pid
ErrorLog {tmp}/server.log
Listen 127.0.0.1:{port}
ServerName 127.0.0.1
User www-data
Group www-data
LoadModule mpm_event_module {modules}/mod_mpm_event.so
LoadModule authz_core_module {modules}/mod_authz_core.so
LoadModule dir_module {modules}/mod_dir.so
LoadModule mime_module {modules}/mod_mime.so
LoadModule rewrite_module {modules}/mod_rewrite.so
LoadModule headers_module {modules}/mod_headers.so
TypesConfig /etc/mime.types
DocumentRoot {out}
<Directory {out}>
    AllowOverride All
    Require all granted
</Directory>
""")
    return ["apache2", "-X", "-f", str(conf)]


SERVERS = {"nginx": _nginx, "caddy": _caddy, "apache2": _apache}


@pytest.mark.parametrize("server", sorted(SERVERS))
def test_the_written_snippet_makes_the_real_server_pass_check(server, tmp_path, capsys,
                                                             followers_inbox):
    binary = shutil.which(server) or (f"/usr/sbin/{server}" if os.path.exists(
        f"/usr/sbin/{server}") else None)
    if binary is None:
        pytest.skip(f"{server} is not installed (scripts/test installs it as root)")
    site = copy_example(tmp_path / "site")
    point_inbox_at(site, followers_inbox)  # `check` reads the followers collection there
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # served from a folder the servers' unprivileged workers can read (pytest's is 0700)
    out = Path(tempfile.mkdtemp(prefix="fedipress-host-")) / "_site"
    out.parent.chmod(0o755)
    run_build(site, out, base_url=url, quiet=True)
    (site / "content/posts/morning-note.md").unlink()  # a deleted post: Tombstone + 410
    run_build(site, out, base_url=url, quiet=True)
    command = SERVERS[server](tmp_path, out, port)
    command[0] = binary
    log = tmp_path / "server.log"
    log.touch()
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path),
               HOME=str(tmp_path), APACHE_RUN_DIR=str(tmp_path), APACHE_LOG_DIR=str(tmp_path))
    with open(tmp_path / "stdout.log", "wb") as stdout:
        proc = subprocess.Popen(command, stdout=stdout, stderr=subprocess.STDOUT, env=env)
    try:
        _wait(url + "/", proc, log)
        assert run_check(url) == 0, capsys.readouterr().out + log.read_text()[-2000:]
        host = f"127.0.0.1:{port}"
        actor = httpx.get(url + "/", headers={"Accept": AP})
        assert actor.json()["id"] == f"{url}/ap/actor.json"
        assert actor.headers["content-type"].startswith(AP)
        post = httpx.get(url + "/posts/sunset/", headers={"Accept": AP})
        assert post.json()["id"] == f"{url}/ap/posts/sunset.json"
        assert httpx.get(url + "/posts/sunset/").headers["content-type"].startswith("text/html")
        for resource in (f"acct:alice@{host}", f"acct%3Aalice%40{host.replace(':', '%3A')}"):
            found = httpx.get(f"{url}/.well-known/webfinger?resource={resource}")
            assert found.status_code == 200, resource
        assert httpx.get(f"{url}/.well-known/webfinger",
                         params={"resource": f"acct:bob@{host}"}).status_code == 404
        assert httpx.get(f"{url}/.well-known/webfinger").status_code == 404
        assert httpx.get(url + "/posts/morning-note/").status_code == 410
        tomb = httpx.get(url + "/ap/posts/morning-note.json")
        assert tomb.status_code == 200 and tomb.json()["type"] == "Tombstone"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(out.parent, ignore_errors=True)
