"""The playbook and role pass ansible-lint's production profile and a syntax check.

Needs ansible-core and ansible-lint in the venv (pyproject extra "lint"); under CI=true
their absence fails instead of skipping.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.ansible.prerequisites import skip_or_fail

ANSIBLE_DIR = Path(__file__).resolve().parents[2] / "ansible"
VENV_BIN = Path(sys.executable).parent


def _tool(name: str) -> Path:
    path = VENV_BIN / name
    if not path.exists():
        skip_or_fail(f"ansible lint: {name} is not in the venv: pip install -e '.[lint]'")
    return path


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ANSIBLE_NOCOLOR": "1", "NO_COLOR": "1",
           "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}"}
    return subprocess.run(argv, cwd=ANSIBLE_DIR, env=env, capture_output=True, text=True,
                          timeout=240, check=False)


def test_playbook_passes_syntax_check() -> None:
    proc = _run(str(_tool("ansible-playbook")), "--syntax-check", "site.yml")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_role_and_playbook_pass_ansible_lint_production_profile() -> None:
    proc = _run(str(_tool("ansible-lint")), "--profile", "production", "--offline")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert "Profile 'production' was required, and it passed" in proc.stdout + proc.stderr
