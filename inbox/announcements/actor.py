"""Who the announcements actor is: its URLs on the inbox's host, its actor document, its
WebFinger answer, and its key pair (made at first use, kept with the local actors so the
delivery worker signs its activities like any blog's)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from fedicore.handles import Handle
from fedicore.keys import generate_rsa_keypair
from fedicore.vocab import ACTIVITY_JSON, AS_CONTEXT, SECURITY_CONTEXT
from inbox.storage import announcements as store
from inbox.storage.actors import LocalActor, get_actor
from inbox.storage.db import Database

USERNAME = "announcements"
PATH = "/announcements"


@dataclass(frozen=True, slots=True)
class AnnouncementsActor:
    """The actor's names, all derived from the inbox's ``public_url``."""

    base_url: str  # public_url without a trailing slash

    @classmethod
    def of(cls, settings: Any) -> AnnouncementsActor:
        return cls(settings.base_url)

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc.lower()

    @property
    def mention(self) -> str:
        return str(Handle.parse(f"@{USERNAME}@{self.host}"))

    @property
    def acct(self) -> str:
        return f"acct:{USERNAME}@{self.host}"

    @property
    def id(self) -> str:
        return self.base_url + PATH

    @property
    def key_id(self) -> str:
        return f"{self.id}#main-key"

    @property
    def inbox(self) -> str:
        return f"{self.base_url}/v1/{self.mention}/inbox"

    @property
    def followers(self) -> str:
        """The followers collection every local actor has (``inbox.api.followers``)."""
        return f"{self.base_url}/v1/{self.mention}/followers"

    @property
    def outbox(self) -> str:
        return f"{self.id}/outbox"

    def note_id(self, announcement_id: str) -> str:
        return f"{self.id}/notes/{announcement_id}"

    def activity_id(self, announcement_id: str) -> str:
        return f"{self.id}/activities/{announcement_id}"

    def document(self, public_pem: str) -> dict[str, Any]:
        return {
            "@context": [AS_CONTEXT, SECURITY_CONTEXT],
            "id": self.id, "type": "Service", "preferredUsername": USERNAME,
            "name": f"New blogs on {self.host}",
            "summary": "<p>Announces blogs that joined this inbox and asked to be announced, "
                       "so they find their first readers. Run by the inbox's operator.</p>",
            "url": self.id,
            "inbox": self.inbox, "outbox": self.outbox, "followers": self.followers,
            "endpoints": {"sharedInbox": f"{self.base_url}/v1/inbox"},
            "manuallyApprovesFollowers": False, "discoverable": True,
            "publicKey": {"id": self.key_id, "owner": self.id, "publicKeyPem": public_pem},
        }

    def webfinger(self) -> dict[str, Any]:
        return {"subject": self.acct, "aliases": [self.id],
                "links": [{"rel": "self", "type": ACTIVITY_JSON, "href": self.id}]}

    def names(self, resource: str) -> bool:
        """Is a WebFinger ``resource`` this actor (``acct:`` form or its id)?"""
        if resource == self.id:
            return True
        if not resource.startswith("acct:"):
            return False
        try:
            return str(Handle.parse(resource)).lower() == self.mention.lower()
        except ValueError:
            return False


async def ensure_actor(db: Database, who: AnnouncementsActor, *, now: float) -> LocalActor:
    """The actor's row among the local actors, made (with a new RSA key pair) when missing."""
    found = await get_actor(db, who.mention)
    if found is not None and found.actor_url == who.id and found.public_key_id == who.key_id:
        return found
    if found is None:
        private_pem, public_pem = await asyncio.to_thread(generate_rsa_keypair, 2048)
    else:  # public_url changed: same key, new URLs
        private_pem, public_pem = found.private_key_pem, found.public_key_pem
    return await store.keep_actor(db, LocalActor(
        mention=who.mention, actor_url=who.id, public_key_id=who.key_id, public_key_pem=public_pem,
        private_key_pem=private_pem, manually_approves_followers=False, announce=False, created_at=now))
