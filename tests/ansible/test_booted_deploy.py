"""What an operator does to a real host, in one booted container (systemd-nspawn --boot):
the very first run starts the services, then an upgrade, a rollback, deploys that fail
(a mistyped setting, a port the inbox cannot bind, a bad blocklist midway), the fixed
deploy, older code refused on a newer schema, and a reboot.

One boot of a bare Debian root covers it all (CI time). The container has no network
(--private-network): the role's Debian packages are downloaded into its apt cache from the
chroot beforehand and the Python wheels come from a local wheelhouse; everything else is
the role's own first run. Needs root, debootstrap and systemd-nspawn like test_converge.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ansible.converge import DOMAIN, Converge, Run, missing_prerequisite, one_converge_at_a_time
from tests.ansible.prerequisites import skip_or_fail

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

PACKAGES = "caddy python3-venv sqlite3 curl ca-certificates"
UNREACHABLE_BLOCKLIST = "http://127.0.0.1:9/blocklist.csv"
BAD_BLOCKLIST = "this is,not a blocklist\n"


def _facts(state: Converge, pid: int) -> dict[str, str]:
    """What the operator would look at after a run, from inside the container."""
    def sh(command: str) -> str:
        return state.in_container(pid, command)

    main_pid = sh("systemctl show -p MainPID --value fedipress-inbox")
    return {
        "inbox": sh("systemctl is-active fedipress-inbox"),
        "worker": sh("systemctl is-active fedipress-worker"),
        "caddy": sh("systemctl is-active caddy"),
        "pid": main_pid,
        "runs": sh(f"tr '\\0' ' ' < /proc/{main_pid}/cmdline") if main_pid != "0" else "",
        "current": sh("readlink /opt/fedipress/current"),
        "healthz_proxy": sh(
            "for i in $(seq 1 40); do c=$(curl -sk --max-time 5 -o /dev/null -w '%{http_code}' "
            f"--resolve {DOMAIN}:443:127.0.0.1 https://{DOMAIN}/healthz); [ $c = 200 ] && break;"
            " sleep 0.5; done; echo $c"),
        "before_backups": sh("ls /var/backups/fedipress | grep '^inbox-before-' | tr '\\n' ' '"),
        "failed_units": sh("systemctl list-units --failed --plain --no-legend | awk '{print $1}' | tr '\\n' ' '"),
        "log_level": sh("grep '^log_level' /etc/fedipress/inbox.toml"),
        "frozen": sh("/opt/fedipress/current/bin/pip freeze 2>/dev/null"),
    }


@pytest.fixture(scope="module")
def deploy(tmp_path_factory: pytest.TempPathFactory):
    reason = missing_prerequisite()
    if reason is not None:
        skip_or_fail(f"booted deploy test: {reason}")
    state = Converge(Path(tmp_path_factory.mktemp("booted")))
    facts: dict[str, dict[str, str]] = {}
    with one_converge_at_a_time() as waited:
        state.timings["waited for another converge"] = waited
        try:
            state.make_root()
            variables = state.make_inputs()
            state.predownload_packages(PACKAGES)
            state.make_wheel("0.1.1")
            bad_blocklist = state.work / "bad-blocklist.csv"
            bad_blocklist.write_text(BAD_BLOCKLIST)
            base = {**variables, "fedipress_inbox_manage_services": True,
                    "fedipress_inbox_run_worker": False, "fedipress_inbox_proxy": "caddy",
                    "fedipress_inbox_constraints": str(state.make_constraints())}
            steps = [
                ("first", base),
                ("again", base),
                ("upgrade", {**base, "fedipress_inbox_version": "0.1.1"}),
                ("rollback", {**base, "fedipress_inbox_version": "0.1.0"}),
                ("typo", {**base, "fedipress_inbox_extra_settings": {"webhok_timeout": 5}}),
                ("failed-midway", {**base, "fedipress_inbox_log_level": "debug",
                                   "fedipress_inbox_blocklist_src": str(bad_blocklist)}),
                ("port-taken", {**base, "fedipress_inbox_log_level": "debug",
                                "fedipress_inbox_listen_port": 443}),
                ("fixed", {**base, "fedipress_inbox_log_level": "debug",
                           "fedipress_inbox_blocklist_src": UNREACHABLE_BLOCKLIST}),
                ("fixed-again", {**base, "fedipress_inbox_log_level": "debug",
                                 "fedipress_inbox_blocklist_src": UNREACHABLE_BLOCKLIST}),
            ]
            with state.booted() as pid:
                facts["boot"] = _facts(state, pid)
                for label, step in steps:
                    state.apply(label, step, pid=pid)
                    facts[label] = _facts(state, pid)
                # A newer release migrated the database; then 0.1.1 is deployed again.
                state.in_container(pid, (
                    "runuser -u fedipress -- sqlite3 /var/lib/fedipress/inbox.sqlite3 "
                    "\"INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)\""))
                state.apply("newer-schema", {**steps[-1][1], "fedipress_inbox_version": "0.1.1"}, pid=pid)
                facts["newer-schema"] = _facts(state, pid)
                state.in_container(pid, (
                    "runuser -u fedipress -- sqlite3 /var/lib/fedipress/inbox.sqlite3 "
                    "'DELETE FROM schema_migrations WHERE version = 999'"))
            with state.booted() as pid:
                facts["reboot"] = _facts(state, pid)
            yield state, facts
            print("booted deploy timings (s):", {k: round(v, 1) for k, v in state.timings.items()})
        finally:
            state.remove_root()


def _run(deploy, label: str) -> Run:
    state, _ = deploy
    assert label in state.runs, f"run {label} did not happen"
    return state.runs[label]


def _tail(text: str, lines: int = 120) -> str:
    return "\n".join(text.splitlines()[-lines:])


def _ok(deploy, label: str) -> Run:
    run = _run(deploy, label)
    assert run.returncode == 0, _tail(run.output)
    return run


def test_first_run_on_a_booted_host_starts_everything_and_serves_through_the_proxy(deploy) -> None:
    _ok(deploy, "first")
    first = deploy[1]["first"]
    assert (first["inbox"], first["worker"], first["caddy"]) == ("active", "active", "active")
    assert first["healthz_proxy"] == "200"
    assert first["current"] == "/opt/fedipress/releases/0.1.0"


def test_second_run_on_the_booted_host_changes_nothing(deploy) -> None:
    run = _ok(deploy, "again")
    assert run.recap.get("changed") == 0, run.changed_tasks()


def test_release_installs_exactly_the_constraints_ci_built(deploy) -> None:
    state, facts = deploy
    def normal(pin: str) -> str:  # pip freeze keeps a project's own spelling (typing_extensions)
        return pin.lower().replace("_", "-")

    frozen = {normal(line) for line in facts["first"]["frozen"].splitlines()}
    pins = {normal(pin) for pin in (state.work / "constraints.txt").read_text().split()}
    assert pins and pins <= frozen, sorted(pins - frozen)


def test_upgrade_backs_up_the_database_then_runs_the_new_release(deploy) -> None:
    _ok(deploy, "upgrade")
    facts = deploy[1]
    upgraded = facts["upgrade"]
    assert upgraded["current"] == "/opt/fedipress/releases/0.1.1"
    assert "/opt/fedipress/releases/0.1.1/bin/python" in upgraded["runs"]
    assert upgraded["pid"] != facts["again"]["pid"]
    assert "inbox-before-0.1.1-" in upgraded["before_backups"]
    assert upgraded["healthz_proxy"] == "200"


def test_rollback_is_one_variable_and_reuses_the_kept_release(deploy) -> None:
    run = _ok(deploy, "rollback")
    rolled = deploy[1]["rollback"]
    assert rolled["current"] == "/opt/fedipress/releases/0.1.0"
    assert "/opt/fedipress/releases/0.1.0/bin/python" in rolled["runs"]
    assert "Create a fresh virtual environment for the release, as the fedipress user" not in run.changed_tasks()
    assert rolled["healthz_proxy"] == "200"


def test_mistyped_setting_fails_the_deploy_and_leaves_the_inbox_running(deploy) -> None:
    run = _run(deploy, "typo")
    facts = deploy[1]
    assert run.returncode != 0
    assert "webhok_timeout" in run.output, _tail(run.output)
    assert facts["typo"]["inbox"] == "active"
    assert facts["typo"]["pid"] == facts["rollback"]["pid"], "not restarted onto the bad settings"
    assert facts["typo"]["healthz_proxy"] == "200"


def test_inbox_that_cannot_come_up_fails_the_deploy(deploy) -> None:
    # check-config cannot know the port is taken (Caddy holds 443, and it is privileged):
    # only readiness can.
    run = _run(deploy, "port-taken")
    assert run.returncode != 0, _tail(run.output)
    assert "Restart the fedipress inbox" in run.output
    assert deploy[1]["port-taken"]["inbox"] != "active"


def test_restarts_queued_before_a_failure_still_happen(deploy) -> None:
    run = _run(deploy, "failed-midway")
    after = deploy[1]["failed-midway"]
    assert run.returncode != 0
    assert "not a usable blocklist" in run.output, _tail(run.output)
    # The config changed before the blocklist failed: the forced handlers restarted the
    # inbox onto it, instead of leaving it for a later run that sees nothing to change.
    assert after["log_level"] == 'log_level = "debug"'
    assert after["pid"] != deploy[1]["typo"]["pid"], "the queued restart happened"
    assert after["inbox"] == "active"
    assert after["healthz_proxy"] == "200"


def test_fixed_deploy_converges_and_an_unreachable_blocklist_only_warns(deploy) -> None:
    run = _ok(deploy, "fixed")
    assert f"WARNING: the blocklist {UNREACHABLE_BLOCKLIST} could not be fetched" in run.output
    again = _ok(deploy, "fixed-again")
    assert again.recap.get("changed") == 0, again.changed_tasks()
    failed = deploy[1]["fixed-again"]["failed_units"].split()
    assert not [unit for unit in failed if unit.startswith(("fedipress", "caddy"))], failed


def test_older_release_on_a_newer_schema_is_refused_and_the_running_one_kept(deploy) -> None:
    run = _run(deploy, "newer-schema")
    refused = deploy[1]["newer-schema"]
    assert run.returncode != 0
    assert "Fedipress 0.1.1 refuses to start here" in run.output, _tail(run.output)
    assert "database schema is at 999" in run.output
    assert refused["current"] == "/opt/fedipress/releases/0.1.0"
    assert refused["inbox"] == "active"


def test_after_a_reboot_everything_is_up(deploy) -> None:
    reboot = deploy[1]["reboot"]
    assert (reboot["inbox"], reboot["worker"], reboot["caddy"]) == ("active", "active", "active")
    assert reboot["healthz_proxy"] == "200"
    assert reboot["failed_units"].split() == []
