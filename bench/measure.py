"""Run one command and measure it: wall time, peak RSS of its largest process and of its whole
process tree (Fedipress renders in worker processes, so the tree sum is what a user's machine
feels). Also the statistics the harnesses share.
"""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

SAMPLE_SECONDS = 0.02


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mb: float  # largest single process (wait4's ru_maxrss, reaped descendants included)
    tree_mb: float  # largest sampled sum over the process tree
    returncode: int
    output: str
    cpu_seconds: float = 0.0  # user + system of the process and its reaped children


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            text = Path(f"/proc/{pid}/task/{task}/children").read_text()
            found.extend(int(p) for p in text.split())
    except OSError:
        pass
    return found


def rss_mb(pid: int) -> float:
    """Resident set size of one process, in MB (0 if it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (0.0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def tree_rss_mb(pid: int) -> float:
    total, stack = 0.0, [pid]
    while stack:
        current = stack.pop()
        total += rss_mb(current)
        stack.extend(_children(current))
    return total


def run(command: Sequence[str], *, cwd: Path | None = None, env: dict | None = None,
        timeout: float = 1800) -> Run:
    """Run ``command`` to completion, sampling its process tree's memory meanwhile."""
    started = time.perf_counter()
    proc = subprocess.Popen(list(command), cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    peak_tree = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_tree
        while not done.is_set():
            peak_tree = max(peak_tree, tree_rss_mb(proc.pid))
            done.wait(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: chunks.append(proc.stdout.read()), daemon=True)
    reader.start()
    deadline = started + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
        time.sleep(0.002)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    sampler.join()
    reader.join(timeout=5)
    return Run(seconds, usage.ru_maxrss / 1024, max(peak_tree, usage.ru_maxrss / 1024),
               proc.returncode, b"".join(chunks).decode(errors="replace"),
               usage.ru_utime + usage.ru_stime)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of a sample (no interpolation: an observed latency)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]
