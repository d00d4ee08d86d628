"""What the object integrity proofs of received activities came to (inbox.proofs)."""

from __future__ import annotations

from typing import Any

from inbox.storage.db import Database


async def record_proof(db: Database, activity_id: str, *, result: str, detail: str,
                       verification_method: str | None, forwarded: bool, now: float) -> None:
    """Keep the first check of an activity's proof (a redelivery changes nothing)."""
    await db.execute(
        "INSERT INTO activity_proofs (activity_id, result, detail, verification_method,"
        " forwarded, checked_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (activity_id, result, detail[:500], verification_method, int(forwarded), now))


async def proof_of(db: Database, activity_id: str) -> dict[str, Any] | None:
    """The recorded proof check of an activity, or None when it carried no proof."""
    row = await db.fetchone(
        "SELECT result, detail, verification_method, forwarded, checked_at FROM activity_proofs"
        " WHERE activity_id = ?", (activity_id,))
    if row is None:
        return None
    return {"result": row["result"], "detail": row["detail"],
            "verification_method": row["verification_method"],
            "forwarded": bool(row["forwarded"]), "checked_at": row["checked_at"]}
