"""The scale-out topology of docs/deploy.md on one booted host playing every part: Debian's
PostgreSQL with a role and database the role made (its password generated on the controller),
two `fedipress inbox serve` nodes on ports 8080 and 8081, one `fedipress inbox worker`, and
Caddy balancing across the nodes with /readyz health checks. Converged twice (the second run
changes nothing), then probed: each node answers, the proxy answers with either node stopped,
pg_dump backups run on the backup timer's service, and the documented pg_restore brings the
database back.

Needs root, debootstrap and systemd-nspawn like test_converge; the container has no network:
the Debian packages are downloaded into its apt cache first, the wheels (psycopg's included)
come from a local wheelhouse.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ansible.converge import DOMAIN, Converge, Run, missing_prerequisite, one_converge_at_a_time
from tests.ansible.prerequisites import skip_or_fail

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]

PACKAGES = "caddy postgresql python3-venv sqlite3 curl ca-certificates"
NODES = {"fedipress-inbox": 8080, "fedipress-inbox-2": 8081}
UNITS = (*NODES, "fedipress-worker", "caddy", "postgresql")


def _proxy_healthz(state: Converge, pid: int, tries: int = 40) -> str:
    """/healthz through Caddy (https, its internal CA), retried until 200 or out of tries."""
    return state.in_container(pid, (
        f"for i in $(seq 1 {tries}); do c=$(curl -sk --max-time 5 -o /dev/null -w '%{{http_code}}' "
        f"--resolve {DOMAIN}:443:127.0.0.1 https://{DOMAIN}/healthz); [ $c = 200 ] && break;"
        " sleep 0.5; done; echo $c"), timeout=120)


def _probe(state: Converge, pid: int) -> dict[str, str]:
    def sh(command: str, timeout: float = 60) -> str:
        return state.in_container(pid, command, timeout=timeout)

    facts: dict[str, str] = {}
    for unit in UNITS:
        facts[f"active {unit}"] = sh(f"systemctl is-active {unit}")
        facts[f"enabled {unit}"] = sh(f"systemctl is-enabled {unit}")
    for unit, port in NODES.items():
        facts[f"direct {unit}"] = sh(
            f"for i in $(seq 1 60); do c=$(curl -s --max-time 2 -o /dev/null -w '%{{http_code}}' "
            f"http://127.0.0.1:{port}/readyz); [ $c = 200 ] && break; sleep 0.5; done; echo $c")
        facts[f"runs {unit}"] = sh(
            f"tr '\\0' ' ' < /proc/$(systemctl show -p MainPID --value {unit})/cmdline")
    facts["worker runs"] = sh(
        "tr '\\0' ' ' < /proc/$(systemctl show -p MainPID --value fedipress-worker)/cmdline")
    facts["proxy"] = _proxy_healthz(state, pid)
    # Either node alone still serves through the proxy: both are in its rotation.
    for unit in NODES:
        sh(f"systemctl stop {unit}")
        facts[f"proxy without {unit}"] = _proxy_healthz(state, pid, tries=20)
        sh(f"systemctl start {unit}", timeout=90)
    facts["psycopg"] = sh("/opt/fedipress/current/bin/python -c 'import psycopg, psycopg_pool; print(\"ok\")'")
    facts["pgpass mode"] = sh("stat -c '%a %U' /etc/fedipress/pgpass")
    facts["blocklist rows"] = sh(
        "runuser -u postgres -- psql -d fedipress -tAc 'SELECT count(*) FROM domain_blocks'")
    # The backup timer's service, twice a little apart (names carry the second).
    facts["backup"] = sh("systemctl start fedipress-backup.service && sleep 1.2 && "
                         "systemctl start fedipress-backup.service && echo ok", timeout=120)
    facts["dumps"] = sh("ls /var/backups/fedipress | grep -cE '^inbox-[0-9]{8}T[0-9]{6}Z\\.dump$'")
    facts["dump modes"] = sh("stat -c '%a %U' /var/backups/fedipress/inbox-*.dump | sort -u | tr '\\n' ' '")
    # The restore steps of docs/deploy.md: stop the nodes and workers, pg_restore the newest
    # dump over the database, start them again. A row added after the dump must be gone.
    sh("runuser -u postgres -- psql -d fedipress -c "
       "\"INSERT INTO domain_blocks (domain, severity, created_at, updated_at) VALUES ('after-the-dump.test', 'suspend', 0, 0)\"")
    facts["restore"] = sh(
        "set -e; newest=$(ls /var/backups/fedipress/inbox-*.dump | sort | tail -n1);"
        " systemctl stop fedipress-inbox fedipress-inbox-2 fedipress-worker;"
        " runuser -u postgres -- pg_restore --clean --if-exists --dbname=fedipress < \"$newest\";"
        " systemctl start fedipress-inbox fedipress-inbox-2 fedipress-worker; echo ok 2>&1", timeout=180)
    facts["after restore rows"] = sh(
        "runuser -u postgres -- psql -d fedipress -tAc "
        "\"SELECT count(*) FROM domain_blocks WHERE domain = 'after-the-dump.test'\"")
    facts["after restore proxy"] = _proxy_healthz(state, pid)
    facts["failed units"] = sh("systemctl list-units --failed --plain --no-legend | awk '{print $1}' | tr '\\n' ' '")
    return facts


@pytest.fixture(scope="module")
def topology(tmp_path_factory: pytest.TempPathFactory):
    reason = missing_prerequisite()
    if reason is not None:
        skip_or_fail(f"topology test: {reason}")
    state = Converge(Path(tmp_path_factory.mktemp("topology")))
    facts: dict[str, str] = {}
    with one_converge_at_a_time() as waited:
        state.timings["waited for another converge"] = waited
        try:
            state.make_root()
            variables = state.make_inputs(extras="postgresql")
            state.predownload_packages(PACKAGES)
            topology_vars = {
                **variables,
                "fedipress_inbox_manage_services": True,
                "fedipress_inbox_proxy": "caddy",
                "fedipress_inbox_database_engine": "postgresql",
                "fedipress_inbox_credentials_dir": str(state.work / "credentials"),
                "fedipress_inbox_nodes": len(NODES),
                "fedipress_inbox_run_worker": False,
                "fedipress_inbox_workers": 1,
            }
            with state.booted() as pid:
                if (state.apply("topology-1", topology_vars, pid=pid).returncode == 0
                        and state.apply("topology-2", topology_vars, pid=pid).returncode == 0):
                    facts = _probe(state, pid)
            yield state, facts
            print("topology timings (s):", {k: round(v, 1) for k, v in state.timings.items()})
        finally:
            state.remove_root()


def _ok(topology, label: str) -> Run:
    state, _ = topology
    assert label in state.runs, f"run {label} did not happen"
    run = state.runs[label]
    assert run.returncode == 0, "\n".join(run.output.splitlines()[-150:])
    return run


def _facts(topology) -> dict[str, str]:
    _ok(topology, "topology-2")
    return topology[1]


def test_first_run_deploys_the_topology(topology) -> None:
    run = _ok(topology, "topology-1")
    assert run.recap.get("changed", 0) > 0
    facts = _facts(topology)
    for unit in UNITS:
        assert facts[f"active {unit}"] == "active", (unit, facts)
        assert facts[f"enabled {unit}"] == "enabled", (unit, facts)


def test_second_run_changes_nothing(topology) -> None:
    run = _ok(topology, "topology-2")
    assert run.recap.get("changed") == 0, run.changed_tasks()


def test_each_node_serves_on_its_own_port_without_a_worker(topology) -> None:
    facts = _facts(topology)
    for unit, port in NODES.items():
        assert facts[f"direct {unit}"] == "200", unit
        assert "inbox serve" in facts[f"runs {unit}"]
        assert (f"--port {port}" in facts[f"runs {unit}"]) == (port != 8080)
    assert "inbox worker" in facts["worker runs"]
    config = (topology[0].root / "etc/fedipress/inbox.toml").read_text()
    assert "run_worker = false" in config


def test_proxy_balances_across_the_nodes_and_routes_around_a_stopped_one(topology) -> None:
    facts = _facts(topology)
    assert facts["proxy"] == "200"
    for unit in NODES:
        assert facts[f"proxy without {unit}"] == "200", f"{unit} stopped: the other node answers"
    caddyfile = (topology[0].root / "etc/caddy/Caddyfile").read_text()
    assert "reverse_proxy 127.0.0.1:8080 127.0.0.1:8081 {" in caddyfile
    assert "health_uri /readyz" in caddyfile


def test_postgresql_password_is_generated_on_the_controller_and_kept_out_of_the_config(topology) -> None:
    state, facts = topology
    _facts(topology)
    secrets = list((state.work / "credentials").iterdir())
    assert len(secrets) == 1, secrets
    password = secrets[0].read_text().split()[0]
    assert len(password) >= 32
    config = (state.root / "etc/fedipress/inbox.toml").read_text()
    assert 'database = "postgresql://fedipress@127.0.0.1:5432/fedipress"' in config
    assert password not in config
    assert password in (state.root / "etc/fedipress/pgpass").read_text()
    assert facts["pgpass mode"] == "600 fedipress"
    assert facts["psycopg"] == "ok", "the release has fedipress[postgresql]"


def test_blocklist_is_imported_into_postgresql(topology) -> None:
    assert int(_facts(topology)["blocklist rows"]) >= 1


def test_backup_timer_service_dumps_postgresql_for_the_service_user_only(topology) -> None:
    facts = _facts(topology)
    assert facts["backup"] == "ok"
    assert facts["dumps"] == "2"
    assert facts["dump modes"].strip() == "600 fedipress"


def test_documented_pg_restore_brings_the_database_back(topology) -> None:
    facts = _facts(topology)
    assert facts["restore"].endswith("ok"), facts["restore"]
    assert facts["after restore rows"] == "0", "the row added after the dump is gone"
    assert facts["after restore proxy"] == "200"
    failed = [unit for unit in facts["failed units"].split()
              if unit.startswith(("fedipress", "caddy", "postgresql"))]
    assert failed == [], facts["failed units"]
