"""Moving the blog, both directions, with the pinned Fedify peer as a follower's server.

Out: `moved_to` + `fedipress move` -> the built actor says `movedTo`, and every follower's
server gets a signed `Move` (the peer verifies the signature and records it), but only once the
new account lists the blog in its aliases. In: `also_known_as` lists the old account on the
actor (Fedify reads it as the actor's aliases), and a follower arriving from the old account is
accepted like any other."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from fedicore.errors import FedipressError
from sitegen.social import publish_site, register_site
from sitegen.social.move import move_site
from tests.interop.conftest import _session_peer, peer  # noqa: F401 - fixtures
from tests.social.site_world import site_world
from tests.social.test_end_to_end import peer_call
from tests.support.remote import FakeFediverse

pytestmark = pytest.mark.interop
INTEROP = Path(__file__).resolve().parents[1] / "interop"


def set_config(root: Path, line: str) -> None:
    config = root / "fedipress.toml"
    text = config.read_text()
    config.write_text(text + f"\n{line}\n" if "\n[" not in text else
                      text.replace("\n[", f"\n{line}\n\n[", 1))


async def test_moving_out_sends_a_move_every_follower_verifies(tmp_path, peer):  # noqa: F811
    async with site_world(tmp_path) as world, FakeFediverse() as remote:
        actor_url = f"{world.base_url}/ap/actor.json"
        await world.call(register_site, world.root)
        peer_host = peer.url.split("//", 1)[1]
        await world.as_blog("POST", "/allowlist", text=f"@*@{peer_host}\n")
        await peer_call(peer.follow, actor_url)
        await peer_call(peer.wait_for, "Accept")
        await world.call(publish_site, world.root)
        new_home = remote.actor("alice", also_known_as=[actor_url])
        set_config(world.root, f'moved_to = "{new_home.id}"')
        world.build()
        built = json.loads((world.out / "ap/actor.json").read_text())
        assert built["movedTo"] == new_home.id
        await world.call(publish_site, world.root)  # the profile Update, with movedTo
        line = await world.call(move_site, world.root, allow_private=True)
        [move] = await peer_call(peer.wait_for, "Move")
    assert line.endswith("to every follower")
    raw = json.loads(move["raw"]) if isinstance(move["raw"], str) else move["raw"]
    assert move["actor"] == actor_url
    assert raw["object"] == actor_url and raw["target"] == new_home.id
    assert move["signature_scheme"] in ("rfc9421", "cavage")


async def test_move_is_refused_until_the_new_account_lists_the_blog(tmp_path):
    async with site_world(tmp_path) as world, FakeFediverse() as remote:
        await world.call(register_site, world.root)
        stranger = remote.actor("elsewhere")  # no alsoKnownAs
        set_config(world.root, f'moved_to = "{stranger.id}"')
        world.build()
        with pytest.raises(FedipressError) as caught:
            await world.call(move_site, world.root, allow_private=True)
        rows = await world.inbox.db.fetchall("SELECT body FROM outbox_activities")
    assert "does not list" in str(caught.value) and "alsoKnownAs" in str(caught.value)
    assert not [r for r in rows if '"Move"' in r["body"]]


async def test_move_without_moved_to_is_a_config_error(tmp_path):
    from fedicore.errors import ConfigError

    async with site_world(tmp_path) as world:
        with pytest.raises(ConfigError):
            await world.call(move_site, world.root, allow_private=True)


async def test_moving_in_lists_the_old_account_and_its_followers_are_accepted(tmp_path, peer):  # noqa: F811
    async with site_world(tmp_path) as world:
        actor_url = f"{world.base_url}/ap/actor.json"
        old_account = peer.actor_url  # the account the author leaves
        set_config(world.root, f'also_known_as = ["{old_account}"]')
        world.build()
        await world.call(register_site, world.root)
        host = world.base_url.split("//", 1)[1]
        done = subprocess.run(["node", str(INTEROP / "resolve.mjs"), world.base_url,
                               "--acct", f"alice@{host}"], cwd=INTEROP,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        resolved = json.loads(done.stdout)
        # a follower's server, told by the old account to move, follows the blog
        peer_host = peer.url.split("//", 1)[1]
        await world.as_blog("POST", "/allowlist", text=f"@*@{peer_host}\n")
        await peer_call(peer.follow, actor_url)
        [accept] = await peer_call(peer.wait_for, "Accept")
    assert resolved["actor"]["aliases"] == [old_account]  # Fedify reads alsoKnownAs
    assert accept["actor"] == actor_url
