"""Every command's `--help`, walked from the top: a summary, help for each option, and an
example of the command as a user types it."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from fedipress.cli import cli


def _commands() -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = [()]

    def walk(group: click.Group, ctx: click.Context, path: tuple[str, ...]) -> None:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            found.append((*path, name))
            if isinstance(command, click.Group):
                walk(command, click.Context(command, parent=ctx, info_name=name), (*path, name))

    walk(cli, click.Context(cli, info_name="fedipress"), ())
    return found


COMMANDS = _commands()


def _command(path: tuple[str, ...]) -> click.Command:
    command, ctx = cli, click.Context(cli, info_name="fedipress")
    for name in path:
        command = command.get_command(ctx, name)
        ctx = click.Context(command, parent=ctx, info_name=name)
    return command


def test_the_walk_finds_the_publisher_and_inbox_commands() -> None:
    assert {("build",), ("check",), ("init",), ("up",), ("inbox", "serve")} <= set(COMMANDS)


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "fedipress")
def test_every_help_has_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"], prog_name="fedipress")
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, result.output
    typed = " ".join(("fedipress", *path))
    examples = result.output.split("Example", 1)[1]
    assert any(line.strip().startswith(typed) for line in examples.splitlines()), \
        f"no line starting with {typed!r} in:\n{examples}"


@pytest.mark.parametrize("path", COMMANDS[1:], ids=lambda p: " ".join(p))
def test_every_option_says_what_it_does(path: tuple[str, ...]) -> None:
    command = _command(path)
    assert (command.help or "").strip(), "no summary"
    silent = [o.opts[0] for o in command.params
              if isinstance(o, click.Option) and not o.help and o.name != "help"]
    assert not silent, f"options without help: {silent}"
