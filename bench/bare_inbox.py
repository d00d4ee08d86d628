"""The yardstick for the inbox benchmark: a Litestar endpoint that only verifies the HTTP
signature (key fetched once per actor, then cached) and inserts the activity with aiosqlite,
one commit per request. No moderation, no rate limit, no metrics, no processing.

    python bench/bare_inbox.py --port 8090 --database /tmp/bare.sqlite3
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import aiohttp
import aiosqlite
import msgspec
import uvicorn
from litestar import Litestar, Request, Response, post

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fedicore.httpsig import HttpRequest, SignatureFailure, parse_signature, verify_request  # noqa: E402
from fedicore.keys import load_public_key  # noqa: E402

SCHEMA = ("CREATE TABLE IF NOT EXISTS activities (id TEXT PRIMARY KEY, actor TEXT NOT NULL, "
          "raw BLOB NOT NULL, received_at REAL NOT NULL)")


def create_bare_app(database: str, public_url: str) -> Litestar:
    keys: dict[str, object] = {}
    state: dict[str, object] = {}

    async def startup() -> None:
        conn = await aiosqlite.connect(database)
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute(SCHEMA)
        await conn.commit()
        state["db"] = conn
        state["http"] = aiohttp.ClientSession()

    async def shutdown() -> None:
        await state["db"].close()
        await state["http"].close()

    async def key_for(key_id: str):
        key = keys.get(key_id)
        if key is None:
            async with state["http"].get(key_id.partition("#")[0]) as answer:
                document = msgspec.json.decode(await answer.read())
            key = keys[key_id] = load_public_key(document["publicKey"]["publicKeyPem"])
        return key

    @post("/v1/{actor:str}/inbox", status_code=202)
    async def inbox(request: Request, actor: str) -> Response:
        body = await request.body()
        req = HttpRequest("POST", public_url + request.scope["raw_path"].decode("latin-1"),
                          dict(request.headers), body)
        parsed = parse_signature(req)
        if isinstance(parsed, SignatureFailure):
            return Response({"error": "invalid_signature"}, status_code=401)
        failure = verify_request(req, parsed, await key_for(parsed.key_id), now=time.time())
        if failure is not None:
            return Response({"error": "invalid_signature", "detail": failure.reason},
                            status_code=401)
        activity = msgspec.json.decode(body)
        db = state["db"]
        await db.execute("INSERT OR IGNORE INTO activities VALUES (?, ?, ?, ?)",
                         (activity["id"], activity["actor"], body, time.time()))
        await db.commit()
        return Response(b"", status_code=202)

    return Litestar([inbox], on_startup=[startup], on_shutdown=[shutdown], debug=False)


def main() -> None:
    parser = argparse.ArgumentParser(description="bare verify+insert inbox (benchmark yardstick)")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", required=True)
    args = parser.parse_args()
    app = create_bare_app(args.database, f"http://127.0.0.1:{args.port}")
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
