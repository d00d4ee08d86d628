"""The one `fedipress` command.

Sub-commands live with the half that owns them (``sitegen.cli``, ``inbox.cli``) and are
imported only when used, so ``fedipress build`` never pays for importing the web server.
A user's mistake (``fedicore.errors.FedipressError``) prints one line and exits non-zero;
it never shows a traceback.
"""

from __future__ import annotations

import importlib
import sys

import click

from fedicore.errors import FedipressError
from fedipress import __version__
from fedipress.examples import add_examples

# command name -> ("module:attribute" of a click.Command, one line of help)
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("sitegen.cli:init_command", "Create a new site folder."),
    "new": ("sitegen.cli:new_command", "Start a new post."),
    "keys": ("sitegen.cli:keys_command", "Make the blog actor's RSA key pair."),
    "build": ("sitegen.cli:build_command", "Build the HTML and ActivityPub files."),
    "serve": ("sitegen.cli:serve_command", "Build and serve a local preview on 127.0.0.1."),
    "check": ("sitegen.cli:check_command", "Check a built folder or URL as Mastodon would."),
    "doctor": ("sitegen.doctor.cli:doctor_command", "Explain what is wrong, each finding with its fix."),
    "register": ("sitegen.social_cli:register_command", "Register the blog actor with its inbox."),
    "publish": ("sitegen.social_cli:publish_command", "Send new, edited and deleted posts to followers."),
    "pull": ("sitegen.social_cli:pull_command", "Fetch replies, likes, boosts and followers into the site."),
    "move": ("sitegen.social_cli:move_command", "Tell followers the blog moved to another account."),
    "inbox": ("inbox.cli:inbox_group", "Run and operate the inbox server."),
    "up": ("fedipress.up:up_command", "Build a site and serve it with its inbox."),
}
# The author's desk (issue 15): moderate and answer, signed with the blog's key.
LAZY_COMMANDS.update({name: (f"sitegen.desk.cli:{name}_command", text) for name, text in [
    ("queue", "List replies and requests waiting for your approval."),
    ("approve", "Approve queued items."), ("reject", "Reject queued items."),
    ("block", "Block @user@host or a domain on this blog (--for 7d)."),
    ("followers", "List or remove your followers."), ("replies", "Recent replies to your posts."),
    ("reply", "Start an answer, from the blog, to a reply."),
    ("desk", "Serve the moderation desk on 127.0.0.1."),
]})


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(LAZY_COMMANDS))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        entry = LAZY_COMMANDS.get(name)
        if entry is None:
            return super().get_command(ctx, name)
        module_name, attribute = entry[0].split(":")
        try:
            module = importlib.import_module(module_name)
            return add_examples(getattr(module, attribute), name)
        except (ImportError, AttributeError) as exc:  # a half not built yet
            raise click.ClickException(f"command {name!r} is not available: {exc}") from None

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Listed from the table, so `--help` imports neither half.
        rows = [(name, LAZY_COMMANDS[name][1]) for name in sorted(LAZY_COMMANDS)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="fedipress")
def cli() -> None:
    """Publish a static blog to the fediverse, and run its small social inbox."""


add_examples(cli, "")


def main(argv: list[str] | None = None) -> None:
    """Run the command line; exit 0 ok, 1 failure, 2 usage or config mistake."""
    try:
        # Without standalone mode click *returns* a command's `ctx.exit(code)` instead of
        # exiting with it: the code must be passed on here, or `check` always exits 0.
        code = cli.main(args=argv, prog_name="fedipress", standalone_mode=False)
    except FedipressError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except OSError as exc:  # a file or port the user pointed at: one line, no traceback
        click.echo(f"error: {os_error_line(exc)}", err=True)
        sys.exit(1)
    if isinstance(code, int) and not isinstance(code, bool) and code:
        sys.exit(code)


def os_error_line(exc: OSError) -> str:
    """`/x/y: No such file or directory`, not Python's `[Errno 2] ...: '/x/y'`."""
    if exc.strerror and exc.filename:
        return f"{exc.filename}: {exc.strerror}"
    return exc.strerror or str(exc)
