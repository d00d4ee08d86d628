"""Role templates rendered by Ansible on this machine (no root needed).

All cases render in one ansible-playbook run (a module fixture) to keep the suite quick.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.ansible.prerequisites import skip_or_fail

ROLE = Path(__file__).resolve().parents[2] / "ansible" / "roles" / "fedipress_inbox"
VENV_BIN = Path(sys.executable).parent
SECRET = 'a"b$HOME`c\\d\'e f'

TOPOLOGY = {"fedipress_inbox_database_engine": "postgresql", "fedipress_inbox_nodes": 2,
            "fedipress_inbox_run_worker": False}

# case name -> (template, variables on top of the role defaults)
CASES: dict[str, tuple[str, dict]] = {
    "env": ("inbox.env.j2", {"fedipress_inbox_environment": {"FEDIPRESS_TOKEN": SECRET}}),
    "config": ("inbox.toml.j2", {
        "fedipress_inbox_admins": ["@alice@blog.test"],
        "fedipress_inbox_extra_settings": {"webhook_timeout": 5, "note": 'say "hi"'},
    }),
    "config_no_proxy": ("inbox.toml.j2", {"fedipress_inbox_proxy": "none"}),
    "caddy": ("Caddyfile.j2", {"fedipress_inbox_metrics_allow": ["198.51.100.7"]}),
    "nginx": ("nginx.conf.j2", {"fedipress_inbox_metrics_allow": ["198.51.100.7"]}),
    "unit": ("fedipress-inbox.service.j2", {}),
    "worker": ("fedipress-worker.service.j2", {}),
    "backup": ("backup.sh.j2", {}),
    "wrapper": ("fedipress-inbox.sh.j2", {}),
    # The scale-out topology: PostgreSQL, two nodes, workers.
    "caddy_nodes": ("Caddyfile.j2", {"fedipress_inbox_nodes": 2}),
    "nginx_nodes": ("nginx.conf.j2", {"fedipress_inbox_nodes": 2}),
    "config_pg": ("inbox.toml.j2", TOPOLOGY),
    "unit_node2": ("fedipress-inbox.service.j2", {**TOPOLOGY, "fedipress_inbox_unit": {"key": "fedipress-inbox-2", "value": 8081}}),
    "worker_pg": ("fedipress-worker.service.j2", TOPOLOGY),
    "backup_pg": ("backup.sh.j2", TOPOLOGY),
    "preset_topology": ("fedipress.preset.j2", {**TOPOLOGY, "fedipress_inbox_workers": 2}),
}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    if not (VENV_BIN / "ansible-playbook").exists():
        skip_or_fail("ansible template tests: ansible-core is not in the venv: "
                     "pip install -e '.[lint]'")
    work = tmp_path_factory.mktemp("templates")
    tasks = [
        {"name": name, "ansible.builtin.template": {"src": str(ROLE / "templates" / src),
                                                    "dest": str(work / name), "mode": "0600"},
         "vars": {"fedipress_inbox_domain": "blog.test", **variables}}
        for name, (src, variables) in CASES.items()
    ]
    play = [{"hosts": "localhost", "gather_facts": False,
             "vars_files": [str(ROLE / "defaults" / "main.yml"), str(ROLE / "vars" / "main.yml")],
             "tasks": tasks}]
    playbook = work / "render.yml"
    playbook.write_text(json.dumps(play))
    proc = subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), "-c", "local", "-i", "localhost,",
         "-e", f"ansible_python_interpreter={sys.executable}", str(playbook)],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCAL_TEMP": str(work / "tmp")},
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return {name: (work / name).read_text() for name in CASES} | {"_dir": str(work)}


def test_secrets_with_quotes_dollars_and_backslashes_survive_the_env_file(rendered) -> None:
    env_file = Path(rendered["_dir"]) / "env"
    shell = subprocess.run(["sh", "-c", f'set -a; . "{env_file}"; printf %s "$FEDIPRESS_TOKEN"'],
                           capture_output=True, text=True, check=True, env={"PATH": "/usr/bin:/bin"})
    assert shell.stdout == SECRET


def test_config_is_valid_toml_with_extra_settings(rendered) -> None:
    config = tomllib.loads(rendered["config"])
    assert config["public_url"] == "https://blog.test"
    assert config["trust_forwarded"] is True
    assert config["host"] == "127.0.0.1"
    assert config["admins"] == ["@alice@blog.test"]
    assert config["webhook_timeout"] == 5
    assert config["note"] == 'say "hi"'


def test_without_a_proxy_the_inbox_does_not_trust_forwarded_headers(rendered) -> None:
    assert tomllib.loads(rendered["config_no_proxy"])["trust_forwarded"] is False


def test_metrics_allow_list_reaches_both_proxies(rendered) -> None:
    assert "not remote_ip 127.0.0.1 ::1 198.51.100.7" in rendered["caddy"]
    nginx = rendered["nginx"]
    assert "allow 198.51.100.7;" in nginx
    assert nginx.index("allow 198.51.100.7;") < nginx.index("deny all;")


# Spellings of /metrics a normalising server still routes to the metrics endpoint, as the
# proxies see them after decoding (%2f -> /) and, for nginx, merging slashes.
METRICS_SPELLINGS = ["/metrics", "/metrics/", "/metrics/x", "//metrics", "/METRICS", "/Metrics/"]
NOT_METRICS = ["/metricsx", "/v1/@metrics@blog.test/inbox", "/posts/metrics/"]


def _refusal_pattern(rendered_config: str, marker: str) -> re.Pattern[str]:
    line = next(line for line in rendered_config.splitlines() if marker in line)
    pattern = line.split(marker, 1)[1].strip().rstrip("{").strip()
    flags = re.IGNORECASE if "~*" in line else 0
    return re.compile(pattern.replace("(?i)", ""), flags | (re.IGNORECASE if "(?i)" in pattern else 0))


@pytest.mark.parametrize("spelling", METRICS_SPELLINGS)
def test_caddy_refuses_every_spelling_of_the_metrics_path(rendered, spelling: str) -> None:
    assert _refusal_pattern(rendered["caddy"], "path_regexp metrics").search(spelling)


@pytest.mark.parametrize("spelling", [s for s in METRICS_SPELLINGS if "//" not in s])
def test_nginx_refuses_every_spelling_of_the_metrics_path(rendered, spelling: str) -> None:
    assert _refusal_pattern(rendered["nginx"], "location ~*").search(spelling)


@pytest.mark.parametrize("path", NOT_METRICS)
def test_metrics_rule_leaves_other_paths_alone(rendered, path: str) -> None:
    assert not _refusal_pattern(rendered["caddy"], "path_regexp metrics").search(path)
    assert not _refusal_pattern(rendered["nginx"], "location ~*").search(path)


def test_caddy_admin_api_is_a_socket_not_a_port(rendered) -> None:
    assert "admin unix//run/caddy/admin.sock" in rendered["caddy"]
    assert "skip_install_trust" in rendered["caddy"]


def test_inbox_unit_waits_for_readiness_and_keeps_files_private(rendered) -> None:
    unit = rendered["unit"]
    assert "Type=notify" in unit.splitlines()
    assert "UMask=0077" in unit.splitlines()
    assert "ExecStart=/opt/fedipress/current/bin/fedipress inbox serve" in unit


def test_worker_unit_runs_the_worker_of_the_current_release(rendered) -> None:
    assert "ExecStart=/opt/fedipress/current/bin/fedipress inbox worker --config /etc/fedipress/inbox.toml" in rendered["worker"]


def test_helpers_write_copies_of_the_database_for_the_owner_only(rendered) -> None:
    assert "umask 077" in rendered["backup"].splitlines()
    assert "umask 077" in rendered["wrapper"].splitlines()


def test_default_proxies_forward_to_the_single_node_as_before(rendered) -> None:
    assert "reverse_proxy 127.0.0.1:8080\n" in rendered["caddy"]
    assert "upstream" not in rendered["nginx"]
    assert "proxy_pass http://127.0.0.1:8080;" in rendered["nginx"]


def test_caddy_balances_across_the_nodes_with_readiness_checks(rendered) -> None:
    caddy = rendered["caddy_nodes"]
    assert caddy.count("reverse_proxy 127.0.0.1:8080 127.0.0.1:8081 {") == 1
    for line in ("lb_policy round_robin", "health_uri /readyz", "lb_try_duration 10s"):
        assert line in caddy, line


def test_nginx_balances_across_the_nodes_and_retries_the_next(rendered) -> None:
    nginx = rendered["nginx_nodes"]
    assert "upstream fedipress_inbox {" in nginx
    assert "server 127.0.0.1:8081 max_fails=1 fail_timeout=10s;" in nginx
    assert "proxy_pass http://127.0.0.1:8080;" not in nginx
    assert "proxy_next_upstream error timeout http_502 http_503;" in nginx


def test_postgresql_config_has_the_url_but_no_password(rendered) -> None:
    config = tomllib.loads(rendered["config_pg"])
    assert config["database"] == "postgresql://fedipress@127.0.0.1:5432/fedipress"
    assert config["run_worker"] is False


def test_second_node_listens_on_the_next_port_and_reads_the_password_file(rendered) -> None:
    unit = rendered["unit_node2"].splitlines()
    assert "ExecStart=/opt/fedipress/current/bin/fedipress inbox serve --config /etc/fedipress/inbox.toml --port 8081" in unit
    assert "Environment=PGPASSFILE=/etc/fedipress/pgpass" in unit
    assert "Environment=PGPASSFILE=/etc/fedipress/pgpass" in rendered["worker_pg"].splitlines()
    assert "PGPASSFILE" not in rendered["unit"]


def test_postgresql_backup_is_a_pg_dump_for_the_owner_only(rendered) -> None:
    backup = rendered["backup_pg"]
    assert "umask 077" in backup.splitlines()
    assert "pg_dump --format=custom" in backup
    assert "ext=dump" in backup.splitlines()
    assert "pg_dump" not in rendered["backup"]


def test_preset_enables_every_node_and_worker(rendered) -> None:
    preset = rendered["preset_topology"].splitlines()
    for unit in ("fedipress-inbox", "fedipress-inbox-2", "fedipress-worker", "fedipress-worker-2"):
        assert f"enable {unit}.service" in preset, unit
