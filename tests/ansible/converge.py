"""Driving a converge of the fedipress_inbox role into a Debian bookworm root.

Kept apart from the tests so they read as statements about the deployment: this module
prepares the root (debootstrap, cached), runs ansible-playbook through the
``fedipress_chroot`` connection, and boots the result with systemd-nspawn.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
ANSIBLE_DIR = REPO / "ansible"
VENV_BIN = Path(sys.executable).parent
CACHE = Path(os.environ.get("FEDIPRESS_CI_CACHE", "/var/cache/fedipress-ci"))
DOMAIN = "blog.test"
TOOLS = ("debootstrap", "chroot", "systemd-nspawn", "nsenter", "mount", "umount")
APT_PACKAGES = "debootstrap systemd-container"
PROXIES = ("caddy", "nginx")  # converged in this order into the same root

# A built site as `fedipress build` lays it out (docs/CONTRACTS.md).
SITE_FILES: dict[str, str] = {
    "index.html": "<!doctype html><title>blog</title>",
    "posts/hello/index.html": "<!doctype html><title>hello</title>",
    "feed.xml": '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"/>',
    "ap/actor.json": '{"type": "Person"}',
    "ap/posts/hello.json": '{"type": "Note"}',
    "ap/outbox/page-1.json": '{"type": "OrderedCollectionPage"}',
    ".well-known/webfinger": '{"subject": "acct:alice@blog.test"}',
    ".well-known/host-meta": '<?xml version="1.0"?><XRD/>',
    ".well-known/nodeinfo": '{"links": []}',
    "nodeinfo/2.1.json": '{"version": "2.1"}',
}
# URLs the booted proxy must answer with 200 (never a redirect) and sitegen's type.
DOCUMENT_URLS = (
    "/", "/posts/hello", "/posts/hello/", "/feed.xml", "/ap/actor.json",
    "/ap/posts/hello.json", "/ap/outbox/page-1.json",
    "/.well-known/webfinger?resource=acct:alice@blog.test", "/.well-known/host-meta",
    "/.well-known/nodeinfo", "/nodeinfo/2.1.json",
)
BLOCKLIST_CSV = (
    "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n"
    "spam.test,suspend,false,false,spam,false\n"
)


@contextlib.contextmanager
def one_converge_at_a_time(timeout: float = 600) -> Iterator[float]:
    """Hold the machine-wide converge lock; yields the seconds spent waiting for it.

    Two converges at once break each other: on this cgroup-v1 host every nspawn container
    lands in the same /payload cgroup, so a second booted container's Caddy failed with
    "listen udp :443: bind: address already in use" (and its systemd with EIO on that
    cgroup); they also share the cached base in CACHE. So runs take turns.
    """
    CACHE.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with (CACHE / "converge.lock").open("a+") as lock:
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() - started > timeout:
                    lock.seek(0)
                    raise RuntimeError(
                        f"another converge run still holds {lock.name} after {timeout:.0f}s:"
                        f" {lock.read().strip() or 'unknown holder'}") from None
                time.sleep(1)
        lock.seek(0)
        lock.truncate()
        lock.write(f"pid {os.getpid()} since {time.strftime('%H:%M:%S')}\n")
        lock.flush()
        try:
            yield time.monotonic() - started
        finally:
            lock.truncate(0)
            fcntl.flock(lock, fcntl.LOCK_UN)


def missing_prerequisite() -> str | None:
    """Why the converge cannot run on this machine, or None."""
    if os.geteuid() != 0:
        return "the converge test must run as root (debootstrap, chroot, systemd-nspawn)"
    for tool in TOOLS:
        if shutil.which(tool) is None:
            return f"{tool} is missing: apt-get install {APT_PACKAGES}"
    if not (VENV_BIN / "ansible-playbook").exists():
        return "ansible-playbook is not in the venv: pip install ansible-core"
    return None


@dataclass
class Run:
    returncode: int
    output: str
    seconds: float = 0.0

    @property
    def recap(self) -> dict[str, int]:
        """The PLAY RECAP counters of the single host."""
        match = re.search(r"^converge\s*:\s*(.*)$", self.output, re.MULTILINE)
        if match is None:
            return {}
        return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", match.group(1))}

    def changed_tasks(self) -> list[str]:
        """Names of the tasks and handlers that reported a change (for failure messages)."""
        changed, current = [], ""
        for line in self.output.splitlines():
            if line.startswith(("TASK [", "RUNNING HANDLER [")):
                current = line[line.index("[") + 1 : line.rindex("]")].split(" : ", 1)[-1]
            elif line.startswith("changed: [converge]") and current not in changed:
                changed.append(current)
        return changed


@dataclass
class Converge:
    work: Path
    root: Path = field(init=False)
    runs: dict[str, Run] = field(default_factory=dict)  # label -> run, in order
    # per proxy ("caddy", "nginx"): the probe's answers and the boot's log + journal
    probes: dict[str, dict[str, str]] = field(default_factory=dict)
    boot_logs: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)  # seconds, for the report

    def __post_init__(self) -> None:
        self.root = self.work / "root"

    # --- the root -----------------------------------------------------------------
    def make_root(self) -> None:
        started = time.monotonic()
        subprocess.run([str(HERE / "bookworm-root.sh"), str(CACHE), str(self.root)], check=True)
        self.timings["root"] = time.monotonic() - started
        shutil.copyfile("/etc/resolv.conf", self.root / "etc/resolv.conf", follow_symlinks=True)
        hosts = self.root / "etc/hosts"
        if not hosts.exists():  # debootstrap leaves none; every installed Debian has one
            hosts.write_text("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")
        # No daemon starts in the chroot while packages are installed (policy-rc.d).
        self.enter_root()

    def enter_root(self) -> None:
        """Mount /proc for the chroot (packages' scripts and Ansible's facts read it)."""
        (self.root / "usr/sbin/policy-rc.d").write_text("#!/bin/sh\nexit 101\n")
        (self.root / "usr/sbin/policy-rc.d").chmod(0o755)
        proc = self.root / "proc"
        if not os.path.ismount(proc):
            subprocess.run(["mount", "-t", "proc", "proc", str(proc)], check=True)

    def release_root(self) -> None:
        """Unmount what make_root mounted; must run before the root is booted or removed."""
        proc = self.root / "proc"
        if os.path.ismount(proc):
            subprocess.run(["umount", str(proc)], check=True)
        (self.root / "usr/sbin/policy-rc.d").unlink(missing_ok=True)

    def remove_root(self) -> None:
        self.release_root()
        if self.root.exists():
            self._keep_downloaded_packages()
            subprocess.run(["rm", "-rf", "--one-file-system", str(self.root)], check=False)

    def _keep_downloaded_packages(self) -> None:
        # Packages the role downloaded go back into the cached base, so the next run's
        # apt finds them locally.
        archives = self.root / "var/cache/apt/archives"
        for base in CACHE.glob("bookworm-*/var/cache/apt/archives"):
            for deb in archives.glob("*.deb"):
                if not (base / deb.name).exists():
                    shutil.copy2(deb, base / deb.name)

    # --- the playbook --------------------------------------------------------------
    def make_inputs(self, extras: str = "") -> dict:
        """Wheels (with the dependencies of ``extras``, e.g. "postgresql"), the site, the
        blocklist, the inventory; returns the extra variables."""
        wheelhouse = self.work / "wheelhouse"
        subprocess.run(
            [str(VENV_BIN / "python"), "-m", "pip", "wheel", "--quiet", "--wheel-dir",
             str(wheelhouse), f"{REPO}[{extras}]" if extras else str(REPO)],
            check=True, capture_output=True,
        )
        wheel = next(wheelhouse.glob("fedipress-*.whl"))
        site = self.work / "site"
        for relative, content in SITE_FILES.items():
            path = site / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)
        blocklist = self.work / "blocklist.csv"
        blocklist.write_text(BLOCKLIST_CSV)
        self._write_inventory(self.work / "inventory.yml", str(self.root))
        extra = {
            "fedipress_inbox_domain": DOMAIN,
            "fedipress_inbox_admins": ["@alice@blog.test"],
            "fedipress_inbox_wheel": str(wheel),
            "fedipress_inbox_wheelhouse": str(wheelhouse),
            "fedipress_inbox_caddy_tls": "internal",
            "fedipress_inbox_site_enabled": True,
            "fedipress_inbox_site_src": str(site),
            "fedipress_inbox_blocklist_src": str(blocklist),
            "fedipress_inbox_backup_keep": 2,
            "fedipress_inbox_environment": {"FEDIPRESS_LOG_LEVEL": "info"},
            "fedipress_inbox_manage_services": False,
        }
        return extra

    def make_wheel(self, version: str) -> Path:
        """A Fedipress wheel of this checkout that says it is ``version`` (an upgrade to
        deploy, then roll back from), built into the wheelhouse next to the others."""
        source = self.work / f"source-{version}"
        source.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(REPO / name, source / name)
        for package in ("fedipress", "fedicore", "sitegen", "inbox"):
            shutil.copytree(REPO / package, source / package,
                            ignore=shutil.ignore_patterns("__pycache__"))
        for name in ("pyproject.toml", "fedipress/__init__.py"):
            path = source / name
            path.write_text(re.sub(r'^(__)?version(__)? = "[^"]+"', lambda m: f'{m.group(0).split("=")[0]}= "{version}"',
                                   path.read_text(), count=1, flags=re.MULTILINE))
        subprocess.run(
            [str(VENV_BIN / "python"), "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir",
             str(self.work / "wheelhouse"), str(source)],
            check=True, capture_output=True,
        )
        return next((self.work / "wheelhouse").glob(f"fedipress-{version}-*.whl"))

    def make_constraints(self) -> Path:
        """What CI would freeze from the environment it tested: name==version of every
        dependency wheel."""
        pins = sorted(
            f"{wheel.name.split('-')[0].replace('_', '-').lower()}=={wheel.name.split('-')[1]}"
            for wheel in (self.work / "wheelhouse").glob("*.whl")
            if not wheel.name.startswith("fedipress-"))
        path = self.work / "constraints.txt"
        path.write_text("\n".join(pins) + "\n")
        return path

    def predownload_packages(self, packages: str) -> None:
        """Fetch the role's Debian packages into the root's apt cache while the chroot has the
        network: the booted container (--private-network) then installs them offline."""
        subprocess.run(["chroot", str(self.root), "apt-get", "update", "-qq"], check=True,
                       capture_output=True, env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
        subprocess.run(["chroot", str(self.root), "apt-get", "install", "-y", "-qq", "--download-only",
                        *packages.split()], check=True, capture_output=True,
                       env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND": "noninteractive"})

    def _write_inventory(self, path: Path, address: str) -> None:
        path.write_text(
            "all:\n  children:\n    fedipress:\n      hosts:\n        converge:\n"
            f"          ansible_host: '{address}'\n"
            "          ansible_connection: fedipress_chroot\n"
            "          ansible_become: false\n"
            "          ansible_python_interpreter: /usr/bin/python3\n"
        )

    def apply(self, label: str, variables: dict, *, pid: int | None = None,
              options: tuple[str, ...] = ()) -> Run:
        """Run site.yml into the chroot, or into the booted container whose init is `pid`
        (``options``: more ansible-playbook options, e.g. --check --diff)."""
        inventory = self.work / "inventory.yml"
        if pid is not None:
            inventory = self.work / "inventory-live.yml"
            self._write_inventory(inventory, f"{self.root}#{pid}")
        extra_vars = self.work / f"vars-{label}.json"
        extra_vars.write_text(json.dumps(variables))
        env = {
            **os.environ,
            "ANSIBLE_CONFIG": str(ANSIBLE_DIR / "ansible.cfg"),
            "ANSIBLE_CONNECTION_PLUGINS": str(HERE / "connection_plugins"),
            "ANSIBLE_FORCE_COLOR": "0",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_LOCAL_TEMP": str(self.work / "ansible-local"),
            "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        }
        started = time.monotonic()
        proc = subprocess.run(
            [str(VENV_BIN / "ansible-playbook"), "-i", str(inventory),
             "-e", f"@{extra_vars}", *options, str(ANSIBLE_DIR / "site.yml")],
            cwd=ANSIBLE_DIR, env=env, capture_output=True, text=True, timeout=600, check=False,
        )
        run = Run(proc.returncode, proc.stdout + proc.stderr, time.monotonic() - started)
        if pid is not None and run.returncode != 0:
            # A failed task in the booted container (e.g. "Start Caddy") says only "see
            # systemctl status": fetch that, so the failure explains itself.
            run.output += self.failed_units_report(pid)
        (self.work / f"run-{label}.log").write_text(run.output)
        self.runs[label] = run
        self.timings[f"run {label}"] = run.seconds
        return run

    # --- the boot ------------------------------------------------------------------
    @contextlib.contextmanager
    def booted(self, timeout: float = 120) -> Iterator[int]:
        """Boot the root (without the probe) and yield the PID of its init for nsenter."""
        self.release_root()
        (self.root / "etc/systemd/system/multi-user.target.wants/converge-probe.service").unlink(
            missing_ok=True)
        self._mask_wait_online()
        log = (self.work / "boot-live.log").open("w")
        nspawn = subprocess.Popen(
            self._nspawn_argv(), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            pid = self._container_init(nspawn.pid, timeout=30)
            # systemctl needs the manager's socket, which appears a moment after init starts.
            self.in_container(pid, "for i in $(seq 1 100); do [ -S /run/systemd/private ] && break;"
                                   " sleep 0.1; done; systemctl is-system-running --wait",
                              timeout=timeout)
            yield pid
            self.in_container(pid, "systemctl poweroff --no-block", timeout=30)
            nspawn.wait(timeout=60)
        finally:
            if nspawn.poll() is None:
                nspawn.terminate()
                try:
                    nspawn.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    nspawn.kill()
                    nspawn.wait()
            log.close()

    def _nspawn_argv(self) -> list[str]:
        """Boot the root as a machine of its own name. nspawn keeps a folder per machine name
        in /run/systemd/nspawn/propagate/ and, where /run is no tmpfs (as in this sandbox),
        refuses to start when one of that name was left behind ("Attempted to remove disk
        file system ... we can't allow that"): every root dir is "root", so a fresh name."""
        self.boots = getattr(self, "boots", 0) + 1
        machine = f"fedipress-converge-{os.getpid()}-{self.boots}"
        # Left behind by an earlier boot of this run (on a disk /run nspawn does not remove it).
        for stale in Path("/run/systemd/nspawn/propagate").glob(f"fedipress-converge-{os.getpid()}-*"):
            shutil.rmtree(stale, ignore_errors=True)
        return ["systemd-nspawn", "--register=no", "--keep-unit", "--private-network",
                "--console=pipe", "--quiet", "--boot", f"--machine={machine}", "-D", str(self.root)]

    def _mask_wait_online(self) -> None:
        # The private network has only loopback: nothing would ever be "online", and
        # units ordered after network-online.target would wait two minutes for it.
        wait_online = self.root / "etc/systemd/system/systemd-networkd-wait-online.service"
        if not wait_online.is_symlink():
            wait_online.symlink_to("/dev/null")

    @staticmethod
    def _container_init(nspawn_pid: int, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            # nspawn's first child is a helper that exits; the container's init stays.
            for children in Path(f"/proc/{nspawn_pid}/task").glob("*/children"):
                for child in children.read_text().split():
                    try:
                        if Path(f"/proc/{child}/comm").read_text().strip() == "systemd":
                            return int(child)
                    except OSError:
                        continue
            time.sleep(0.2)
        raise RuntimeError("systemd-nspawn started no container")

    @staticmethod
    def in_container(pid: int, command: str, timeout: float = 60) -> str:
        """Run a shell command inside the booted container; its stdout."""
        proc = subprocess.run(
            ["nsenter", "--target", str(pid), "--mount", "--uts", "--ipc", "--net", "--pid",
             "--root", "--wd", "--", "/bin/sh", "-c", command],
            capture_output=True, text=True, timeout=timeout, check=False,
        )
        return proc.stdout.strip()

    def failed_units_report(self, pid: int, units: tuple[str, ...] = ("caddy", "nginx")) -> str:
        """`systemctl status` and the journal of the failed units (and of the proxies)."""
        failed = self.in_container(
            pid, "systemctl list-units --failed --plain --no-legend | awk '{print $1}'")
        names = list(dict.fromkeys([*failed.split(), *(f"{u}.service" for u in units)]))
        parts = ["\n--- units in the booted container ---\n",
                 self.in_container(pid, "systemctl --failed --no-pager")]
        for name in names:
            parts.append(f"\n--- systemctl status {name} ---\n")
            parts.append(self.in_container(pid, f"systemctl status --no-pager -l {name} 2>&1"))
            parts.append(f"\n--- journalctl -u {name} ---\n")
            parts.append(self.in_container(
                pid, f"journalctl -b --no-pager -o short-monotonic -u {name} 2>&1 | tail -n 80"))
        return "".join(parts) + "\n"

    def boot_and_probe(self, proxy: str, timeout: float = 240, *, label: str | None = None) -> dict[str, str]:
        """Boot the root with systemd-nspawn; a oneshot unit probes it and powers off. The
        answers are kept under ``label`` (default: the proxy's name)."""
        label = label or proxy
        self.release_root()
        for stale in ("probe.out", "probe.journal"):
            (self.root / "root" / stale).unlink(missing_ok=True)
        shutil.copy2(HERE / "probe.sh", self.root / "usr/local/sbin/converge-probe")
        (self.root / "root/probe-urls").write_text("\n".join(DOCUMENT_URLS) + "\n")
        unit = self.root / "etc/systemd/system/converge-probe.service"
        unit.write_text(
            "[Unit]\nDescription=Converge test probe\n"
            f"After=fedipress-inbox.service {proxy}.service fedipress-backup.timer\n"
            "[Service]\nType=oneshot\n"
            f"ExecStart=/usr/local/sbin/converge-probe {DOMAIN} {proxy}\n"
            "[Install]\nWantedBy=multi-user.target\n"
        )
        self._mask_wait_online()
        wants = self.root / "etc/systemd/system/multi-user.target.wants"
        wants.mkdir(exist_ok=True)
        link = wants / "converge-probe.service"
        if not link.is_symlink():
            link.symlink_to("/etc/systemd/system/converge-probe.service")
        log = self.work / f"boot-{label}.log"
        started = time.monotonic()
        with log.open("w") as sink:
            nspawn = subprocess.Popen(
                self._nspawn_argv(), stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT,
            )
            try:
                nspawn.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                nspawn.terminate()  # nspawn asks the container's systemd to power off
                try:
                    nspawn.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    nspawn.kill()
                    nspawn.wait()
                sink.write(f"\n[converge] timed out after {timeout}s\n")
        boot_log = log.read_text()[-6000:]
        self.timings[f"boot {label}"] = time.monotonic() - started
        probe: dict[str, str] = {}
        out = self.root / "root/probe.out"
        if out.exists():
            for line in out.read_text().splitlines():
                key, _, value = line.partition("\t")
                probe[key] = value.strip()
        journal = self.root / "root/probe.journal"
        if journal.exists():
            boot_log += "\n--- journal ---\n" + journal.read_text()[-6000:]
        self.probes[label] = probe
        self.boot_logs[label] = boot_log
        return probe
