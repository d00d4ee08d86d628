"""Inbox load: signed deliveries from many remote actors to `fedipress inbox serve`, side by side
with a bare verify-and-insert Litestar endpoint (``bench/bare_inbox.py``).

    python bench/inbox.py --activities 20000 --actors 1000 --concurrency 50 --reps 3
    python bench/inbox.py --quick

Remote actors' documents are served from 127.0.0.1. Each run starts with a first-contact phase:
one activity from each of ``--first-contact`` actors (at least ``--actors``), every one new to
the server, so every delivery waits for its sender's key to be fetched; then the burst of
``--activities`` from ``--actors`` of them, whose keys both servers now have cached. Every activity is a unique
~2 KiB Create(Note) replying to the blog, signed in advance (cavage, RSA-2048) so signing costs
the load generator nothing while it measures. Each run gets a fresh database and server; the
two servers alternate on the same port. Clients connect from many 127.0.x.y source addresses,
as deliveries from many hosts would (the inbox limits each address to 1,000 requests/s).
Reported: first-contact deliveries/s; for the burst, accepted requests/s, processed/s
(activities of the burst ÷ seconds from its first delivery until every stored activity is
applied), p50/p99 latency, server CPU an activity, peak server RSS, and whether every accepted
activity is in the database afterwards.

``--backends sqlite,postgresql,postgresql-2nodes`` runs Fedipress on each backend in the same
run, interleaved: ``postgresql`` is one node whose ``database`` is a PostgreSQL started here
(Debian's package, fsync on, ``tests/support/postgres.py``; a fresh database a run),
``postgresql-2nodes`` two ``inbox serve`` processes on two ports sharing that database, the load
split between them. Server CPU then includes the PostgreSQL cluster's (reported apart too).

    python bench/inbox.py --backends sqlite,postgresql --only fedipress --reps 3
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402

from bench.measure import _children, cpu_seconds, median, percentile, tree_rss_mb  # noqa: E402
from fedicore.httpsig import HttpRequest, sign_request  # noqa: E402
from fedicore.keys import generate_rsa_keypair  # noqa: E402
from fedicore.vocab import ACTIVITY_JSON, AS_CONTEXT, PUBLIC  # noqa: E402

LOCAL = "@bench@blog.example"
BLOG = "https://blog.example"
INBOX_PATH = f"/v1/{LOCAL}/inbox"
DISTINCT_KEYS = 8  # RSA key generation is slow; actors share these pairs but not key ids


@dataclass(frozen=True)
class Signed:
    activity_id: str
    body: bytes
    headers: dict[str, str]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ActorServer:
    """Serves ``/users/aN`` actor documents on 127.0.0.1 from a thread of its own."""

    def __init__(self, count: int, keys: list[tuple[str, str]]) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.count, self.keys = count, keys
        self.fetches = 0
        self.webfingers = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()
        self._ready.wait(10)

    def actor_id(self, index: int) -> str:
        return f"{self.base}/users/a{index}"

    def key_pair(self, index: int) -> tuple[str, str]:
        return self.keys[index % len(self.keys)]

    async def _document(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        index = int(name[1:]) if name[1:].isdigit() else -1
        if not 0 <= index < self.count:
            return web.Response(status=404)
        self.fetches += 1
        actor = self.actor_id(index)
        doc = {"@context": [AS_CONTEXT, "https://w3id.org/security/v1"], "id": actor,
               "type": "Person", "preferredUsername": name, "inbox": f"{actor}/inbox",
               "outbox": f"{actor}/outbox", "endpoints": {"sharedInbox": f"{self.base}/inbox"},
               "publicKey": {"id": f"{actor}#main-key", "owner": actor,
                             "publicKeyPem": self.key_pair(index)[1]}}
        return web.Response(body=json.dumps(doc).encode(), content_type="application/activity+json")

    async def _webfinger(self, request: web.Request) -> web.Response:
        """``acct:aN@127.0.0.1:PORT`` names ``/users/aN``, as deployed servers answer."""
        user, _, domain = request.query.get("resource", "").removeprefix("acct:").partition("@")
        index = int(user[1:]) if user[:1] == "a" and user[1:].isdigit() else -1
        if domain != f"127.0.0.1:{self.port}" or not 0 <= index < self.count:
            return web.Response(status=404)
        self.webfingers += 1
        jrd = {"subject": f"acct:{user}@{domain}",
               "links": [{"rel": "self", "type": "application/activity+json",
                          "href": self.actor_id(index)}]}
        return web.Response(body=json.dumps(jrd).encode(), content_type="application/jrd+json")

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        app = web.Application()
        app.router.add_get("/users/{name}", self._document)
        app.router.add_get("/.well-known/webfinger", self._webfinger)
        runner = web.AppRunner(app, access_log=None)
        self._loop.run_until_complete(runner.setup())
        self._loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", self.port).start())
        self._ready.set()
        self._loop.run_forever()


def make_activity(actors: ActorServer, index: int, serial: int) -> dict:
    actor = actors.actor_id(index)
    note_id = f"{actor}/statuses/{uuid.uuid4().hex}"
    padding = " ".join(["a reply that says something about the post"] * 35)
    return {"@context": AS_CONTEXT, "id": f"{actor}/activities/{uuid.uuid4().hex}",
            "type": "Create", "actor": actor, "to": [PUBLIC], "cc": [f"{BLOG}/ap/actor.json"],
            "object": {"id": note_id, "type": "Note", "attributedTo": actor,
                       "inReplyTo": f"{BLOG}/ap/posts/post-{serial % 100:06d}.json",
                       "content": f"<p>Reply {serial}: {padding}</p>", "to": [PUBLIC],
                       "published": "2026-01-01T00:00:00Z"}}


def presign(actors: ActorServer, indexes: list[int], port: int, workers: int = 2) -> list[Signed]:
    """Sign every delivery now, for http://127.0.0.1:PORT (both servers use that port)."""
    url = f"http://127.0.0.1:{port}{INBOX_PATH}"
    now = time.time()

    def one(item: tuple[int, int]) -> Signed:
        serial, index = item
        activity = make_activity(actors, index, serial)
        body = json.dumps(activity).encode()
        headers = {"Content-Type": ACTIVITY_JSON}
        private = actors.key_pair(index)[0]
        headers.update(sign_request(HttpRequest("POST", url, headers, body),
                                    key_id=f"{actors.actor_id(index)}#main-key",
                                    private_key=private, now=now))
        return Signed(activity["id"], body, headers)

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(one, enumerate(indexes)))


