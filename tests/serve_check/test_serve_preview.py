"""`fedipress serve` of a site with a public base_url: the preview links to itself, not to the
real domain, and the published output is left as the last build wrote it."""

from __future__ import annotations

import hashlib
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.example_site import copy_example

FEDIPRESS = Path(sys.executable).with_name("fedipress")


def _tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_serving_a_public_site_serves_local_urls_and_leaves_the_output_alone(tmp_path):
    site = copy_example(tmp_path / "site")
    config = site / "fedipress.toml"
    config.write_text(config.read_text("utf-8").replace("http://127.0.0.1:8000",
                                                        "https://blog.example"), "utf-8")
    assert subprocess.run([str(FEDIPRESS), "build", str(site), "-q"]).returncode == 0
    published = _tree_digest(site / "_site")
    proc = subprocess.Popen([str(FEDIPRESS), "serve", str(site), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url, lines = None, []
        deadline = time.monotonic() + 60
        while url is None and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if match := re.search(r"^Serving .* at (http://127\.0\.0\.1:\d+)/", line):
                url = match.group(1)
        assert url, "".join(lines)
        assert any("previewing https://blog.example" in line for line in lines), lines
        home = httpx.get(f"{url}/", timeout=10).text
        assert "https://blog.example" not in home
        assert f'href="{url}/posts/' in home or 'href="/posts/' in home
        actor = httpx.get(f"{url}/ap/actor.json", timeout=10).json()
        assert actor["id"] == f"{url}/ap/actor.json"
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()
    assert proc.returncode == 0
    assert _tree_digest(site / "_site") == published
    assert "https://blog.example/ap/actor.json" in (site / "_site/ap/actor.json").read_text()
