"""Real ``fedipress inbox serve`` nodes and ``fedipress inbox worker`` processes sharing one
database, as an operator runs them behind a load balancer (one inbox.toml for all)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.support.server import eventually, free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Cluster:
    tmp: Path
    database: str
    open_registration: list[str] = field(default_factory=list)
    lease_seconds: float = 10.0
    nodes: dict[str, tuple[asyncio.subprocess.Process, int]] = field(default_factory=dict)
    workers: dict[str, asyncio.subprocess.Process] = field(default_factory=dict)
    public_port: int = 0

    @property
    def config(self) -> Path:
        path = self.tmp / "inbox.toml"
        if not path.exists():
            self.public_port = self.public_port or free_port()
            registration = ", ".join(f'"{name}"' for name in self.open_registration)
            path.write_text(
                "[inbox]\n"
                f'database = "{self.database}"\n'
                f'public_url = "http://127.0.0.1:{self.public_port}"\n'
                'accepted_hosts = ["127.0.0.1"]\n'
                "allow_private_fetch = true\n"
                "run_worker = false\n"
                'log_level = "warning"\n'
                f"lease_seconds = {self.lease_seconds}\n"
                f"open_registration = [{registration}]\n")
        return path

    def url(self, node: str, path: str) -> str:
        return f"http://127.0.0.1:{self.nodes[node][1]}{path}"

    async def start_node(self, name: str, port: int | None = None) -> None:
        port = port or (self.nodes[name][1] if name in self.nodes else free_port())
        log = open(self.tmp / f"{name}.log", "ab")  # noqa: SIM115 - the process writes it
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "fedipress", "inbox", "serve", "--config", str(self.config),
            "--port", str(port), cwd=ROOT, stdout=log, stderr=log)
        self.nodes[name] = (process, port)

        async def ready() -> bool:
            async with httpx.AsyncClient(trust_env=False, timeout=2) as client:
                try:
                    return (await client.get(self.url(name, "/readyz"))).status_code == 200
                except httpx.HTTPError:
                    return False

        await eventually(ready, timeout=60, interval=0.1, message=f"node {name} did not start")

    async def start_worker(self, name: str) -> None:
        log = open(self.tmp / f"{name}.log", "ab")  # noqa: SIM115 - the process writes it
        self.workers[name] = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "fedipress", "inbox", "worker", "--config", str(self.config),
            cwd=ROOT, stdout=log, stderr=log)

    async def kill(self, name: str) -> None:
        """``kill -9``: no shutdown, no lease handed back."""
        process = self.nodes[name][0] if name in self.nodes else self.workers[name]
        os.kill(process.pid, signal.SIGKILL)
        await process.wait()

    async def stop(self) -> None:
        processes = [p for p, _ in self.nodes.values()] + list(self.workers.values())
        for process in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                await asyncio.wait_for(process.wait(), 20)
            except asyncio.TimeoutError:
                process.kill()
                await process.wait()