async def blast(port: int, deliveries: list[Signed], concurrency: int) -> dict:
    """POST every delivery with ``concurrency`` clients, each from its own source address."""
    return await blast_many([(port, deliveries)], concurrency)


async def blast_many(targets: list[tuple[int, list[Signed]]], concurrency: int) -> dict:
    """Like ``blast``, with the clients shared out between servers (client i posts to target
    i mod len(targets), each target's deliveries to its own port)."""
    latencies: list[float] = []
    accepted: list[str] = []
    statuses: dict[int, int] = {}
    cursors = [(f"http://127.0.0.1:{port}{INBOX_PATH}", iter(items)) for port, items in targets]

    async def client(number: int) -> None:
        url, cursor = cursors[number % len(cursors)]
        source = f"127.0.{1 + number // 250}.{1 + number % 250}"
        connector = aiohttp.TCPConnector(limit=1, local_addr=(source, 0))
        async with aiohttp.ClientSession(connector=connector) as session:
            for item in cursor:
                started = time.perf_counter()
                try:
                    async with session.post(url, data=item.body, headers=item.headers) as answer:
                        await answer.read()
                        status = answer.status
                except aiohttp.ClientError:
                    status = 0
                latencies.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1
                if status == 202:
                    accepted.append(item.activity_id)

    started = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(max(concurrency, len(cursors)))))
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "accepted": accepted, "statuses": statuses,
            "rate": len(accepted) / seconds if seconds else 0.0,
            "p50_ms": percentile(latencies, 0.50) * 1000, "p99_ms": percentile(latencies, 0.99) * 1000}


