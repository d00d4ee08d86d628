"""Every command's failure path through the installed `fedipress` entry point (a subprocess, as
a CI script runs it): 0 ok, 1 failure, 2 usage or config mistake; one line, never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.example_site import copy_example

FEDIPRESS = Path(sys.executable).with_name("fedipress")


def fedipress(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run([str(FEDIPRESS), *args], capture_output=True, text=True,
                            cwd=cwd, timeout=120, env={**os.environ, "NO_COLOR": "1"})
    assert "Traceback" not in result.stderr, result.stderr
    return result


@pytest.fixture(scope="module")
def built_site(tmp_path_factory) -> Path:
    site = copy_example(tmp_path_factory.mktemp("exit") / "site")
    assert fedipress("build", str(site), "-q").returncode == 0
    return site


def test_check_of_a_broken_build_exits_1(built_site: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    subprocess.run(["cp", "-r", str(built_site / "_site"), str(broken)], check=True)
    (broken / "ap" / "actor.json").unlink()
    result = fedipress("check", str(broken))
    assert "checks failed" in result.stdout
    assert result.returncode == 1


def test_check_of_a_good_build_exits_0(built_site: Path) -> None:
    assert fedipress("check", str(built_site / "_site")).returncode == 0


def test_check_of_a_missing_folder_exits_2(tmp_path: Path) -> None:
    result = fedipress("check", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert "not a folder" in result.stderr


def test_check_of_a_folder_that_is_no_built_site_exits_1(tmp_path: Path) -> None:
    assert fedipress("check", str(tmp_path)).returncode == 1


@pytest.mark.parametrize("command", ["build", "serve", "new", "keys", "register", "publish",
                                     "pull", "up"])
def test_a_site_command_outside_a_site_exits_2(command: str, tmp_path: Path) -> None:
    args = [command, "--site", str(tmp_path), "Title"] if command == "new" else \
        [command, str(tmp_path)]
    result = fedipress(*args)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "fedipress.toml" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_broken_post_fails_the_build_with_1(tmp_path: Path) -> None:
    site = copy_example(tmp_path / "site")
    (site / "content" / "posts" / "bad.md").write_text("+++\ndate = yesterday\n+++\nx\n")
    result = fedipress("build", str(site))
    assert result.returncode == 1
    assert "content/posts/bad.md" in result.stderr


def test_an_unreadable_config_is_a_config_error_2(tmp_path: Path) -> None:
    site = copy_example(tmp_path / "site")
    (site / "fedipress.toml").write_bytes(b'base_url = "http://127.0.0.1:8000"\nusername = "m\xe9"\n')
    result = fedipress("build", str(site))
    assert result.returncode == 2
    assert result.stderr.strip() == \
        f"error: {site / 'fedipress.toml'}: not UTF-8 text (save it as UTF-8)"


def test_init_over_an_existing_site_fails_with_1(built_site: Path) -> None:
    assert fedipress("init", str(built_site)).returncode == 1


def test_init_with_a_bad_base_url_is_a_usage_error_2(tmp_path: Path) -> None:
    result = fedipress("init", str(tmp_path / "b"), "--base-url", "blog.example")
    assert result.returncode == 2
    assert not (tmp_path / "b" / "fedipress.toml").exists()


def test_keys_refuses_to_replace_a_key_with_1(built_site: Path) -> None:
    result = fedipress("keys", str(built_site))
    assert result.returncode == 1 and "--force" in result.stderr


def test_serve_on_a_busy_port_fails_with_1(built_site: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = fedipress("serve", str(built_site), "--port", str(port))
    assert result.returncode == 1
    assert "cannot listen" in result.stderr


@pytest.mark.parametrize("args", [["bogus"], ["build", "--jobs", "0"], ["check"],
                                  ["inbox", "bogus"], ["serve", "--port", "x"]])
def test_usage_mistakes_exit_2(args: list[str]) -> None:
    assert fedipress(*args).returncode == 2


def test_inbox_with_a_missing_config_exits_2(tmp_path: Path) -> None:
    result = fedipress("inbox", "migrate", "--config", str(tmp_path / "none.toml"))
    assert result.returncode == 2


def test_an_unwritable_output_is_one_plain_line_and_exit_1(built_site: Path) -> None:
    result = fedipress("build", str(built_site), "--out", "/proc/no/such/place")
    assert result.returncode == 1
    assert "Errno" not in result.stderr
    assert result.stderr == "error: /proc/no: No such file or directory\n"


@pytest.mark.parametrize("template, said", [
    ("{% if %}\n", "templates/post.html:1"),
    ('{% extends "base.html" %}\n{% block content %}{{ post.title | nosuchfilter }}{% endblock %}\n',
     "No filter named 'nosuchfilter'"),
    ("<p>{{ nothing.deeper }}</p>\n", "'nothing' is undefined"),
])
def test_a_broken_site_template_is_one_line_and_exit_1(tmp_path: Path, template: str, said: str) -> None:
    site = copy_example(tmp_path / "site")
    (site / "templates").mkdir(exist_ok=True)
    (site / "templates" / "post.html").write_text(template)
    result = fedipress("build", str(site), "-q")
    assert result.returncode == 1
    assert said in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
