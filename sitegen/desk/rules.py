"""``[replies]`` in fedipress.toml: what waits for the author and what does not.

``fedipress register`` sends these to the inbox (``PUT /v1/{actor}/rules``), which applies
them when something arrives (``inbox.moderation.author_rules``)::

    [replies]
    approve_known = true            # people whose reply you approved before
    approve_followers_days = 30     # people who have followed you for 30 days
    approve_domains = ["friends.example"]
    moderate_reactions = false      # likes, boosts and emoji reactions need no approval
    unconsented = "anonymous"       # or "hide": replies from people who opted out (#noblog)
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from fedicore.errors import FedipressError


class ReplyRules(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    approve_known: bool = False
    approve_followers_days: Annotated[int, msgspec.Meta(ge=0, le=36500)] | None = None
    approve_domains: list[str] = []
    moderate_reactions: bool = False
    unconsented: Literal["anonymous", "hide"] = "anonymous"
    noblog_tag: str = "noblog"


def sync_rules(client) -> None:
    """Send the site's ``[replies]`` rules when the inbox holds others. An inbox without the
    rules route (an older version) is left alone; any other refusal is an error."""
    wanted = msgspec.to_builtins(client.site.config.replies)
    current = client.get(client.actor_path("/rules"))
    if current.status == 404 and (current.data or {}).get("error") != "unknown_actor":
        return
    if current.status == 200 and current.data == wanted:
        return
    answer = client.request("PUT", client.actor_path("/rules"), wanted)
    if answer.status != 200:
        raise FedipressError(f"the inbox refused the [replies] rules: HTTP {answer.status} "
                             f"{answer.error_line()}")
