"""The role converges a fresh Debian bookworm root, changes nothing the second time, and
the result boots into a running, proxied, backed-up inbox.

Needs root, debootstrap and systemd-nspawn (apt: debootstrap systemd-container) and
reaches the Debian mirror this machine's apt uses. Under CI=true a missing prerequisite
fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.ansible.converge import (
    DOCUMENT_URLS,
    DOMAIN,
    SITE_FILES,
    Converge,
    missing_prerequisite,
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="module")
def converge(tmp_path_factory: pytest.TempPathFactory):
    reason = missing_prerequisite()
    if reason is not None:
        if _in_ci():
            pytest.fail(f"converge test cannot run in CI: {reason}")
        pytest.skip(f"CONVERGE TEST SKIPPED: {reason}")
    work = Path(tmp_path_factory.mktemp("converge"))
    state = Converge(work)
    try:
        state.make_root()
        extra_vars = state.make_inputs()
        first = state.apply(extra_vars)
        if first.returncode == 0:
            state.apply(extra_vars)
        if all(run.returncode == 0 for run in state.runs):
            state.boot_and_probe()
        yield state
    finally:
        state.remove_root()


def _inside(converge: Converge, path: str) -> Path:
    return converge.root / path.lstrip("/")


def _tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.splitlines()[-lines:])


def test_first_run_converges_a_fresh_bookworm(converge: Converge) -> None:
    first = converge.runs[0]
    assert first.returncode == 0, _tail(first.output)
    assert first.recap.get("failed") == 0
    assert first.recap.get("changed", 0) > 0


def test_second_run_changes_nothing(converge: Converge) -> None:
    assert len(converge.runs) == 2, _tail(converge.runs[-1].output)
    second = converge.runs[1]
    assert second.returncode == 0, _tail(second.output)
    assert second.recap.get("changed") == 0, second.changed_tasks()
    assert second.recap.get("failed") == 0


def test_secrets_file_is_readable_by_root_only(converge: Converge) -> None:
    env = _inside(converge, "/etc/fedipress/inbox.env")
    info = env.stat()
    assert stat.S_IMODE(info.st_mode) == 0o600
    assert (info.st_uid, info.st_gid) == (0, 0)
    assert 'FEDIPRESS_LOG_LEVEL="info"' in env.read_text()


def test_config_trusts_the_proxy_and_binds_loopback(converge: Converge) -> None:
    config = _inside(converge, "/etc/fedipress/inbox.toml").read_text()
    assert 'host = "127.0.0.1"' in config
    assert "trust_forwarded = true" in config
    assert f'public_url = "https://{DOMAIN}"' in config
    assert 'admins = ["@alice@blog.test"]' in config


def test_virtualenv_belongs_to_the_service_user(converge: Converge) -> None:
    venv_python = _inside(converge, "/opt/fedipress/venv/bin/python")
    passwd = _inside(converge, "/etc/passwd").read_text()
    entry = next(line for line in passwd.splitlines() if line.startswith("fedipress:"))
    uid = int(entry.split(":")[2])
    assert entry.endswith(":/usr/sbin/nologin")
    assert uid < 1000, "a system user"
    assert venv_python.lstat().st_uid == uid
    assert _inside(converge, "/opt/fedipress/venv/bin/fedipress").exists()


def test_unit_is_hardened_and_restarts_on_failure(converge: Converge) -> None:
    unit = _inside(converge, "/etc/systemd/system/fedipress-inbox.service").read_text()
    for line in (
        "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
        "ReadWritePaths=/var/lib/fedipress", "Restart=on-failure", "User=fedipress",
        "EnvironmentFile=-/etc/fedipress/inbox.env",
    ):
        assert line in unit.splitlines(), line
    enabled = _inside(converge, "/etc/systemd/system/multi-user.target.wants/fedipress-inbox.service")
    assert enabled.is_symlink()


def test_booted_inbox_answers_healthz_on_loopback_only(converge: Converge) -> None:
    probe = converge.probe
    assert probe.get("done") == "yes", _tail(converge.boot_log)
    assert probe["active_fedipress-inbox.service"] == "active", _tail(converge.boot_log)
    assert probe["healthz_direct"] == "200", _tail(converge.boot_log)
    # 0100007F:1F90 is 127.0.0.1:8080 in /proc/net/tcp: nothing else listens on 8080.
    assert probe["listening_8080"].split() == ["0100007F:1F90"]


def test_proxy_forwards_inbox_routes_with_tls(converge: Converge) -> None:
    probe = converge.probe
    assert probe.get("active_caddy.service") == "active", _tail(converge.boot_log)
    assert probe["healthz_proxy"].split()[0] == "200", probe
    assert probe["metrics_loopback"].split()[0] == "200", probe


def test_proxy_refuses_metrics_to_other_addresses(converge: Converge) -> None:
    code, content_type = converge.probe["metrics_other_address"].split(maxsplit=1)
    assert code == "403"
    assert content_type.startswith("application/json")


@pytest.mark.parametrize("url", DOCUMENT_URLS)
def test_static_site_is_served_with_sitegen_content_types(converge: Converge, url: str) -> None:
    from sitegen.content_types import content_type_for

    code, _, content_type = converge.probe[f"doc {url}"].partition(" ")
    assert code == "200", "no redirect, no error for a document URL"
    assert _media_type(content_type) == _media_type(content_type_for(_served_file(url)))


def test_federation_documents_allow_cross_origin_reads(converge: Converge) -> None:
    assert converge.probe["cors"] == "*"


def _served_file(url: str) -> str:
    """The site file a URL is answered from: a directory's index.html."""
    path = url.split("?", 1)[0].strip("/")
    if path == "" or f"{path}/index.html" in SITE_FILES:
        return f"{path}/index.html".lstrip("/")
    return path


def _media_type(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def test_backup_timer_is_active_and_backup_service_writes_a_copy(converge: Converge) -> None:
    probe = converge.probe
    assert probe.get("active_fedipress-backup.timer") == "active", _tail(converge.boot_log)
    assert probe["backup_run"] == "ok", _tail(converge.boot_log)
    assert probe["backups"] == "1"
