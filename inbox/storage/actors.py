"""Local actors (the blogs this inbox serves) and the ones that were unregistered."""

from __future__ import annotations

from dataclasses import dataclass

from inbox.storage.db import Database
from inbox.storage.shared_work import BUMP_GENERATION


@dataclass(frozen=True, slots=True)
class LocalActor:
    """A registered blog actor. ``private_key_pem`` stays inside the server: never serialise it."""

    mention: str
    actor_url: str
    public_key_id: str
    public_key_pem: str
    private_key_pem: str
    manually_approves_followers: bool
    announce: bool
    created_at: float

    def public_view(self) -> dict[str, object]:
        """What GET /v1/{actor} answers: everything except the private key."""
        return {
            "mention": self.mention,
            "actorUrl": self.actor_url,
            "publicKeyId": self.public_key_id,
            "keypair": {"publicKeyPem": self.public_key_pem},
            "manuallyApprovesFollowers": self.manually_approves_followers,
            "announce": self.announce,
            "createdAt": self.created_at,
        }


def _actor(row) -> LocalActor:
    return LocalActor(
        mention=row["mention"],
        actor_url=row["actor_url"],
        public_key_id=row["public_key_id"],
        public_key_pem=row["public_key_pem"],
        private_key_pem=row["private_key_pem"],
        manually_approves_followers=bool(row["manually_approves_followers"]),
        announce=bool(row["announce"]),
        created_at=row["created_at"],
    )


async def get_actor(db: Database, mention: str) -> LocalActor | None:
    row = await db.fetchone("SELECT * FROM actors WHERE mention = ?", (mention,))
    return _actor(row) if row else None


async def get_actor_by_url(db: Database, actor_url: str) -> LocalActor | None:
    row = await db.fetchone("SELECT * FROM actors WHERE actor_url = ?", (actor_url,))
    return _actor(row) if row else None


async def all_actors(db: Database) -> list[LocalActor]:
    return [_actor(row) for row in await db.fetchall("SELECT * FROM actors ORDER BY mention")]


async def was_removed(db: Database, mention: str) -> bool:
    row = await db.fetchone("SELECT 1 FROM removed_actors WHERE mention = ?", (mention,))
    return row is not None


async def save_actor(db: Database, actor: LocalActor) -> None:
    """Register or re-register (a key rotation keeps followers and items)."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO actors (mention, actor_url, public_key_id, public_key_pem, private_key_pem,"
            " manually_approves_followers, announce, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(mention) DO UPDATE SET actor_url = excluded.actor_url,"
            " public_key_id = excluded.public_key_id, public_key_pem = excluded.public_key_pem,"
            " private_key_pem = excluded.private_key_pem,"
            " manually_approves_followers = excluded.manually_approves_followers,"
            " announce = excluded.announce",
            (actor.mention, actor.actor_url, actor.public_key_id, actor.public_key_pem,
             actor.private_key_pem, int(actor.manually_approves_followers), int(actor.announce),
             actor.created_at),
        )
        await conn.execute("DELETE FROM removed_actors WHERE mention = ?", (actor.mention,))
        await conn.execute(BUMP_GENERATION)


async def remove_actor(db: Database, mention: str, *, now: float) -> bool:
    """Unregister: drop the actor, its followers and items; remember it so its inbox says 410."""
    async with db.transaction() as conn:
        cursor = await conn.execute("DELETE FROM actors WHERE mention = ?", (mention,))
        removed = cursor.rowcount > 0
        if removed:
            await conn.execute("DELETE FROM followers WHERE actor_mention = ?", (mention,))
            await conn.execute("DELETE FROM inbox_items WHERE actor_mention = ?", (mention,))
            await conn.execute(
                "INSERT INTO removed_actors (mention, removed_at) VALUES (?, ?)"
                " ON CONFLICT (mention) DO UPDATE SET removed_at = excluded.removed_at", (mention, now)
            )
            await conn.execute(BUMP_GENERATION)
    return removed
