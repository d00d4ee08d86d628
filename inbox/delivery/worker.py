"""The delivery worker: claims due deliveries with leases, sends them, records outcomes.

Life of a delivery: ``claim_due`` leases a batch (at most a few per host, never one whose
earlier sibling to the same inbox and object is still pending); the worker keeps them in
per-host queues, sends with per-host and overall concurrency limits, signs each try in a
thread pool, decides with ``policy``, and writes many outcomes in one transaction. Nothing is
acknowledged before it is written, so a worker killed with ``kill -9`` loses nothing: its
leases expire and any worker sends those deliveries again (at-least-once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from inbox.delivery import policy
from inbox.delivery.hosts import host_after_answer, host_from_row, host_to_row
from inbox.delivery.leases import new_worker_id, owner_is_dead
from inbox.delivery.metrics import ATTEMPTS, IN_FLIGHT, LATENCY, QUEUE_DEPTH
from inbox.delivery.queue import host_of, on_enqueue
from inbox.delivery.sender import Answer, Sender
from inbox.delivery.signing import Payload, Signer, Target
from inbox.storage import deliveries as store
from inbox.storage import shared_work
from inbox.storage.db import Database

log = logging.getLogger("fedipress.delivery")
HEARTBEAT = "delivery:"  # named lease of each running delivery worker (worker_leases)


@dataclass(frozen=True)
class DeliveryConfig:
    """Knobs of one worker; the defaults suit a small server on 2 cores."""

    concurrency: int = 128  # sends in flight at once, all hosts together
    per_host: int = 2  # sends in flight to one host
    # At most this share of ``concurrency`` goes to hosts not proven (new, failing or dead):
    # the rest is always free for hosts that answer (issue 13 item 9).
    unproven_share: float = 0.5
    held_per_host: int = 64  # claimed but unsent deliveries kept per host
    batch: int = 2000  # claimed deliveries held at most
    lease_seconds: float = 120.0
    poll_interval: float = 1.0  # real seconds between claim rounds when idle (retries coming due)
    # Real seconds between one-row looks for jobs queued by another process (``serve`` with
    # ``run_worker = false`` next to ``fedipress inbox worker``, or another node): a new
    # fan-out starts within this instead of waiting for the next claim round.
    new_work_check: float = 0.1
    flush_interval: float = 0.05
    flush_size: int = 500
    timeout: float = 20.0
    sign_threads: int = 2
    keep_finished_days: float = 30.0  # delivered/failed rows are pruned after this


class DeliveryWorker:
    """``await run()`` until ``await stop()``; ``run_once()`` does one claim-send-record pass."""

    def __init__(
        self,
        db: Database,
        settings: Any,
        *,
        clock: Callable[[], float] = time.time,
        config: DeliveryConfig | None = None,
        worker_id: str | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._app_db = db
        self._db = db
        self._settings = settings
        self._clock = clock
        lease = getattr(settings, "lease_seconds", None)
        self.config = config or (DeliveryConfig(lease_seconds=float(lease)) if lease else DeliveryConfig())
        self.worker_id = worker_id or new_worker_id()
        self._rng = rng or random.Random()
        self._sender = Sender(
            timeout=self.config.timeout,
            allow_private=bool(getattr(settings, "allow_private_fetch", False)),
        )
        self._signer = Signer(self.config.sign_threads)
        self._queues: dict[str, deque[dict[str, Any]]] = {}
        self._queued = 0  # rows in _queues, kept as they come and go (asked after every send)
        self._in_flight: dict[str, int] = {}
        self._unproven_in_flight = 0
        self._parked: deque[str] = deque()  # unproven hosts waiting for an unproven slot
        self._inbox_busy: set[str] = set()  # inboxes with a send in flight
        self._ready: deque[str] = deque()
        self._ready_set: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._hosts: dict[str, policy.HostState] = {}
        self._dirty_hosts: set[str] = set()
        self._bodies: dict[str, Payload] = {}
        self._attempt_counters: dict[tuple[str, str], Any] = {}
        self._outcomes: list[store.Outcome] = []
        self._wake = asyncio.Event()
        self._claim_wanted = True
        self._newest_seen = 0  # highest delivery id seen by the look for new work
        self.tries = 0  # sends finished (each try counts, a 401 scheme switch too)
        self._stopping = False
        self._started = False
        self._unsubscribe: Callable[[], None] | None = None

    # --- life -----------------------------------------------------------------------------

    async def start(self) -> None:
        """Open a connection of our own (so our transactions never interleave with the
        app's on a shared connection), the HTTP session, and listen for new jobs."""
        if self._started:
            return
        self._started = True
        if self._app_db.path != ":memory:":
            self._db = await Database.open(self._app_db.path, migrate=False)
        await self._sender.start()
        await self._heartbeat()
        await self._reclaim_from_dead_workers()

        def woken(db: Database) -> None:
            if db is self._app_db or db.path == self._app_db.path:
                self._claim_wanted = True
                self._wake.set()

        self._unsubscribe = on_enqueue(woken)

    async def _heartbeat(self) -> None:
        """Say this worker is alive: running workers share the due hosts between them."""
        now = self._clock()
        await shared_work.take_named_lease(self._db, HEARTBEAT + self.worker_id, owner=self.worker_id,
                                           now=now, until=now + self.config.lease_seconds)

    async def _reclaim_from_dead_workers(self) -> None:
        """Leases of a worker on this machine whose process is gone (``kill -9``) are freed at
        once instead of after expiry; leases of other machines always wait for expiry."""
        for owner in await store.lease_owners(self._db, self._clock()):
            if owner_is_dead(owner):
                freed = await store.release_owner(self._db, owner)
                log.info("freed %d deliveries leased by dead worker %s", freed, owner)
        for owner in await shared_work.live_holders(self._db, HEARTBEAT, self._clock()):
            if owner_is_dead(owner):
                await shared_work.drop_named_lease(self._db, HEARTBEAT + owner, owner=owner)

    async def run(self) -> None:
        """Deliver until ``stop()``; database trouble is logged and retried, never fatal."""
        await self.start()
        last_renew = last_depth = last_prune = last_look = 0.0
        last_claim = -1e18
        last_flush = time.monotonic()
        try:
            while not self._stopping:
                real = time.monotonic()
                try:
                    if not self._claim_wanted and real - last_look >= self.config.new_work_check:
                        await self._look_for_new_work()
                        last_look = real
                    if self._should_claim(real - last_claim):
                        await self._claim()
                        last_claim = time.monotonic()
                    self._pump()
                    if self._outcomes and (
                        len(self._outcomes) >= self.config.flush_size
                        or real - last_flush >= self.config.flush_interval
                    ):
                        await self._flush()
                        last_flush = time.monotonic()
                    if real - last_renew >= self.config.lease_seconds / 3:
                        await store.renew_leases(self._db, worker_id=self.worker_id,
                                                 lease_until=self._clock() + self.config.lease_seconds)
                        await self._heartbeat()
                        last_renew = real
                    if real - last_prune >= 3600.0:
                        await store.prune_finished(self._db, self._clock() - self.config.keep_finished_days * 86400)
                        last_prune = real
                    if real - last_depth >= 5.0:
                        await self._reclaim_from_dead_workers()
                        QUEUE_DEPTH.set(await store.queue_depth(self._db))
                        last_depth = real
                except Exception:  # noqa: BLE001 - the worker must outlive a locked database
                    log.exception("delivery worker step failed; retrying")
                    await asyncio.sleep(1.0)
                wait = self.config.flush_interval if self._outcomes else min(self.config.poll_interval,
                                                                              self.config.new_work_check)
                try:
                    await asyncio.wait_for(self._wake.wait(), timeout=wait)
                except asyncio.TimeoutError:
                    pass
                self._wake.clear()
        finally:
            await self._shutdown()

    async def _look_for_new_work(self) -> None:
        newest = await store.newest_delivery_id(self._db)
        if newest > self._newest_seen:
            self._newest_seen = newest
            self._claim_wanted = True

    async def stop(self) -> None:
        """Finish the sends in flight, record them, hand back unsent claims."""
        self._stopping = True
        self._wake.set()

    async def run_once(self) -> int:
        """One pass for tests and scripts: claim what is due, send it all, record; returns tries."""
        await self.start()
        rows = await self._claim()
        if not rows:
            return 0
        before = self.tries
        while self._tasks or any(self._queues.values()):
            self._pump()
            if self._tasks:
                await asyncio.wait(set(self._tasks), return_when=asyncio.FIRST_COMPLETED)
        await self._flush()
        return self.tries - before

    async def close(self) -> None:
        """Release what ``run_once`` users opened."""
        await self._shutdown()

    async def _shutdown(self) -> None:
        if self._unsubscribe:
            self._unsubscribe()
            self._unsubscribe = None
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=self.config.timeout + 5)
        if self._outcomes:
            await self._flush()
        unsent = [row["id"] for queue in self._queues.values() for row in queue]
        self._queues.clear()
        self._queued = 0
        if unsent:
            await store.release_leases(self._db, worker_id=self.worker_id, ids=unsent)
        with contextlib.suppress(Exception):
            await shared_work.drop_named_lease(self._db, HEARTBEAT + self.worker_id, owner=self.worker_id)
        await self._sender.close()
        self._signer.close()
        if self._db is not self._app_db:
            await self._db.close()
            self._db = self._app_db
        self._started = False

    # --- claiming -------------------------------------------------------------------------

    def _held(self) -> int:
        return self._queued + len(self._tasks)

    def _should_claim(self, since_last: float) -> bool:
        if self._held() > self.config.batch // 2:
            return False
        return self._claim_wanted or since_last >= self.config.poll_interval

    async def _claim(self) -> list[dict[str, Any]]:
        """Lease a batch and put it in per-host queues (loading bodies, keys, host states)."""
        self._claim_wanted = False
        now = self._clock()
        room = self.config.batch - self._held()
        if room <= 0:
            return []
        busy = [h for h, q in self._queues.items() if len(q) >= self.config.held_per_host]
        mine = {h for h, q in self._queues.items() if q} | {h for h, n in self._in_flight.items() if n}
        rows = await store.claim_due(
            self._db, worker_id=self.worker_id, now=now, lease_until=now + self.config.lease_seconds,
            limit=room, per_host=self.config.held_per_host, skip_hosts=busy,
            mine=mine, new_hosts=await self._host_share(now, len(mine)),
        )
        if not rows:
            return rows
        self._claim_wanted = len(rows) >= room  # more may be due right away
        await self._load_for(rows)
        for row in rows:
            self._queues.setdefault(row["host"], deque()).append(row)
            self._mark_ready(row["host"])
        self._queued += len(rows)
        return rows

    async def _host_share(self, now: float, held: int) -> int:
        """How many more hosts this worker may take: all of them when it runs alone, else its
        share of the hosts with due work (so one fan-out spreads over every worker)."""
        workers = len(await shared_work.live_holders(self._db, HEARTBEAT, now))
        if workers <= 1:
            return 1_000_000
        share = -(-await store.due_hosts(self._db, now) // workers)
        return max(1, share - held)

    async def _load_for(self, rows: list[dict[str, Any]]) -> None:
        missing_jobs = {r["job_id"] for r in rows} - self._bodies.keys()
        if missing_jobs:
            for job_id, (_, body) in (await store.job_bodies(self._db, missing_jobs)).items():
                self._bodies[job_id] = Payload.of(body.encode("utf-8"))  # Digest once per job
        for actor in {r["actor_mention"] for r in rows}:
            if not self._signer.has_key(actor):
                found = await store.actor_signing_key(self._db, actor)
                if found:
                    self._signer.add_key(actor, *found)
        # A host we hold no work for may have been worked by another worker since we last
        # did: read its state again (the circuit, failures, the scheme it wants).
        unknown = {r["host"] for r in rows if not self._queues.get(r["host"])
                   and not self._in_flight.get(r["host"]) and r["host"] not in self._dirty_hosts}
        for data in await store.load_hosts(self._db, unknown):
            self._hosts[data["host"]] = host_from_row(data)
        for host in unknown:
            self._hosts.setdefault(host, policy.HostState(host))

    # --- sending --------------------------------------------------------------------------

    def _mark_ready(self, host: str) -> None:
        if host not in self._ready_set:
            self._ready_set.add(host)
            self._ready.append(host)

    def _pump(self) -> None:
        """Start sends while there is room, round-robin over hosts with queued work."""
        now = self._clock()
        while self._ready and len(self._tasks) < self.config.concurrency:
            host = self._ready.popleft()
            self._ready_set.discard(host)
            queue = self._queues.get(host)
            if not queue:
                self._queues.pop(host, None)
                continue
            state = self._hosts.get(host)
            if not policy.host_is_open(state, now):
                self._defer_host(host, state)
                continue
            if self._in_flight.get(host, 0) >= policy.host_slots(state, self.config.per_host):
                continue  # re-marked ready when one of its sends finishes
            if queue[0]["inbox"] in self._inbox_busy:
                continue  # one send at a time per inbox, in queue order; re-marked when it ends
            proven = policy.host_is_proven(state)
            if not proven:
                if self._unproven_in_flight >= max(1, int(self.config.concurrency * self.config.unproven_share)):
                    self._parked.append(host)  # re-marked ready when an unproven send ends
                    continue
                self._unproven_in_flight += 1
            row = queue.popleft()
            self._queued -= 1
            self._inbox_busy.add(row["inbox"])
            self._in_flight[host] = self._in_flight.get(host, 0) + 1
            task = asyncio.create_task(self._send(row, proven=proven))
            self._tasks.add(task)
            task.add_done_callback(self._sent)
            if queue:
                self._mark_ready(host)
        IN_FLIGHT.set(len(self._tasks))

    def _sent(self, task: asyncio.Task[None]) -> None:
        """Refill the freed slot at once; wake the main loop only when it has work to do."""
        self._tasks.discard(task)
        if task.cancelled() or task.exception() is not None:
            log.error("delivery task failed", exc_info=None if task.cancelled() else task.exception())
        if not self._stopping:
            self._pump()
        if self._stopping or not self._tasks or self._held() <= self.config.batch // 2:
            self._wake.set()

    def _defer_host(self, host: str, state: policy.HostState | None) -> None:
        """The host's circuit opened: hand its queued deliveries back until it closes."""
        queue = self._queues.pop(host, deque())
        self._queued -= len(queue)
        until = state.open_until if state else self._clock()
        now = self._clock()
        for row in queue:
            self._outcomes.append(store.Outcome(
                row["id"], row["actor_mention"], row["inbox"], store.PENDING, row["attempts"],
                until, None, "host unavailable" if state and state.unavailable else "circuit open", False, now,
                row["job_id"],
            ))

    async def _send(self, row: dict[str, Any], *, proven: bool = True) -> None:
        host = row["host"]
        try:
            await self._try_once(row)
        finally:
            if not proven:
                self._unproven_in_flight -= 1
                while self._parked:
                    self._mark_ready(self._parked.popleft())
            self.tries += 1
            self._inbox_busy.discard(row["inbox"])
            self._in_flight[host] -= 1
            if self._queues.get(host):
                self._mark_ready(host)

    async def _try_once(self, row: dict[str, Any]) -> None:
        host, actor = row["host"], row["actor_mention"]
        state = self._hosts.get(host) or policy.HostState(host)
        payload = self._bodies.get(row["job_id"])
        attempts = row["attempts"] + 1
        if payload is None or not self._signer.has_key(actor):
            reason = "job vanished" if payload is None else f"no signing key for {actor}"
            self._record(row, policy.Decision("failed", reason=reason), attempts, None)
            return
        target = row.get("target")
        if target is None:
            try:
                target = row["target"] = Target.of(row["inbox"])
            except ValueError as exc:
                self._record(row, policy.Decision("failed", reason=f"unusable inbox URL: {exc}"), attempts, None)
                return
        scheme = state.signature_scheme
        started = time.perf_counter()
        try:
            headers = await self._signer.headers_for(actor, target, payload, scheme=scheme, now=self._clock())
        except Exception as exc:  # noqa: BLE001 - a bad key or URL fails this delivery only
            self._record(row, policy.Decision("failed", reason=f"signing: {exc}"), attempts, None)
            return
        answer: Answer = await self._sender.post(target, payload, headers)
        LATENCY.observe(time.perf_counter() - started)
        now = self._clock()
        retry_after = policy.parse_retry_after(answer.retry_after, now)
        state, resend = host_after_answer(self._hosts.get(host) or state, answer, scheme=scheme, now=now,
                                          retry_after=retry_after)
        if state is not self._hosts.get(host):
            self._hosts[host] = state
            self._dirty_hosts.add(host)
        decision = policy.decide(
            status=answer.status, attempts=attempts, now=now, jitter=self._rng.random(),
            retry_after=retry_after, resend_now=resend, error=answer.error or "", permanent=answer.permanent,
        )
        outcome = "retry" if decision.state == "pending" else policy.classify(answer.status)
        self._attempts_counter(outcome, policy.status_class(answer.status)).inc()
        if resend:  # straight back to the front of its host queue, signed the other way
            self._queues.setdefault(host, deque()).appendleft({**row, "attempts": attempts})
            self._queued += 1
            return
        self._record(row, decision, attempts, answer.status)

    def _attempts_counter(self, outcome: str, status_class: str) -> Any:
        key = (outcome, status_class)
        counter = self._attempt_counters.get(key)
        if counter is None:
            counter = self._attempt_counters[key] = ATTEMPTS.labels(outcome, status_class)
        return counter

    def _record(self, row: dict[str, Any], decision: policy.Decision, attempts: int, status: int | None) -> None:
        self._outcomes.append(store.Outcome(
            row["id"], row["actor_mention"], row["inbox"], decision.state, attempts,
            decision.next_attempt_at, status, None if decision.state == "delivered" else decision.reason,
            decision.remove_follower, self._clock(), row["job_id"],
        ))
        if len(self._outcomes) >= self.config.flush_size:
            self._wake.set()

    async def _flush(self) -> None:
        """Write every finished try and changed host in one transaction."""
        outcomes, self._outcomes = self._outcomes, []
        hosts = [host_to_row(self._hosts[h]) for h in self._dirty_hosts if h in self._hosts]
        self._dirty_hosts = set()
        try:
            await store.record_outcomes(self._db, outcomes, hosts, worker_id=self.worker_id, host_of=host_of)
        except Exception:
            self._outcomes = outcomes + self._outcomes  # try again next round
            self._dirty_hosts.update(h[0] for h in hosts)
            raise
        if any(o.state != store.PENDING or o.next_attempt_at is not None for o in outcomes):
            self._claim_wanted = True  # a finished delivery may unblock the next one in order
        if len(self._bodies) > 4 * self.config.batch and not self._tasks:
            keep = {row["job_id"] for q in self._queues.values() for row in q}
            self._bodies = {k: v for k, v in self._bodies.items() if k in keep}


__all__ = ["DeliveryConfig", "DeliveryWorker"]
