"""The instance actor's key pair, and the names and domains registration is open to."""

from __future__ import annotations

from inbox.storage.db import Database


async def instance_key(db: Database) -> tuple[str, str] | None:
    """(public PEM, private PEM) of the instance actor, or None before it was made."""
    row = await db.fetchone("SELECT public_key_pem, private_key_pem FROM instance_key WHERE id = 1")
    return (row["public_key_pem"], row["private_key_pem"]) if row else None


async def keep_instance_key(db: Database, public_pem: str, private_pem: str, *, now: float) -> tuple[str, str]:
    """Store a new key pair unless one is there already; the stored pair wins."""
    await db.execute(
        "INSERT INTO instance_key (id, public_key_pem, private_key_pem, created_at) VALUES (1, ?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        (public_pem, private_pem, now))
    stored = await instance_key(db)
    assert stored is not None
    return stored


async def open_registration(db: Database, name: str, *, who: str, now: float) -> bool:
    """Open registration for ``name``; False when it was open already."""
    changed = await db.execute(
        "INSERT INTO registration_openings (name, opened_by, opened_at) VALUES (?, ?, ?)"
        " ON CONFLICT DO NOTHING",
        (name, who, now))
    return changed > 0


async def registration_openings(db: Database) -> list[str]:
    rows = await db.fetchall("SELECT name FROM registration_openings ORDER BY name")
    return [row["name"] for row in rows]
