"""meta/argument_specs.yml types every variable of defaults/main.yml, so a wrong type (an
`admins` string, a word for a number) stops the run before the role changes anything."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.ansible.prerequisites import skip_or_fail

ROLE = Path(__file__).resolve().parents[2] / "ansible" / "roles" / "fedipress_inbox"
VENV_BIN = Path(sys.executable).parent


def _specs() -> dict:
    return yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]


def test_every_default_has_an_argument_spec_and_nothing_else_does() -> None:
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    assert sorted(_specs()) == sorted(defaults)


def test_argument_spec_types_match_the_defaults() -> None:
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    kinds = {bool: "bool", int: "int", str: "str", list: "list", dict: "dict"}
    for name, spec in _specs().items():
        assert spec["type"] == kinds[type(defaults[name])], name
        assert spec.get("description"), name


def test_wrongly_typed_variables_stop_the_run_before_any_task(tmp_path: Path) -> None:
    if not (VENV_BIN / "ansible-playbook").exists():
        skip_or_fail("argument spec test: ansible-core is not in the venv: pip install -e '.[lint]'")
    play = [{"hosts": "localhost", "gather_facts": False, "roles": [str(ROLE)]}]
    (tmp_path / "play.yml").write_text(json.dumps(play))
    # The domain is left empty: were the types not checked, the role's first assert stops it.
    bad = {"fedipress_inbox_releases_keep": "three", "fedipress_inbox_manage_services": "perhaps"}
    proc = subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), "-c", "local", "-i", "localhost,",
         "-e", f"ansible_python_interpreter={sys.executable}", "-e", json.dumps(bad),
         str(tmp_path / "play.yml")],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCAL_TEMP": str(tmp_path / "tmp")},
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "Validating arguments against arg spec" in output
    assert "fedipress_inbox_releases_keep" in output and "fedipress_inbox_manage_services" in output
    assert "Check the variables a deployment cannot do without" not in output
