"""The instance actor: an ``Application`` the inbox serves at ``/actor``, whose key signs the
inbox's own fetches (the shared inbox's key fetches, management key fetches), as servers do.
Its key pair is made at first use and kept in the database (never served, never logged)."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec
from litestar import Request, Response, get

from fedicore.keys import generate_rsa_keypair
from fedicore.vocab import ACTIVITY_JSON, AS_CONTEXT
from inbox.fetcher import SigningKey
from inbox.storage import instance as store

SECURITY_CONTEXT = "https://w3id.org/security/v1"


class InstanceActor:
    """Loads (or makes, once) the instance key pair; ``signer()`` for fetches."""

    def __init__(self, db, base_url: str, clock) -> None:
        self.db = db
        self.id = f"{base_url}/actor"
        self.key_id = f"{self.id}#main-key"
        self.clock = clock
        self._pair: tuple[str, str] | None = None
        self._lock = asyncio.Lock()

    async def pair(self) -> tuple[str, str]:
        if self._pair is None:
            async with self._lock:
                if self._pair is None:
                    stored = await store.instance_key(self.db)
                    if stored is None:
                        private_pem, public_pem = await asyncio.to_thread(generate_rsa_keypair, 2048)
                        stored = await store.keep_instance_key(self.db, public_pem, private_pem, now=self.clock())
                    self._pair = stored
        return self._pair

    async def signer(self) -> SigningKey:
        return SigningKey(self.key_id, (await self.pair())[1])

    async def document(self) -> dict[str, Any]:
        public_pem, _ = await self.pair()
        host = self.id.split("://", 1)[1].split("/", 1)[0]
        return {
            "@context": [AS_CONTEXT, SECURITY_CONTEXT],
            "id": self.id, "type": "Application", "preferredUsername": host,
            "name": "Fedipress inbox", "inbox": f"{self.id}/inbox",
            "manuallyApprovesFollowers": True,
            "publicKey": {"id": self.key_id, "owner": self.id, "publicKeyPem": public_pem},
        }


@get("/actor", summary="The instance actor (an Application whose key signs the inbox's own fetches)")
async def instance_actor(request: Request) -> Response:
    document = await request.app.state.instance_actor.document()
    return Response(msgspec.json.encode(document), media_type=ACTIVITY_JSON)


ROUTES = [instance_actor]
