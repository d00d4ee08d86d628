"""The role converges a fresh Debian bookworm root, changes nothing the second time, and
the result boots into a running, proxied, backed-up inbox.

Needs root, debootstrap and systemd-nspawn (apt: debootstrap systemd-container) and
reaches the Debian mirror this machine's apt uses. Under CI=true a missing prerequisite
fails the test instead of skipping it.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.ansible.converge import (
    DOCUMENT_URLS,
    PROXIES,
    Run,
    DOMAIN,
    SITE_FILES,
    Converge,
    missing_prerequisite,
    one_converge_at_a_time,
)
from tests.ansible.prerequisites import skip_or_fail

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def converge(tmp_path_factory: pytest.TempPathFactory):
    """Caddy: converge twice, boot, probe; then switch to nginx: converge twice, boot, probe."""
    reason = missing_prerequisite()
    if reason is not None:
        skip_or_fail(f"converge test: {reason}")
    work = Path(tmp_path_factory.mktemp("converge"))
    state = Converge(work)
    with one_converge_at_a_time() as waited:
        state.timings["waited for another converge"] = waited
        try:
            state.make_root()
            variables = state.make_inputs()
            # Automatic TLS for a name no DNS knows stops before anything is installed.
            state.apply("tls-auto", {**variables, "fedipress_inbox_caddy_tls": "auto"})
            # A fresh checkout (site.yml builds the wheel) previewed against a fresh host.
            fresh = {k: v for k, v in variables.items() if k != "fedipress_inbox_wheel"}
            state.apply("check-fresh", fresh, options=("--check", "--diff"))
            for proxy in PROXIES:
                variables = {**variables, "fedipress_inbox_proxy": proxy}
                state.enter_root()
                if not (_converged(state, f"{proxy}-1", variables)
                        and _converged(state, f"{proxy}-2", variables)):
                    break
                if proxy == "caddy":
                    state.apply("check-converged", variables, options=("--check", "--diff"))
                state.boot_and_probe(proxy)
                if proxy == "caddy":
                    _change_while_running(state, variables)
            else:
                # Without the site (the default) the proxy forwards every path to the inbox,
                # which routes /metrics/, /metrics%2f and //metrics to its metrics.
                for proxy in ("nginx", "caddy"):
                    state.enter_root()
                    nosite = {**variables, "fedipress_inbox_proxy": proxy,
                              "fedipress_inbox_site_enabled": False}
                    if _converged(state, f"{proxy}-nosite", nosite):
                        state.boot_and_probe(proxy, label=f"{proxy}-nosite")
            yield state
            print("converge timings (s):", {k: round(v, 1) for k, v in state.timings.items()})
        finally:
            state.remove_root()


def _converged(state: Converge, label: str, variables: dict, pid: int | None = None) -> bool:
    return state.apply(label, variables, pid=pid).returncode == 0


def _change_while_running(state: Converge, variables: dict) -> None:
    """Boot, then apply a changed inbox setting and a changed proxy setting with services
    managed: the inbox restarts, Caddy reloads in place; a further run changes nothing."""
    live = {**variables, "fedipress_inbox_manage_services": True,
            "fedipress_inbox_log_level": "debug",
            "fedipress_inbox_metrics_allow": ["192.0.2.99"]}
    with state.booted() as pid:
        def main_pid(unit: str) -> str:
            return state.in_container(pid, f"systemctl show -p MainPID --value {unit}")

        before = {unit: main_pid(unit) for unit in ("fedipress-inbox", "caddy")}
        if _converged(state, "live-1", live, pid) and _converged(state, "live-2", live, pid):
            healthz = state.in_container(pid, (
                "for i in $(seq 1 60); do c=$(curl -s -o /dev/null -w '%{http_code}' "
                "http://127.0.0.1:8080/healthz); [ $c = 200 ] && break; sleep 0.5; done; echo $c"))
            state.probes["live"] = {
                **{f"before {u}": p for u, p in before.items()},
                **{f"after {u}": main_pid(u) for u in before},
                "healthz": healthz,
                "caddyfile": (state.root / "etc/caddy/Caddyfile").read_text(),
            }


def _run(converge: Converge, label: str) -> Run:
    assert label in converge.runs, f"run {label} did not happen (an earlier one failed)"
    return converge.runs[label]


def _probe(converge: Converge, proxy: str) -> dict[str, str]:
    probe = converge.probes.get(proxy, {})
    assert probe.get("done") == "yes", _tail(converge.boot_logs.get(proxy, "not booted"))
    return probe


def _inside(converge: Converge, path: str) -> Path:
    return converge.root / path.lstrip("/")


def _tail(text: str, lines: int = 60) -> str:
    return "\n".join(text.splitlines()[-lines:])


@pytest.mark.parametrize("proxy", PROXIES)
def test_first_run_converges(converge: Converge, proxy: str) -> None:
    run = _run(converge, f"{proxy}-1")
    assert run.returncode == 0, _tail(run.output, 250)
    assert run.recap.get("failed") == 0
    assert run.recap.get("changed", 0) > 0


@pytest.mark.parametrize("label", [f"{proxy}-2" for proxy in PROXIES] + ["live-2"])
def test_second_run_changes_nothing(converge: Converge, label: str) -> None:
    run = _run(converge, label)
    assert run.returncode == 0, _tail(run.output, 250)
    assert run.recap.get("changed") == 0, run.changed_tasks()
    assert run.recap.get("failed") == 0


def test_changed_setting_restarts_the_inbox_and_only_reloads_caddy(converge: Converge) -> None:
    run = _run(converge, "live-1")
    assert run.returncode == 0, _tail(run.output, 250)
    assert "Restart the fedipress inbox" in run.changed_tasks()
    assert "Reload caddy" in run.changed_tasks()
    assert "Restart the backup timer" not in run.changed_tasks()
    live = converge.probes["live"]
    assert live["after fedipress-inbox"] != live["before fedipress-inbox"], "inbox restarted"
    assert live["after caddy"] == live["before caddy"] != "0", "caddy reloaded in place"
    assert live["healthz"] == "200"
    assert "192.0.2.99" in live["caddyfile"]


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


def test_automatic_tls_for_a_name_that_does_not_resolve_fails_before_any_change(
    converge: Converge,
) -> None:
    run = _run(converge, "tls-auto")
    assert run.returncode != 0
    assert f"{DOMAIN} does not resolve on this host" in run.output, _tail(run.output)
    assert run.recap.get("changed") == 0


@pytest.mark.parametrize("label", ["check-fresh", "check-converged"])
def test_check_mode_runs_clean(converge: Converge, label: str) -> None:
    run = _run(converge, label)
    assert run.returncode == 0, _tail(run.output, 250)
    assert run.recap.get("failed") == 0
    if label == "check-converged":
        assert run.recap.get("changed") == 0, run.changed_tasks()


def test_virtualenv_belongs_to_the_service_user(converge: Converge) -> None:
    # `current` is an absolute link inside the root: follow it there.
    venv_python = _inside(converge, "/opt/fedipress/releases/0.1.0/bin/python")
    passwd = _inside(converge, "/etc/passwd").read_text()
    entry = next(line for line in passwd.splitlines() if line.startswith("fedipress:"))
    uid = int(entry.split(":")[2])
    assert entry.endswith(":/usr/sbin/nologin")
    assert uid < 1000, "a system user"
    assert venv_python.lstat().st_uid == uid
    assert _inside(converge, "/opt/fedipress/releases/0.1.0/bin/fedipress").exists()
    current = _inside(converge, "/opt/fedipress/current")
    assert current.is_symlink() and str(current.readlink()) == "/opt/fedipress/releases/0.1.0"


def test_unit_is_hardened_and_restarts_on_failure(converge: Converge) -> None:
    unit = _inside(converge, "/etc/systemd/system/fedipress-inbox.service").read_text()
    for line in ("Type=notify", "UMask=0077",
        "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
        "ReadWritePaths=/var/lib/fedipress", "Restart=on-failure", "User=fedipress",
        "EnvironmentFile=-/etc/fedipress/inbox.env",
    ):
        assert line in unit.splitlines(), line
    enabled = _inside(converge, "/etc/systemd/system/multi-user.target.wants/fedipress-inbox.service")
    assert enabled.is_symlink()


@pytest.mark.parametrize("proxy", PROXIES)
def test_booted_inbox_answers_healthz_on_loopback_only(converge: Converge, proxy: str) -> None:
    probe = _probe(converge, proxy)
    assert probe["active_fedipress-inbox.service"] == "active", _tail(converge.boot_logs[proxy])
    assert probe["healthz_direct"] == "200", _tail(converge.boot_logs[proxy])
    # 0100007F:1F90 is 127.0.0.1:8080 in /proc/net/tcp: nothing else listens on 8080.
    assert probe["listening_8080"].split() == ["0100007F:1F90"]


@pytest.mark.parametrize("proxy", PROXIES)
def test_proxy_forwards_inbox_routes(converge: Converge, proxy: str) -> None:
    probe = _probe(converge, proxy)
    assert probe[f"active_{proxy}.service"] == "active", _tail(converge.boot_logs[proxy])
    assert probe["healthz_proxy"].split()[0] == "200", probe
    assert probe["readyz_proxy"].split()[0] == "200", probe
    assert probe["metrics_loopback"].split()[0] == "200", probe


@pytest.mark.parametrize("proxy", PROXIES)
def test_proxy_refuses_metrics_to_other_addresses(converge: Converge, proxy: str) -> None:
    code = _probe(converge, proxy)["metrics_other_address"].split()[0]
    assert code == "403"


@pytest.mark.parametrize("proxy", [*PROXIES, "caddy-nosite", "nginx-nosite"])
@pytest.mark.parametrize("variant", ["/metrics/", "/metrics%2f", "/metrics%2F", "//metrics", "/METRICS",
                                     "/Metrics/", "/./metrics", "/x/../metrics"])
def test_proxy_refuses_metrics_however_the_path_is_spelled(
    converge: Converge, proxy: str, variant: str
) -> None:
    code = _probe(converge, proxy)[f"metrics_variant {variant}"].split()[0]
    assert code in {"403", "404", "400"}, f"{variant} through {proxy}: {code}"


@pytest.mark.parametrize("proxy", PROXIES)
def test_database_and_backups_are_for_the_service_user_only(converge: Converge, proxy: str) -> None:
    probe = _probe(converge, proxy)
    assert probe["mode_database"] == "600 fedipress"
    assert probe["mode_backups"].strip() == "600 fedipress"
    assert probe["mode_backup_dir"] == "700 fedipress"
    assert probe["mode_backup_by_hand"] == "600 fedipress"


@pytest.mark.parametrize("proxy", PROXIES)
def test_journald_files_warnings_at_warning_priority(converge: Converge, proxy: str) -> None:
    probe = _probe(converge, proxy)
    assert int(probe["journal_warning_lines"]) >= 1, _tail(converge.boot_logs[proxy])
    assert probe["journal_prefix_left"] == "0", "journald strips the <N> prefix"


@pytest.mark.parametrize("proxy", PROXIES)
@pytest.mark.parametrize("url", DOCUMENT_URLS)
def test_static_site_is_served_with_sitegen_content_types(
    converge: Converge, proxy: str, url: str
) -> None:
    from sitegen.content_types import content_type_for

    code, _, content_type = _probe(converge, proxy)[f"doc {url}"].partition(" ")
    assert code == "200", "no redirect, no error for a document URL"
    assert _media_type(content_type) == _media_type(content_type_for(_served_file(url)))


@pytest.mark.parametrize("proxy", PROXIES)
def test_federation_documents_allow_cross_origin_reads(converge: Converge, proxy: str) -> None:
    assert _probe(converge, proxy)["cors"] == "*"


def _served_file(url: str) -> str:
    """The site file a URL is answered from: a directory's index.html."""
    path = url.split("?", 1)[0].strip("/")
    if path == "" or f"{path}/index.html" in SITE_FILES:
        return f"{path}/index.html".lstrip("/")
    return path


