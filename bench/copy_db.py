"""How long `fedipress inbox copy-db` takes to move an inbox between backends.

Builds an SQLite inbox with ``--activities`` received activities (each with a ~1 KB body, the
worst case: processed ones are normally emptied), a tenth as many followers and a fifth as many
items, then times, in one run and side by side:

- sqlite -> postgresql (the move the goal is about: 100,000 activities in under a minute),
- the same copy again (a re-run: verification only),
- postgresql -> sqlite (moving back),
- sqlite -> sqlite with the same code (the anchor) and SQLite's online backup (a floor).

PostgreSQL is ``--database URL`` (an empty database), or Debian's package started here with
fsync on (tests/support/postgres.py). Wall seconds, rows/s and this process's CPU seconds.

    .venv/bin/python -m bench.copy_db --activities 100000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from inbox.storage.copy_db import copy_database  # noqa: E402
from inbox.storage.db import Database, backup_database  # noqa: E402

BODY = json.dumps({"@context": "https://www.w3.org/ns/activitystreams", "type": "Create",
                   "object": {"type": "Note", "content": "<p>" + "lorem ipsum " * 70 + "</p>"}})


async def build(path: Path, activities: int) -> None:
    db = await Database.open(path)  # the schema; rows go in through sqlite3 below, fast
    await db.close()
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO activities (id, actor, type, inbox_mention, raw, received_at, processed_at, outcome)"
            " VALUES (?, ?, 'Create', '@alice@blog.example', ?, ?, ?, 'reply queued')",
            ((f"https://r{n % 500}.example/a/{n}", f"https://r{n % 500}.example/u/{n % 3000}",
              BODY.replace("lorem", f"l{n}", 1).encode(), 1.7e9 + n, 1.7e9 + n + 1) for n in range(activities)))
        conn.executemany(
            "INSERT INTO followers (actor_mention, follower_id, inbox, shared_inbox, follow_activity_id, created_at)"
            " VALUES ('@alice@blog.example', ?, ?, ?, ?, ?)",
            ((f"https://f{n}.example/u", f"https://f{n}.example/inbox", f"https://f{n % 50}.example/shared",
              f"https://f{n}.example/follow", 1.7e9 + n) for n in range(activities // 10)))
        conn.executemany(
            "INSERT INTO inbox_items (actor_mention, activity_id, kind, author, object_id, note_id, content_html,"
            " raw, state, created_at, updated_at) VALUES ('@alice@blog.example', ?, 'reply', ?, ?, ?, ?, ?,"
            " 'approved', ?, ?)",
            ((f"https://r.example/a/{n}", f"https://r{n % 500}.example/u", "https://blog.example/p/1",
              f"https://r.example/n/{n}", "<p>a reply</p>", BODY.encode(), 1.7e9 + n, 1.7e9 + n)
             for n in range(activities // 5)))
    conn.close()


def timed(label: str, rows: int, action) -> dict:
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    line = {"step": label, "seconds": round(wall, 2), "rows_per_s": round(rows / wall), "cpu_s": round(cpu, 2)}
    if result is not None and getattr(result, "already_copied", False):
        line["note"] = "already copied: verified only"
    print(json.dumps(line), flush=True)
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--activities", type=int, default=100_000)
    parser.add_argument("--database", help="an empty PostgreSQL database URL (default: start one here)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="fedipress-copy-bench-"))
    source = folder / "inbox.sqlite3"
    asyncio.run(build(source, args.activities))
    rows = args.activities + args.activities // 10 + args.activities // 5
    print(json.dumps({"activities": args.activities, "rows": rows,
                      "sqlite_mb": round(source.stat().st_size / 1e6, 1)}), flush=True)
    server = None
    url = args.database
    if url is None:
        from tests.support.postgres import PostgresServer

        server = PostgresServer(durable=True).start()
        url = server.fresh_database(migrated=False)
    try:
        results = [
            timed("sqlite -> postgresql", rows, lambda: asyncio.run(copy_database(str(source), url))),
            timed("again (re-run)", rows, lambda: asyncio.run(copy_database(str(source), url))),
            timed("postgresql -> sqlite", rows, lambda: asyncio.run(copy_database(url, str(folder / "back.sqlite3")))),
            timed("anchor: sqlite -> sqlite (copy-db)", rows,
                  lambda: asyncio.run(copy_database(str(source), str(folder / "anchor.sqlite3")))),
            timed("floor: sqlite online backup", rows, lambda: backup_database(source, folder / "backup.sqlite3")),
        ]
        anchor = results[3]["seconds"]
        print(json.dumps({"ratio_to_anchor": {r["step"]: round(r["seconds"] / anchor, 2) for r in results[:3]},
                          "goal": "sqlite -> postgresql of 100,000 activities under 60 s",
                          "met": results[0]["seconds"] < 60 if args.activities >= 100_000 else None}))
    finally:
        if server is not None:
            server.stop()
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