class Server:
    """One server process on ``port`` with a fresh database, RSS sampled while it runs.

    ``database`` a PostgreSQL URL: that database instead of a new SQLite file (``register``
    False: another node already stored the local actor there)."""

    def __init__(self, kind: str, port: int, folder: Path, database: str | None = None,
                 register: bool = True, name: str | None = None) -> None:
        self.kind, self.port, self.folder = kind, port, folder
        self.name = name or kind
        self.url = database
        self.database = database or folder / f"{kind}.sqlite3"
        if database is None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{self.database}{suffix}").unlink(missing_ok=True)
        if kind.startswith("fedipress"):
            if register:
                register_local_actor(self.database)
            config = folder / f"{self.name}.toml"
            config.write_text(
                f'host = "127.0.0.1"\nport = {port}\npublic_url = "http://127.0.0.1:{port}"\n'
                f'database = "{self.database}"\nallow_private_fetch = true\n'
                f'log_level = "warning"\n')
            command = serve_command(config)
        else:
            command = [sys.executable, str(Path(__file__).with_name("bare_inbox.py")),
                       "--port", str(port), "--database", str(self.database)]
        self.log = (folder / f"{self.name}.log").open("wb")
        self.proc = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._wait_listening()
        threading.Thread(target=self._sample, daemon=True).start()

    def _wait_listening(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} server exited: {self.log_text()[-1500:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{self.kind} server did not listen on {self.port}")

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, tree_rss_mb(self.proc.pid))
            self._stop.wait(0.1)

    def log_text(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return (self.folder / f"{self.name}.log").read_text(errors="replace")

    def stop(self) -> None:
        self._stop.set()
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()

    def wait_processed(self, limit: float = 120.0) -> float | None:
        """Seconds until the inbox has processed every stored activity (None: no such column,
        the bare endpoint). Not done within ``limit`` is an error, not a figure."""
        started = time.monotonic()
        self.left_at_start: int | None = None
        with self._connect() as conn:
            if self.url is None:
                columns = {row[1] for row in conn.execute("PRAGMA table_info(activities)")}
                if "processed_at" not in columns:
                    return None
            while time.monotonic() - started < limit:
                left = conn.execute("SELECT COUNT(*) FROM activities WHERE processed_at IS NULL")
                count = left.fetchone()[0]
                if self.left_at_start is None:
                    self.left_at_start = count
                if count == 0:
                    return time.monotonic() - started
                time.sleep(0.05)
            waiting = conn.execute("SELECT type, actor FROM activities WHERE processed_at IS NULL"
                                   " LIMIT 20").fetchall()
        raise RuntimeError(f"{self.kind} had not processed every stored activity after {limit:.0f} s;"
                           f" waiting: {waiting}\n{self.tasks_dump()}")

    def tasks_dump(self) -> str:
        """The server's asyncio tasks, as it logs them on SIGUSR1 (``inbox/task_dump.py``)."""
        if not self.kind.startswith("fedipress") or self.proc.poll() is not None:
            return ""
        self.proc.send_signal(signal.SIGUSR1)
        time.sleep(1.0)
        return self.log_text()[-12000:]

    def stored_ids(self) -> set[str]:
        with self._connect() as conn:
            return {row[0] for row in conn.execute("SELECT id FROM activities")}

    def _connect(self):
        """The database, read directly: sqlite3, or psycopg (autocommit) for a PostgreSQL URL."""
        if self.url is None:
            return contextlib.closing(sqlite3.connect(self.database))
        import psycopg

        return psycopg.connect(self.url, autocommit=True)


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process tree so far: every live process's own time plus what
    each has reaped (PostgreSQL's postmaster reaps its finished backends)."""
    total, stack, ticks = 0.0, [pid], os.sysconf("SC_CLK_TCK")
    while stack:
        current = stack.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += sum(int(value) for value in fields[11:15]) / ticks
        stack.extend(_children(current))
    return total


def serve_command(config: Path) -> list[str]:
    """`fedipress inbox serve` when the CLI has it, else the same app under uvicorn directly."""
    fedipress = Path(sys.executable).with_name("fedipress")
    probe = subprocess.run([str(fedipress), "inbox", "serve", "--help"], capture_output=True)
    if probe.returncode == 0:
        return [str(fedipress), "inbox", "serve", "--config", str(config)]
    return [sys.executable, __file__, "--serve-app", str(config)]


def serve_app(config: str) -> None:
    """Fallback server: ``create_app(load_settings(config))`` under one uvicorn worker."""
    import uvicorn

    from inbox.app import create_app
    from inbox.settings import load_settings

    settings = load_settings(config)
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port,
                log_level="warning", access_log=False)


def register_local_actor(database: Path) -> None:
    """The blog actor the deliveries address, stored before the server starts."""
    from inbox.storage.actors import LocalActor, save_actor
    from inbox.storage.db import Database

    private_pem, public_pem = LOCAL_KEYS
    actor = LocalActor(mention=LOCAL, actor_url=f"{BLOG}/ap/actor.json",
                       public_key_id=f"{BLOG}/ap/actor.json#main-key", public_key_pem=public_pem,
                       private_key_pem=private_pem, manually_approves_followers=False,
                       announce=False, created_at=time.time())

    async def save() -> None:
        db = await Database.open(str(database))
        try:
            await save_actor(db, actor)
        finally:
            await db.close()

    asyncio.run(save())


LOCAL_KEYS: tuple[str, str] = ("", "")


BACKENDS = {"sqlite": "fedipress", "postgresql": "fedipress-pg", "postgresql-2nodes": "fedipress-pg2"}
Target = tuple[int, list[Signed], list[Signed]]  # a server's port, its warm-up, its load


def start_servers(kind: str, targets: list[Target], folder: Path, pg) -> list[Server]:
    """The server(s) of one run: one, or one per target on a fresh PostgreSQL database."""
    if kind in ("fedipress", "bare"):
        return [Server(kind, targets[0][0], folder)]
    url = pg.fresh_database()
    servers: list[Server] = []
    try:
        for number, (port, _, _) in enumerate(targets):
            servers.append(Server(kind, port, folder, database=url, register=number == 0,
                                  name=f"{kind}-{number + 1}"))
    except BaseException:
        for server in servers:
            server.stop()
        pg.drop(url)
        raise
    return servers


def statements(pg, log, reset: bool = False) -> None:
    """``--pg-statements N``: forget the statistics so far, or log the top N statements since
    (execution + planning time, calls, rows), from pg_stat_statements."""
    if pg is None or not getattr(pg, "top_statements", 0):
        return
    import psycopg

    with psycopg.connect(pg.url(), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        if reset:
            conn.execute("SELECT pg_stat_statements_reset()")
            return
        rows = conn.execute(
            "SELECT total_exec_time + total_plan_time, calls, rows, query FROM pg_stat_statements"
            " ORDER BY 1 DESC LIMIT %s", (pg.top_statements,)).fetchall()
    log("  PostgreSQL statements (ms exec+plan, calls, rows):")
    for spent, calls, count, query in rows:
        log(f"    {spent:9.0f} {calls:7d} {count:8d}  {' '.join(query.split())[:160]}")


def run_once(kind: str, targets: list[Target], folder: Path, concurrency: int, log,
             pg=None) -> dict:
    servers = start_servers(kind, targets, folder, pg)
    first = servers[0]
    load_count = sum(len(load) for _, _, load in targets)
    warm_count = sum(len(warm) for _, warm, _ in targets)

    def cpu() -> tuple[float, float]:
        own = sum(cpu_seconds(server.proc.pid) for server in servers)
        return own, (tree_cpu_seconds(pg.process.pid) if first.url is not None else 0.0)

    try:
        own_start, db_start = cpu()
        warmup = asyncio.run(blast_many([(port, warm) for port, warm, _ in targets], concurrency))
        own_warm, db_warm = cpu()
        first.wait_processed()
        statements(pg if first.url else None, log, reset=True)
        own_before, db_before = cpu()
        result = asyncio.run(blast_many([(port, load) for port, _, load in targets], concurrency))
        own_during, db_during = cpu()
        catch_up = first.wait_processed()
        left = first.left_at_start
        own_total, db_total = cpu()
        # Until every stored activity is applied: the burst, then what was left of it after its
        # last answer (None for the bare endpoint, which stores and applies nothing later).
        processed_s = None if catch_up is None else result["seconds"] + catch_up
        peak = sum(server.peak_mb for server in servers)
        statements(pg if first.url else None, log)
    finally:
        for server in servers:
            server.stop()
    try:
        stored = first.stored_ids()
    finally:
        if first.url is not None:
            pg.drop(first.url)
    accepted = set(result.pop("accepted")) | set(warmup["accepted"])
    lost = len(accepted - stored)
    per = 1e6 / load_count
    summary = {"rate": result["rate"], "p50_ms": result["p50_ms"], "p99_ms": result["p99_ms"],
               "accepted": len(accepted), "sent": load_count + warm_count, "lost": lost,
               "statuses": result["statuses"], "warmup_rate": warmup["rate"], "rss_mb": peak,
               "first_contact_rate": warmup["rate"], "first_contacts": warm_count,
               "first_contact_cpu_us": 1e6 * (own_warm - own_start + db_warm - db_start) / warm_count,
               "processed_rate": None if processed_s is None else load_count / processed_s,
               "unprocessed_at_end": left,
               "seconds": result["seconds"], "catch_up_s": catch_up, "nodes": len(servers),
               "cpu_us_during": per * (own_during - own_before + db_during - db_before),
               "cpu_us_total": per * (own_total - own_before + db_total - db_before),
               "db_cpu_us_during": per * (db_during - db_before),
               "db_cpu_us_total": per * (db_total - db_before)}
    processed = ("" if summary["processed_rate"] is None
                 else f", processed {summary['processed_rate']:.0f}/s")
    log(f"  {kind}: first contact {warmup['rate']:.0f}/s ({warm_count} new actors, server CPU "
        f"{summary['first_contact_cpu_us']:.0f} us each); "
        f"burst accepted {summary['rate']:.0f}/s{processed} p50 {summary['p50_ms']:.1f} ms p99 "
        f"{summary['p99_ms']:.1f} ms, rss {peak:.0f} MB, statuses {result['statuses']}, "
        f"lost {lost}; server CPU {summary['cpu_us_during']:.0f} us"
        f" an activity while receiving, {summary['cpu_us_total']:.0f} us with processing"
        + (f" (PostgreSQL: {summary['db_cpu_us_during']:.0f} / {summary['db_cpu_us_total']:.0f} us)"
           if first.url is not None else "")
        + ("" if catch_up is None else f", all processed {catch_up:.1f} s after the last one arrived"
           f" ({left} were waiting then)"))
    if lost or (not accepted and kind != "bare"):
        for server in servers:
            log(server.log_text()[-3000:])
    return summary


def main(argv: list[str] | None = None) -> int:
    global LOCAL_KEYS
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--activities", type=int, default=20000)
    parser.add_argument("--actors", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--first-contact", type=int, default=3000, metavar="N",
                        help="actors in the first-contact phase, one activity each (at least"
                             " --actors; the burst comes from the first --actors of them)")
    parser.add_argument("--quick", action="store_true", help="200 activities, 20 actors, 1 rep")
    parser.add_argument("--only", default="fedipress,bare")
    parser.add_argument("--backends", default="sqlite",
                        help="Fedipress's databases: sqlite,postgresql,postgresql-2nodes")
    parser.add_argument("--database", choices=["postgresql"],
                        help="shorthand: --backends sqlite,postgresql")
    parser.add_argument("--pg-statements", type=int, default=0, metavar="N",
                        help="profile: after each PostgreSQL run, print its N statements that took"
                             " the most execution time (pg_stat_statements)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--serve-app", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_app:
        serve_app(args.serve_app)
        return 0
    if args.quick:
        args.activities, args.actors, args.reps, args.concurrency = 200, 20, 1, 10
        args.first_contact = 100
    if args.database:
        args.backends = "sqlite,postgresql"
    only = [k for k in args.only.split(",") if k]
    backends = [b for b in args.backends.split(",") if b]
    if set(only) - {"fedipress", "bare"} or set(backends) - set(BACKENDS) or not backends or min(
            args.activities, args.actors, args.reps, args.concurrency, args.first_contact) < 1:
        print("error: --only takes fedipress,bare; --backends takes "
              f"{','.join(BACKENDS)}; counts must be positive", file=sys.stderr)
        return 2
    kinds = [k for k in only for k in ([BACKENDS[b] for b in backends] if k == "fedipress" else [k])]

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    newcomers = max(args.first_contact, args.actors)
    pairs = min(DISTINCT_KEYS, args.actors)
    log(f"making {pairs} key pairs and signing {args.activities + newcomers} deliveries")
    LOCAL_KEYS = generate_rsa_keypair(2048)
    actors = ActorServer(newcomers, [generate_rsa_keypair(2048) for _ in range(pairs)])
    port = free_port()
    indexes = [i % args.actors for i in range(args.activities)]
    warm = presign(actors, list(range(newcomers)), port)
    load = presign(actors, indexes, port)
    targets: dict[str, list[Target]] = {k: [(port, warm, load)] for k in kinds}
    if "fedipress-pg2" in kinds:  # the second node gets every actor's warm-up and half the load
        port2 = free_port()
        log(f"signing {newcomers + len(indexes[1::2])} more deliveries for the second node")
        targets["fedipress-pg2"] = [(port, warm, load[0::2]),
                                    (port2, presign(actors, list(range(newcomers)), port2),
                                     presign(actors, indexes[1::2], port2))]
    pg = None
    if any(k.startswith("fedipress-pg") for k in kinds):
        from tests.support.postgres import PostgresServer

        profile = (("-c", "shared_preload_libraries=pg_stat_statements",
                    "-c", "pg_stat_statements.track_planning=on") if args.pg_statements else ())
        pg = PostgresServer(durable=True, options=profile).start()
        pg.top_statements = args.pg_statements
        log(f"PostgreSQL {pg.port} (fsync on, synchronous_commit on) in {pg.folder}")
    runs: dict[str, list[dict]] = {k: [] for k in kinds}
    try:
        with tempfile.TemporaryDirectory(prefix="fedipress-inbox-bench-") as tmp:
            for rep in range(args.reps):
                order = kinds[rep % len(kinds):] + kinds[:rep % len(kinds)]
                for kind in order:
                    log(f"rep {rep + 1}/{args.reps}: {kind}")
                    fetched_before = actors.fetches
                    try:
                        runs[kind].append(run_once(kind, targets[kind], Path(tmp),
                                                   args.concurrency, log, pg))
                    except RuntimeError as exc:
                        print(f"error: {exc}", file=sys.stderr)
                        return 1
                    runs[kind][-1]["actor_fetches"] = actors.fetches - fetched_before
                    log(f"  {kind}: {actors.fetches - fetched_before} actor documents fetched")
    finally:
        if pg is not None:
            pg.stop()
    summary = {k: {"rate": median([r["rate"] for r in v]),
                   "first_contact_rate": median([r["first_contact_rate"] for r in v]),
                   "first_contact_cpu_us": median([r["first_contact_cpu_us"] for r in v]),
                   "processed_rate": (None if v[0]["processed_rate"] is None
                                      else median([r["processed_rate"] for r in v])),
                   "p50_ms": median([r["p50_ms"] for r in v]),
                   "p99_ms": median([r["p99_ms"] for r in v]),
                   "rss_mb": max(r["rss_mb"] for r in v), "lost": sum(r["lost"] for r in v),
                   "accepted": sum(r["accepted"] for r in v), "sent": sum(r["sent"] for r in v),
                   "cpu_us_during": median([r["cpu_us_during"] for r in v]),
                   "cpu_us_total": median([r["cpu_us_total"] for r in v]),
                   "db_cpu_us_during": median([r["db_cpu_us_during"] for r in v]),
                   "db_cpu_us_total": median([r["db_cpu_us_total"] for r in v]),
                   "catch_up_s": (None if v[0]["catch_up_s"] is None
                                  else median([r["catch_up_s"] for r in v]))}
               for k, v in runs.items()}
    command = "python bench/inbox.py " + " ".join(argv if argv is not None else sys.argv[1:])
    print(f"Command: `{command.strip()}`\n")
    print(f"{args.activities:,} activities from {args.actors:,} actors, concurrency "
          f"{args.concurrency}, medians of {args.reps} runs, after a first contact of one"
          f" activity from each of {newcomers:,} actors (per node)\n")
    names = {"fedipress": "fedipress, SQLite", "fedipress-pg": "fedipress, PostgreSQL",
             "fedipress-pg2": "fedipress ×2 nodes, one PostgreSQL", "bare": "bare"}
    print("| Server | first contact/s | server CPU µs/first contact | accepted/s | processed/s | p50 ms | p99 ms | peak RSS MB | accepted/sent | lost "
          "| server CPU µs/activity receiving | with processing | of which PostgreSQL "
          "| processed all after |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for kind, row in summary.items():
        catch_up = "–" if row["catch_up_s"] is None else f"{row['catch_up_s']:.1f} s"
        with_processing = "–" if row["catch_up_s"] is None else f"{row['cpu_us_total']:.0f}"
        database = (f"{row['db_cpu_us_during']:.0f} / {row['db_cpu_us_total']:.0f}"
                    if kind.startswith("fedipress-pg") else "–")
        processed = "–" if row["processed_rate"] is None else f"{row['processed_rate']:.0f}"
        print(f"| {names[kind]} | {row['first_contact_rate']:.0f} | {row['first_contact_cpu_us']:.0f}"
              f" | {row['rate']:.0f} | {processed}"
              f" | {row['p50_ms']:.1f} | {row['p99_ms']:.1f} | "
              f"{row['rss_mb']:.0f} | {row['accepted']}/{row['sent']} | {row['lost']} | "
              f"{row['cpu_us_during']:.0f} | {with_processing} | {database} | {catch_up} |")
    if "fedipress" in summary and "bare" in summary and summary["bare"]["rate"]:
        cpu = (f"{summary['fedipress']['cpu_us_during'] / summary['bare']['cpu_us_during']:.2f}×"
               if summary["bare"]["cpu_us_during"] else "too short to tell")
        print(f"\nFedipress/bare throughput ratio: "
              f"{summary['fedipress']['rate'] / summary['bare']['rate']:.2f}; first contact: "
              f"{summary['fedipress']['first_contact_rate'] / (summary['bare']['first_contact_rate'] or 1):.2f}"
              f"; server CPU an activity while receiving: {cpu}")
    for kind, row in summary.items():
        if row["processed_rate"] is not None and row["rate"]:
            print(f"{names[kind]}: processed/accepted {row['processed_rate'] / row['rate']:.2f}"
                  " (runs: " + ", ".join(f"{r['processed_rate'] / r['rate']:.2f}" for r in runs[kind])
                  + ")")
    ratios: dict[str, dict] = {}
    for kind in ("fedipress-pg", "fedipress-pg2"):
        if kind in runs and "fedipress" in runs and summary["fedipress"]["rate"]:
            pairs_ = [other["rate"] / base["rate"] for other, base in zip(runs[kind], runs["fedipress"])
                      if base["rate"]]
            ratios[kind] = {"rate": summary[kind]["rate"] / summary["fedipress"]["rate"],
                            "rate_pairs": pairs_,
                            "cpu_during": (summary[kind]["cpu_us_during"]
                                           / (summary["fedipress"]["cpu_us_during"] or 1)),
                            "cpu_total": (summary[kind]["cpu_us_total"]
                                          / (summary["fedipress"]["cpu_us_total"] or 1))}
            print(f"\n{names[kind]} / SQLite: accepted/s {ratios[kind]['rate']:.2f}× (runs in pairs: "
                  + ", ".join(f"{r:.2f}" for r in pairs_)
                  + f"); CPU an activity {ratios[kind]['cpu_during']:.2f}× receiving, "
                  f"{ratios[kind]['cpu_total']:.2f}× with processing")
    if args.json:
        args.json.write_text(json.dumps({"command": command, "summary": summary, "runs": runs,
                                         "ratios": ratios}, indent=1))
    refused = sum(n for v in runs.values() for r in v for status, n in r["statuses"].items()
                  if int(status) != 202)
    if refused:  # e.g. signatures older than the inbox's Date window: the rate would mislead
        print(f"error: {refused} deliveries were not accepted (see the statuses above)", file=sys.stderr)
    return 1 if refused or any(row["lost"] for row in summary.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
