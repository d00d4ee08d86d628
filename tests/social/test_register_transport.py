"""`fedipress register` sends the blog's private key, so only over https or to this machine."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from fedicore.errors import FedipressError
from sitegen.build import build_site
from sitegen.social import register_site
from sitegen.social_cli import register_command
from tests.support.example_site import copy_example


def _site_with_inbox(tmp_path, inbox_url: str):
    site = copy_example(tmp_path / "site")
    config = site / "fedipress.toml"
    text = config.read_text("utf-8")
    config.write_text("\n".join(f'inbox_url = "{inbox_url}"' if line.startswith("inbox_url") else line
                                for line in text.splitlines()) + "\n", "utf-8")
    build_site(site, site / "_site", version="t")  # makes the key pair
    return site


@pytest.mark.parametrize("inbox_url", ["http://inbox.example", "http://10.0.0.5:8080", "http://[2001:db8::1]"])
def test_plain_http_to_another_machine_is_refused_before_anything_is_sent(tmp_path, inbox_url) -> None:
    site = _site_with_inbox(tmp_path, inbox_url)
    with pytest.raises(FedipressError, match="not https"):
        register_site(site)
    result = CliRunner().invoke(register_command, [str(site)])
    assert result.exit_code != 0 and "private key" in result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
