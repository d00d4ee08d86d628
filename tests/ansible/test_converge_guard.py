"""The converge test says loudly why it cannot run, and CI turns that into a failure."""

from __future__ import annotations

import pytest

from tests.ansible import converge as converge_module
from tests.ansible.prerequisites import skip_or_fail


def test_non_root_is_reported_as_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(converge_module.os, "geteuid", lambda: 1000)
    assert "root" in converge_module.missing_prerequisite()


def test_missing_debootstrap_names_the_apt_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(converge_module.os, "geteuid", lambda: 0)
    monkeypatch.setattr(converge_module.shutil, "which",
                        lambda tool: None if tool == "debootstrap" else f"/usr/bin/{tool}")
    reason = converge_module.missing_prerequisite()
    assert "debootstrap" in reason and "systemd-container" in reason


@pytest.mark.parametrize(("value", "outcome"), [
    ("true", pytest.fail.Exception), ("1", pytest.fail.Exception), ("yes", pytest.fail.Exception),
    ("", pytest.skip.Exception), (None, pytest.skip.Exception),
])
def test_ci_variable_turns_skips_into_failures(
    monkeypatch: pytest.MonkeyPatch, value: str | None, outcome: type[BaseException]
) -> None:
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    with pytest.raises(outcome, match="debootstrap is missing"):
        skip_or_fail("converge test: debootstrap is missing")


def test_second_converge_waits_for_the_first_and_names_it_when_giving_up(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    # Concurrent converges broke each other's booted Caddy; they must take turns.
    monkeypatch.setattr(converge_module, "CACHE", tmp_path)
    with converge_module.one_converge_at_a_time() as waited:
        assert waited < 5
        with pytest.raises(RuntimeError, match=r"another converge run still holds .* pid \d+"):
            with converge_module.one_converge_at_a_time(timeout=0):
                pass
    with converge_module.one_converge_at_a_time(timeout=0):
        pass  # released: the next run gets it at once
