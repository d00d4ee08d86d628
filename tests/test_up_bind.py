"""`fedipress up` listens on loopback unless told otherwise, and lets the inbox fetch private
addresses only when nothing but this machine can reach it."""

from __future__ import annotations

from click.testing import CliRunner

from fedipress.up import inbox_overrides, up_command


def test_up_binds_loopback_even_when_inbox_url_names_every_address(tmp_path) -> None:
    overrides = inbox_overrides("http://0.0.0.0:8080", host=None, data_dir=tmp_path)
    assert overrides["host"] == "127.0.0.1"
    assert overrides["port"] == 8080
    assert overrides["allow_private_fetch"] is True  # loopback only: local testing


def test_a_non_loopback_bind_never_forces_private_fetching(tmp_path) -> None:
    for host in ("0.0.0.0", "192.168.1.20", "::"):
        overrides = inbox_overrides("http://127.0.0.1:8080", host=host, data_dir=tmp_path)
        assert overrides["host"] == host
        assert "allow_private_fetch" not in overrides, host


def test_an_ipv6_loopback_bind_may_fetch_private_addresses(tmp_path) -> None:
    overrides = inbox_overrides("http://[::1]:8080", host="::1", data_dir=tmp_path)
    assert overrides["allow_private_fetch"] is True


def test_up_help_says_where_it_listens_and_how_to_change_it() -> None:
    text = CliRunner().invoke(up_command, ["--help"]).output
    assert "127.0.0.1" in text and "--host" in text
