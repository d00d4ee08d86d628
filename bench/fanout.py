"""Fan-out benchmark: signed deliveries per second to loopback "servers".

    .venv/bin/python bench/fanout.py                 # both cases, full size
    .venv/bin/python bench/fanout.py --scale 0.1     # a quick smoke run
    .venv/bin/python bench/fanout.py --workers 1,2   # N separate `inbox worker`-style processes

Every worker runs with the shipped defaults (``DeliveryConfig()``, what ``fedipress inbox
serve`` and ``fedipress inbox worker`` use) unless ``--tuned`` gives the bigger knobs earlier
sessions measured with. Without ``--workers`` the worker runs inside the benchmark process, as
``serve`` runs it (``run_worker = true``, woken by the enqueue); with ``--workers`` that many
worker processes share the one database (leases, hosts split between them: docs/scaling.md)
and see the job only by looking for it; their CPU is summed.

Case ``shared``: 10,000 followers on 1,000 hosts, each host with a shared inbox, so 1,000
signed POSTs (goal: under 2 s from enqueue to the last one recorded). Case ``distinct``:
10,000 distinct inboxes on 100 hosts, so 10,000 signed POSTs (goal: ``of_floor`` >= 0.75).
The receivers run in a separate process (one asyncio server with llhttp parsing, one port
per host: cheap, so the worker is what is measured) and answer 202 at once; they verify every
50th signature so a broken signer cannot look fast. They share the cores with the worker.

The machine is shared, so each run also measures the **signing floor**: the same number of
signatures (same key, same kind of URLs) through a 2-thread signing pool with nothing else,
timed right before and right after the fan-out; the faster of the two is the floor.
``of_floor`` = floor seconds / fan-out seconds = deliveries/s over floor/s (1.0 would be
"only signing"). CPU is reported per delivery: the worker's, the receivers', and
(in-process) split by thread: event loop, signing pool, database. Several runs are made
(``--runs``); medians are printed, also against the fastest floor of the runs
(``of_best_floor``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RECEIVER = r"""
import asyncio, json, sys, time
import httptools
from fedicore.httpsig import HttpRequest, parse_signature, verify_request

hosts, public_pem = int(sys.argv[1]), sys.stdin.read()
seen = {"n": 0, "bad": 0, "cpu": 0.0}
cpu0 = time.process_time()
OK = b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"


class Inbox(asyncio.Protocol):
    # A remote server stand-in that costs little CPU: parse, count, verify every 50th, 202.
    def connection_made(self, transport):
        self.transport, self.parser = transport, httptools.HttpRequestParser(self)
        self.headers, self.body, self.url = {}, [], b""

    def data_received(self, data):
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self.transport.close()

    def on_url(self, url):
        self.url += url

    def on_header(self, name, value):
        self.headers[name.decode("latin-1")] = value.decode("latin-1")

    def on_body(self, body):
        self.body.append(body)

    def on_message_complete(self):
        if self.url == b"/stats":
            seen["cpu"] = round(time.process_time() - cpu0, 3)
            out = json.dumps(seen).encode()
            self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(out), out))
            return
        seen["n"] += 1
        if seen["n"] % 50 == 1:
            url = "http://" + self.headers.get("Host", "") + self.url.decode("latin-1")
            req = HttpRequest("POST", url, self.headers, b"".join(self.body))
            parsed = parse_signature(req)
            if not hasattr(parsed, "scheme") or verify_request(req, parsed, public_pem, now=time.time()):
                seen["bad"] += 1
        self.transport.write(OK)
        self.headers, self.body, self.url = {}, [], b""


