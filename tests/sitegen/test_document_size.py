"""A post whose ActivityPub document is over 1 MB (Mastodon refuses larger ones) is a warning
at build and a failure in `fedipress check`."""

from __future__ import annotations

import re

from tests.sitegen.conftest import run_cli


def test_a_huge_post_warns_at_build_and_fails_check(site, capsys) -> None:
    paragraph = "All work and no play makes a very long post. " * 20
    body = "\n\n".join([paragraph] * 1300)  # ~1.2 MB of text
    (site / "content/posts/huge.md").write_text(
        f"+++\ndate = 2024-01-01\n+++\n{body}\n", "utf-8")
    code, _out, err = run_cli(capsys, "build", str(site))
    assert code == 0
    assert re.search(r"^warning: content/posts/huge.md: its ActivityPub document is 2\.\d MB;",
                     err, re.M)  # the text twice: `content` and `contentMap`
    assert "servers refuse documents over 1 MB" in err
    code, out, _err = run_cli(capsys, "check", str(site / "_site"))
    assert code == 1
    assert "ActivityPub documents over 1 MB" in out


def test_a_normal_post_gives_no_warning(site, capsys) -> None:
    code, _out, err = run_cli(capsys, "build", str(site))
    assert code == 0 and "warning" not in err
