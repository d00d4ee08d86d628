"""fedicore.config: typed TOML with errors that name the line to fix."""

from __future__ import annotations

import msgspec
import pytest

from fedicore.config import line_of_key, load_toml_text
from fedicore.errors import ConfigError


class Inner(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    port: int = 0


class Sample(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: str
    server: Inner = Inner()


def test_valid_text_converts_to_the_struct():
    assert load_toml_text('name = "x"\n[server]\nport = 8', Sample, path="c.toml") == \
        Sample(name="x", server=Inner(port=8))


def test_unknown_key_in_a_table_points_at_its_line():
    with pytest.raises(ConfigError) as caught:
        load_toml_text('name = "x"\n\n[server]\nport = 1\nhost = "a"\n', Sample, path="c.toml")
    assert str(caught.value) == "c.toml:5: unknown key 'host'"
    assert caught.value.exit_code == 2


def test_wrong_type_names_key_and_line():
    with pytest.raises(ConfigError) as caught:
        load_toml_text('name = "x"\n[server]\nport = "eighty"\n', Sample, path="c.toml")
    assert str(caught.value).startswith("c.toml:3: server.port: Expected `int`, got `str`")


def test_missing_required_key_is_reported():
    with pytest.raises(ConfigError, match="name"):
        load_toml_text("[server]\nport = 1\n", Sample, path="c.toml")


def test_syntax_error_line_is_shifted_by_the_offset():
    with pytest.raises(ConfigError) as caught:
        load_toml_text('name = "x"\nbroken = \n', Sample, path="p.md", line_offset=1)
    assert str(caught.value).startswith("p.md:3: ")


def test_same_key_in_two_tables_is_found_in_the_right_one():
    text = "[a]\nport = 1\n[b]\nport = 2\n"
    assert line_of_key(text, ["b", "port"]) == 4
    assert line_of_key(text, ["a", "port"]) == 2