async def main():
    loop = asyncio.get_running_loop()
    ports = []
    for _ in range(hosts):
        server = await loop.create_server(Inbox, "127.0.0.1", 0, backlog=1024)
        ports.append(server.sockets[0].getsockname()[1])
    print(json.dumps(ports), flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


WORKER = r"""
import asyncio, json, os, signal, sys, time
from inbox.delivery import DeliveryConfig, DeliveryWorker
from inbox.settings import Settings
from inbox.storage.db import Database


async def main():
    db = await Database.open(sys.argv[1], migrate=False)
    config = DeliveryConfig(**json.loads(sys.argv[2])) if sys.argv[2] != "null" else None  # None: shipped defaults
    worker = DeliveryWorker(db, Settings(allow_private_fetch=True, database=sys.argv[1]), config=config)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await worker.start()
    task = asyncio.create_task(worker.run())
    print(json.dumps({"ready": True, "cpu": time.process_time(), "sys": os.times().system}), flush=True)
    await stop.wait()
    await worker.stop()
    await task
    print(json.dumps({"cpu": time.process_time(), "sys": os.times().system}), flush=True)
    await db.close()

asyncio.run(main())
"""


def start_workers(count: int, database: str, knobs: dict | None) -> list[subprocess.Popen]:
    """``count`` delivery worker processes on ``database``, each ready when this returns."""
    procs = [subprocess.Popen([sys.executable, "-c", WORKER, database, json.dumps(knobs)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
             for _ in range(count)]
    for proc in procs:
        assert proc.stdout
        proc.start_cpu = json.loads(proc.stdout.readline())  # type: ignore[attr-defined]  # imports, opening
    return procs


def stop_workers(procs: list[subprocess.Popen]) -> tuple[float, float]:
    """Stop them; their CPU seconds since they were ready and the kernel's part, summed."""
    cpu = sys_cpu = 0.0
    for proc in procs:
        proc.terminate()
    for proc in procs:
        out, _ = proc.communicate(timeout=60)
        last, first = json.loads(out.strip().splitlines()[-1]), proc.start_cpu  # type: ignore[attr-defined]
        cpu, sys_cpu = cpu + last["cpu"] - first["cpu"], sys_cpu + last["sys"] - first["sys"]
    return cpu, sys_cpu


# ``--tuned``: the knobs earlier sessions measured with (bigger batches and queues, faster polling);
# without it every worker runs with the shipped ``DeliveryConfig()`` defaults, as ``serve`` does.
TUNED = {"concurrency": 200, "per_host": 2, "batch": 4000, "held_per_host": 200, "flush_size": 1000,
         "poll_interval": 0.05}


async def run_case(name: str, followers: int, hosts: int, shared: bool, keypair: tuple[str, str],
                   workers: int = 0, knobs: dict | None = None) -> dict:
    import aiohttp

    from inbox.delivery import DeliveryConfig, DeliveryWorker, enqueue, follower_inboxes
    from inbox.settings import Settings
    from inbox.storage.db import Database

    proc = subprocess.Popen(
        [sys.executable, "-c", RECEIVER, str(hosts)], cwd=ROOT, stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True,
    )
    assert proc.stdin and proc.stdout
    proc.stdin.write(keypair[1])
    proc.stdin.close()
    ports = json.loads(proc.stdout.readline())
    tmp = tempfile.mkdtemp(prefix="fanout-")
    db = await Database.open(Path(tmp) / "inbox.sqlite3")
    actor = "@bench@blog.example"
    try:
        await db.execute(
            "INSERT INTO actors (mention, actor_url, public_key_id, public_key_pem, private_key_pem, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (actor, "https://blog.example/ap/actor.json", "https://blog.example/ap/actor.json#main-key",
             keypair[1], keypair[0], time.time()),
        )
        rows = []
        for n in range(followers):
            base = f"http://127.0.0.1:{ports[n % hosts]}"
            rows.append((actor, f"{base}/users/{n}", f"{base}/users/{n}/inbox",
                         f"{base}/inbox" if shared else None, time.time()))
        async with db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO followers (actor_mention, follower_id, inbox, shared_inbox, created_at)"
                " VALUES (?, ?, ?, ?, ?)", rows,
            )
        activity = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": "https://blog.example/ap/posts/bench.json#create", "type": "Create",
            "actor": "https://blog.example/ap/actor.json", "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "object": {"id": "https://blog.example/ap/posts/bench.json", "type": "Article",
                       "content": "<p>" + "fediverse " * 180 + "</p>"},  # ~2 KiB body
        }
        targets = list(dict.fromkeys(r[3] or r[2] for r in rows))
        floor_before = await signing_floor(keypair, targets)
        config = DeliveryConfig(**knobs) if knobs else None  # None: the shipped defaults
        worker = DeliveryWorker(db, Settings(allow_private_fetch=True, database=db.path), config=config)
        procs = start_workers(workers, db.path, knobs) if workers else []
        threads0 = thread_cpu()
        cpu0, sys0, t0 = time.process_time(), os.times().system, time.perf_counter()
        job = await enqueue(db, actor=actor, activity=activity, inboxes=await follower_inboxes(db, actor))
        task = asyncio.create_task(worker.run()) if not workers else None
        while True:
            await asyncio.sleep(0.02)
            # one index probe, not a count of what is left: the bench must not cost the worker CPU
            if await db.fetchone("SELECT 1 FROM deliveries WHERE job_id = ? AND state = 'pending' LIMIT 1",
                                 (job,)) is None:
                break
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        sys_cpu = os.times().system - sys0
        threads: dict[str, float] = {}
        for tid, (kind, seconds) in thread_cpu().items():  # threads that ended meanwhile are not counted
            threads[kind] = threads.get(kind, 0.0) + seconds - threads0.get(tid, (kind, 0.0))[1]
        connections = worker_connections(worker)
        if task is not None:
            await worker.stop()
            await task
        else:
            cpu, sys_cpu = stop_workers(procs)  # the workers' CPU from ready (idle until the enqueue) to stopped
        counts = {r["state"]: r["n"] for r in await db.fetchall(
            "SELECT state, COUNT(*) AS n FROM deliveries WHERE job_id = ? GROUP BY state", (job,))}
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{ports[0]}/stats") as r:
                seen = await r.json()
        sent = counts.get("delivered", 0)
        floor_after = await signing_floor(keypair, targets[: max(sent, 1)])
        # The faster of the two floors, timed just before and just after: a neighbour's burst
        # during one of them must not flatter the ratio.
        floor, floor_cpu = min(floor_before, floor_after)
        return {
            "case": name, "config": "tuned" if knobs else "defaults", "workers": workers or "in-process",
            "followers": followers, "hosts": hosts, "requests": sent,
            "failed": counts.get("failed", 0), "seconds": round(elapsed, 3),
            "deliveries_per_s": round(sent / elapsed), "floor_s": round(floor, 3),
            "floor_s_before_after": [round(floor_before[0], 3), round(floor_after[0], 3)],
            "floor_per_s": round(sent / floor), "of_floor": round(floor / elapsed, 2),
            "worker_cpu_ms_per_delivery": round(cpu / max(sent, 1) * 1000, 3),
            "worker_kernel_cpu_ms_per_delivery": round(sys_cpu / max(sent, 1) * 1000, 3),  # of which
            "signing_cpu_ms_per_delivery": round(floor_cpu / max(sent, 1) * 1000, 3),
            "other_cpu_ms_per_delivery": round((cpu - floor_cpu) / max(sent, 1) * 1000, 3),
            "receiver_cpu_ms_per_delivery": round(seen.get("cpu", 0.0) / max(sent, 1) * 1000, 3),
            # in-process only: where the bench process's CPU went, per delivery, by thread kind
            **({f"{k}_thread_cpu_ms_per_delivery": round(v / max(sent, 1) * 1000, 3) for k, v in threads.items()}
               if not workers else {}),
            "connections": connections,
            "receiver_hits": seen["n"], "bad_signatures_in_sample": seen["bad"],
        }
    finally:
        await db.close()
        proc.terminate()
        proc.wait()