def _media_type(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


@pytest.mark.parametrize("proxy", PROXIES)
def test_backup_timer_runs_backups_and_keeps_the_newest_two(converge: Converge, proxy: str) -> None:
    probe = _probe(converge, proxy)
    assert probe["active_fedipress-backup.timer"] == "active", _tail(converge.boot_logs[proxy])
    assert probe["backup_run"] == "ok", _tail(converge.boot_logs[proxy])
    # Two per boot; the nginx boot comes second and keep=2 leaves only its two.
    assert probe["backups"] == "2"


@pytest.mark.parametrize("proxy", PROXIES)
def test_documented_restore_brings_back_the_imported_blocklist(converge: Converge, proxy: str) -> None:
    probe = _probe(converge, proxy)
    assert probe["restore_integrity"] == "ok"
    assert int(probe["restore_blocklist_rows"]) >= 1, "the blocklist import reached the database"
    assert probe["restore_healthz"] == "200", _tail(converge.boot_logs[proxy])


def test_inbox_unit_exposure_is_rated_ok_by_systemd(converge: Converge) -> None:
    exposure = _probe(converge, "caddy")["exposure"]
    assert exposure.endswith(("OK :-)", "SAFE :-)")), exposure


def test_caddy_admin_api_is_for_caddy_and_root_only(converge: Converge) -> None:
    probe = _probe(converge, "caddy")
    # Debian's caddy-api.service (Caddy on 127.0.0.1:2019) would be enabled by the first
    # boot's preset-all: the role masks it.
    assert probe["enabled_caddy-api.service"] == "masked", probe.get("active_caddy-api.service")
    assert probe["caddy_admin_tcp"] == "000", "nothing listens on 127.0.0.1:2019"
    assert probe["caddy_admin_as_fedipress"] == "000", "the inbox's user cannot reach the socket"
    # Root reaches the API (Caddy answers, refusing this curl's Host header with 403); that
    # the API works for `caddy reload` is shown by the live run's in-place reload.
    assert probe["caddy_admin_as_root"] != "000"


@pytest.mark.parametrize("proxy", PROXIES)
def test_boot_keeps_the_worker_and_the_other_proxy_the_role_disabled(
    converge: Converge, proxy: str
) -> None:
    # The caddy boot is the root's first: systemd's preset-all enables every installed unit
    # unless a preset (the role's) says otherwise.
    probe = _probe(converge, proxy)
    other = "nginx" if proxy == "caddy" else "caddy"
    assert probe["enabled_fedipress-worker.service"] == "disabled", "the inbox runs its own worker"
    assert probe["active_fedipress-worker.service"] == "inactive"
    assert probe[f"enabled_{proxy}.service"] == "enabled"
    assert probe[f"enabled_{other}.service"] in {"disabled", ""}, "not installed or disabled"
    assert probe[f"active_{other}.service"] == "inactive"


def test_caddy_neither_tries_sudo_nor_leaves_a_ca_in_root(converge: Converge) -> None:
    probe = _probe(converge, "caddy")
    assert probe["caddy_sudo_lines"] == "0"
    assert probe["root_caddy_data"] == "0"
