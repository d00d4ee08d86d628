"""What the author's CLI and web desk ask the inbox, as plain calls returning plain data.

Items are named by a short id (the first 8 hex digits of the SHA-256 of the activity id), so
``fedipress approve 3fa9c2d1`` works; a full activity id works too.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from fedicore.errors import ConfigError, FedipressError
from sitegen.social.client import Answer, InboxClient

SHORT = 8
DURATION = re.compile(r"^[0-9]{1,6}[smhdw]$")


class InboxRefused(FedipressError):
    """The inbox answered with an error (exit 1)."""


def short_id(activity_id: str) -> str:
    return hashlib.sha256(activity_id.encode("utf-8")).hexdigest()[:SHORT]


def token(activity_id: str) -> str:
    return base64.urlsafe_b64encode(activity_id.encode("utf-8")).decode("ascii").rstrip("=")


def block_pattern(target: str) -> str:
    """``@user@host`` as it is; a bare ``domain`` as ``@*@*.domain`` (it and its subdomains),
    on this blog's own list."""
    target = target.strip()
    if target.startswith("@"):
        if target.count("@") != 2 or not all(target[1:].split("@")):
            raise ConfigError(f"{target!r}: expected @user@host or a domain")
        return target
    if not re.fullmatch(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?", target) or "." not in target:
        raise ConfigError(f"{target!r}: expected @user@host or a domain")
    return f"@*@*.{target.lower()}"  # the domain and its subdomains


@dataclass
class Desk:
    client: InboxClient

    def _ok(self, answer: Answer, what: str) -> Any:
        if 200 <= answer.status < 300:
            return answer.data
        hint = ""
        if answer.status in (401, 502, 503):
            hint = f" (is the site online at {self.client.site.base_url}? the inbox fetches its key)"
        raise InboxRefused(f"{what}: HTTP {answer.status} {answer.error_line()}{hint}")

    def items(self, state: str = "queued", kind: str | None = None, limit: int = 100) -> list[dict]:
        query = urlencode({"state": state, "limit": limit} | ({"kind": kind} if kind else {}))
        data = self._ok(self.client.get(self.client.actor_path(f"/desk/items?{query}")),
                        "listing items")
        items = data["items"]
        for item in items:
            item["id"] = short_id(item["activity_id"])
        return items

    def resolve(self, ref: str, *, state: str = "queued") -> dict:
        """The item a short id (or a full activity id) names; a one-line error otherwise."""
        items = self.items(state, limit=500)
        found = [i for i in items if ref in (i["activity_id"], i["note_id"])
                 or (len(ref) >= 4 and i["id"].startswith(ref.lower()))]
        if not found:
            raise InboxRefused(f"no {'' if state == 'all' else state + ' '}item {ref}"
                               " (see `fedipress queue`)")
        if len(found) > 1:
            raise ConfigError(f"{ref} names {len(found)} items; give more of its id")
        return found[0]

    def approve(self, item: dict) -> None:
        self._ok(self.client.request("POST", self.client.actor_path(f"/inbox/{token(item['activity_id'])}")),
                 f"approving {item['id']}")

    def reject(self, item: dict) -> None:
        self._ok(self.client.request("DELETE", self.client.actor_path(f"/inbox/{token(item['activity_id'])}")),
                 f"rejecting {item['id']}")

    def block(self, target: str, *, for_: str | None = None, reason: str = "") -> str:
        pattern = block_pattern(target)
        if for_ is not None and not DURATION.match(for_):
            raise ConfigError(f"--for {for_!r}: expected a duration like 7d, 12h, 30m")
        query = urlencode({k: v for k, v in {"for": for_, "reason": reason}.items() if v})
        self._ok(self.client.request("POST", self.client.actor_path(
            "/blocklist" + (f"?{query}" if query else "")), text=pattern + "\n"), f"blocking {target}")
        return pattern

    def followers(self) -> list[dict]:
        return self._ok(self.client.get(self.client.actor_path("/desk/followers")),
                        "listing followers")["followers"]

    def remove_follower(self, who: str) -> str:
        data = self._ok(self.client.request("DELETE", self.client.actor_path(
            f"/followers/{quote(who, safe='@:')}")), f"removing {who}")
        return str(data.get("removed", who))

    def audit(self, limit: int = 50) -> list[dict]:
        data = self._ok(self.client.get(self.client.actor_path(f"/audit?limit={limit}")),
                        "reading the audit log")
        return data["items"]

    def notes(self, target: str) -> list[dict]:
        data = self._ok(self.client.get(self.client.actor_path(
            f"/notes?{urlencode({'target': target})}")), "reading notes")
        return data["items"]

    def notes_all(self) -> list[dict]:
        return self._ok(self.client.get(self.client.actor_path("/notes")), "reading notes")["items"]

    def add_note(self, target: str, body: str) -> None:
        self._ok(self.client.post(self.client.actor_path("/notes"),
                                  {"target": target, "body": body}), "adding a note")

    def put_rules(self, rules: dict) -> dict:
        return self._ok(self.client.request("PUT", self.client.actor_path("/rules"), rules),
                        "sending the reply rules")

    def rotate_feed(self) -> str:
        return self._ok(self.client.request("POST", self.client.actor_path("/feed"), {}),
                        "making a feed address")["url"]