def thread_cpu() -> dict[int, tuple[str, float]]:
    """Each live thread of this process: its kind (event loop, signing pool, database) and CPU
    seconds, from /proc."""
    import threading

    kinds = {t.native_id: ("sign" if t.name.startswith("fedipress-sign") else
                           "loop" if t is threading.main_thread() else "db") for t in threading.enumerate()}
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[int, tuple[str, float]] = {}
    for tid, kind in kinds.items():
        try:
            fields = Path(f"/proc/self/task/{tid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        out[tid] = (kind, (int(fields[11]) + int(fields[12])) / tick)
    return out


def worker_connections(worker) -> int:  # noqa: ANN001
    return getattr(worker._sender, "connections_opened", -1)  # noqa: SLF001 - a bench may peek


async def signing_floor(keypair: tuple[str, str], urls: list[str]) -> tuple[float, float]:
    """Seconds (wall, CPU) to sign one request per URL in the worker's 2-thread pool, nothing else."""
    from inbox.delivery.signing import Payload, Signer, Target

    signer = Signer(2)
    signer.add_key("@bench@blog.example", "https://blog.example/ap/actor.json#main-key", keypair[0])
    payload = Payload.of(b"x" * 2048)
    targets = [Target.of(u) for u in urls]
    cpu0, t0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(signer.headers_for("@bench@blog.example", t, payload, scheme="cavage", now=time.time())
                           for t in targets))
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    signer.close()
    return elapsed, cpu


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply follower and host counts")
    parser.add_argument("--case", choices=["shared", "distinct", "both"], default="both")
    parser.add_argument("--runs", type=int, default=3, help="runs per case; medians are printed")
    parser.add_argument("--workers", default="", help="comma list of worker process counts, e.g. 1,2")
    parser.add_argument("--tuned", action="store_true", help="the earlier tuned knobs instead of the shipped defaults")
    args = parser.parse_args()
    from fedicore.keys import generate_rsa_keypair

    keypair = generate_rsa_keypair()
    scale = args.scale
    cases = []
    if args.case in ("shared", "both"):
        cases.append(("shared", int(10_000 * scale), max(int(1_000 * scale), 1), True))
    if args.case in ("distinct", "both"):
        cases.append(("distinct", int(10_000 * scale), max(int(100 * scale), 1), False))
    print(f"cpus: {os.cpu_count()}  python: {sys.version.split()[0]}")
    counts = [int(n) for n in args.workers.split(",") if n.strip()] or [0]
    for name, followers, hosts, shared in cases:
        for workers in counts:
            results = []
            for _ in range(args.runs):
                results.append(await run_case(name, followers, hosts, shared, keypair, workers,
                                              TUNED if args.tuned else None))
                print(json.dumps(results[-1]), flush=True)
            keys = ("seconds", "deliveries_per_s", "floor_per_s", "of_floor", "worker_cpu_ms_per_delivery",
                    "other_cpu_ms_per_delivery")
            median = {k: round(statistics.median(r[k] for r in results), 3) for k in keys}
            print(json.dumps({"case": name, "config": "tuned" if args.tuned else "defaults",
                              "workers": workers or "in-process", "median_of": len(results), **median,
                              "of_floor_runs": [r["of_floor"] for r in results],
                              # conservative: against the fastest floor of these runs (a floor
                              # slowed by a neighbour flatters its own run's of_floor)
                              "of_best_floor": round(median["deliveries_per_s"]
                                                     / max(r["floor_per_s"] for r in results), 2),
                              "load_average": [round(x, 2) for x in os.getloadavg()]}), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
