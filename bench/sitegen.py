"""Fedipress against Hugo and Pelican on the same synthetic corpus, side by side.

    python bench/sitegen.py --sizes 1000,10000 --reps 3 --json results.json
    python bench/sitegen.py --quick           # 100 posts, 2 repetitions: a minute
    python bench/sitegen.py --sizes 10000 --reps 5 --only fedipress,hugo --cold-only \
        --corpus shapes                       # code blocks, long lists, many tags, images

For each size the corpus is written once (``bench/corpus.py``, or ``bench/corpus_shapes.py``
with ``--corpus shapes``); then, repetition after repetition, each generator in turn (the order
rotates) runs the four scenarios (``--cold-only``: the first):

- cold: output and caches deleted, the disk flushed (`sync`, then a settle until writeback is
  done), full build;
- nochange: the same command again;
- edit_post: one post's body changed, rebuilt (Hugo: its ``--watch`` rebuild, as its users
  experience it; the figure is Hugo's own "Total in" log line);
- edit_template: the post template changed, rebuilt.

Medians per scenario, ratios Fedipress/Hugo and Fedipress/Pelican, and peak memory (largest
process and process-tree sum) are printed as a Markdown table and optionally saved as JSON.
This script installs nothing; it says what is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import queue
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import corpus, corpus_shapes  # noqa: E402
from bench.measure import Run, median, run  # noqa: E402

TRASH = ".bench-trash"


def empty_trash(work: Path) -> None:
    """Delete what ``Generator.clean`` moved aside, after the measured runs."""
    for trash in Path(work).rglob(TRASH):
        shutil.rmtree(trash, ignore_errors=True)

GENERATORS = ("fedipress", "hugo", "pelican")
CORPORA = {"blog": corpus.write_corpus, "shapes": corpus_shapes.write_corpus}
SETTLE_SECONDS = 2.0  # after `sync`, before a cold build: let the disk go quiet


def dirty_kb() -> int:
    """Dirty + Writeback memory (kB): what the kernel has still to write to disk."""
    try:
        found = 0
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(("Dirty:", "Writeback:")):
                found += int(line.split()[1])
        return found
    except (OSError, ValueError):
        return 0


def flush(settle: float = SETTLE_SECONDS) -> None:
    """Before a cold build: write back what earlier builds left dirty (theirs, or another
    generator's), then wait ``settle`` seconds, longer (up to 30 s) while writeback goes on,
    so no build pays for the one before it."""
    os.sync()
    deadline = time.monotonic() + 30
    time.sleep(settle)
    while dirty_kb() > 4096 and time.monotonic() < deadline:
        os.sync()
        time.sleep(0.25)
SCENARIOS = ("cold", "nochange", "edit_post", "edit_template")
HUGO_TEMPLATE = "themes/minimal/layouts/_default/single.html"
PELICAN_TEMPLATE = "theme/templates/article.html"
HUGO_TOTAL = re.compile(r"Total in (\d+(?:\.\d+)?) ms")
FEDIPRESS_REBUILT = re.compile(r"^rebuilt \(")
PELICAN_CACHE = 'CACHE_CONTENT = True\nLOAD_CONTENT_CACHE = True\nCACHE_PATH = "cache"\n'


class MissingTool(Exception):
    pass


def tools() -> dict[str, list[str]]:
    """The command prefix of each generator; raises MissingTool with the install hint."""
    bin_dir = Path(sys.executable).parent
    found: dict[str, list[str]] = {}
    fedipress = bin_dir / "fedipress"
    found["fedipress"] = [str(fedipress)] if fedipress.exists() else [sys.executable, "-m",
                                                                       "fedipress"]
    hugo = shutil.which("hugo")
    if hugo:
        found["hugo"] = [hugo]
    pelican = bin_dir / "pelican"
    if pelican.exists() or shutil.which("pelican"):
        found["pelican"] = [str(pelican) if pelican.exists() else shutil.which("pelican")]
    return found


def versions(found: dict[str, list[str]]) -> dict[str, str]:
    def out(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip()
        except OSError:
            return "?"

    info = {"python": platform.python_version(), "nproc": str(os.cpu_count()),
            "cpu": _cpu_model(), "kernel": platform.release()}
    if "hugo" in found:
        info["hugo"] = out(found["hugo"] + ["version"]).split()[1] if out(
            found["hugo"] + ["version"]) else "?"
    if "pelican" in found:
        info["pelican"] = out(found["pelican"] + ["--version"])
    info["commit"] = out(["git", "-C", str(Path(__file__).resolve().parent), "rev-parse",
                          "--short", "HEAD"]) or "?"
    try:
        from importlib.metadata import version
        info["fedipress"] = version("fedipress")
    except Exception:  # not installed as a distribution: still measurable from the checkout
        info["fedipress"] = "checkout"
    return info


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


class Generator:
    """One generator's commands on its copy of the corpus."""

    def __init__(self, name: str, prefix: list[str], site: Path, out: Path) -> None:
        self.name, self.prefix, self.site, self.out = name, prefix, site, out

    def build_command(self) -> list[str]:
        if self.name == "fedipress":
            return self.prefix + ["build", str(self.site), "--out", str(self.out), "--quiet"]
        if self.name == "hugo":
            return self.prefix + ["--quiet", "-s", str(self.site), "-d", str(self.out)]
        return self.prefix + [str(self.site / "content"), "-s", str(self.site / "pelicanconf.py"),
                              "-o", str(self.out), "-q"]

    def clean(self) -> None:
        """Forget every earlier build: output and caches (Fedipress keeps its key pair).

        They are moved aside, not deleted: on ext4 without a journal, inodes freed in the last
        ~30 s make every new file's creation scan past them, so deleting ~30,000 files right
        before a build slowed the build by 2-4x and made it swing from run to run. The moved
        folders are deleted once all runs are over (``empty_trash``)."""
        trash = self.site.parent / TRASH
        trash.mkdir(exist_ok=True)
        for path in [self.out] + [self.site / c for c in (".fedipress-cache", "cache",
                                                          "resources", "__pycache__")]:
            if path.exists():
                path.rename(trash / f"{self.name}-{path.name}-{time.monotonic_ns()}")

    def build(self) -> Run:
        result = run(self.build_command(), cwd=self.site)
        if result.returncode != 0:
            raise RuntimeError(f"{self.name} build failed ({result.returncode}):\n"
                               f"{result.output[-2000:]}")
        return result

    def post_path(self, slug: str) -> Path:
        return self.site / "content" / "posts" / f"{slug}.md"

    def template_path(self) -> Path:
        return self.site / {"fedipress": f"templates/{corpus.POST_TEMPLATE}",
                            "hugo": HUGO_TEMPLATE, "pelican": PELICAN_TEMPLATE}[self.name]

    def page(self, slug: str) -> Path:
        return self.out / "posts" / slug / "index.html"


def edit_post(path: Path, marker: str) -> None:
    with path.open("a") as handle:
        handle.write(f"\nEdited once more: {marker}.\n")


# Where each post template prints the body: the template edit adds a line just before it
# (an HTML comment would not do: Go templates drop comments, and text outside Hugo's
# `define` block would replace the whole layout).
BODY_ANCHORS = ("{{ post.body_html | safe }}", "{{ .Content }}", "{{ article.content }}")


def edit_template(path: Path, marker: str) -> None:
    text = path.read_text()
    for anchor in BODY_ANCHORS:
        if anchor in text:
            path.write_text(text.replace(anchor, f'<p class="edited">{marker}</p>\n' + anchor, 1))
            return
    raise RuntimeError(f"{path}: no place to edit (none of {BODY_ANCHORS})")


class Watcher:
    """A generator's watch mode in the background; ``rebuild()`` edits a file and waits for
    the line that says the rebuild is done."""

    def __init__(self, command: list[str], cwd: Path, ready: str, done: re.Pattern) -> None:
        self.done = done
        self.proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self._wait_for(ready, 600)
        time.sleep(0.5)  # let the watcher settle before the first edit

    @classmethod
    def hugo(cls, gen: Generator) -> Watcher:
        return cls(gen.prefix + ["--watch", "-s", str(gen.site), "-d", str(gen.out)], gen.site,
                   "Watching for changes", HUGO_TOTAL)

    @classmethod
    def fedipress(cls, gen: Generator) -> Watcher:
        return cls(gen.prefix + ["serve", str(gen.site), "--out", str(gen.out), "--port", "0",
                                 "--watch"], gen.site, "Serving ", FEDIPRESS_REBUILT)

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line)

    def _wait_for(self, needle: str | re.Pattern, timeout: float) -> tuple[float, str]:
        deadline = time.perf_counter() + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0 or self.proc.poll() is not None and self.lines.empty():
                raise RuntimeError(f"watch mode: no {needle!r} within {timeout:.0f}s")
            try:
                line = self.lines.get(timeout=min(left, 1.0))
            except queue.Empty:
                continue
            hit = needle.search(line) if isinstance(needle, re.Pattern) else needle in line
            if hit:
                return time.perf_counter(), line

    def rebuild(self, edit) -> tuple[float | None, float]:
        """(the generator's own logged seconds if it logs them, wall seconds from the edit
        to the done line)."""
        while not self.lines.empty():
            self.lines.get_nowait()
        started = time.perf_counter()
        edit()
        seen, line = self._wait_for(self.done, 300)
        logged = self.done.search(line)
        own = float(logged.group(1)) / 1000 if logged and logged.groups() else None
        return own, seen - started

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def one_round(gen: Generator, slug: str, marker: str,
              scenarios: tuple[str, ...] = SCENARIOS) -> dict[str, Run | float]:
    """The scenarios for one generator; edits carry ``marker`` so each round differs.
    Every cold build starts after `flush` (and so only after the disk went quiet)."""
    gen.clean()
    flush()
    found: dict[str, Run | float] = {"cold": gen.build()}
    if scenarios == ("cold",):
        return found
    found["nochange"] = gen.build()
    if gen.name != "hugo":  # before any watch session: `serve --watch` builds with its own
        edit_post(gen.post_path(slug), marker)  # base URL, after which a build renders all
        found["edit_post"] = gen.build()
    if gen.name == "fedipress":
        watch = Watcher.fedipress(gen)
        try:
            _, found["edit_post_wall"] = watch.rebuild(
                lambda: edit_post(gen.post_path(slug), marker + "w"))
        finally:
            watch.stop()
    if gen.name == "hugo":
        watch = Watcher.hugo(gen)
        try:
            logged, wall = watch.rebuild(lambda: edit_post(gen.post_path(slug), marker))
            found["edit_post"], found["edit_post_wall"] = logged, wall
            logged, _ = watch.rebuild(lambda: edit_template(gen.template_path(), marker + "w"))
            found["edit_template_watch"] = logged
        finally:
            watch.stop()
        edit_template(gen.template_path(), marker)
        found["edit_template"] = gen.build()
    else:
        edit_template(gen.template_path(), marker)
        found["edit_template"] = gen.build()
    page = gen.page(slug).read_text(errors="replace")
    if f"Edited once more: {marker}." not in page or f'"edited">{marker}' not in page:
        raise RuntimeError(f"{gen.name}: the edited post's page does not show both edits")
    return found


def measure_size(count: int, work: Path, found: dict[str, list[str]], names: list[str],
                 reps: int, log, *, write=corpus.write_corpus,
                 scenarios: tuple[str, ...] = SCENARIOS) -> dict:
    folder = work / f"n{count}"
    write(count, folder, pelican_theme="pelican" in names)
    pel_conf = folder / "pelican" / "pelicanconf.py"
    pel_conf.write_text(pel_conf.read_text() + PELICAN_CACHE)
    gens = [Generator(n, found[n], folder / n, folder / f"out-{n}") for n in names]
    slug = f"post-{count // 2:06d}"
    samples: dict[str, dict[str, list[float]]] = {g.name: {} for g in gens}
    for rep in range(reps):
        order = gens[rep % len(gens):] + gens[:rep % len(gens)]  # alternate who goes first
        for gen in order:
            result = one_round(gen, slug, f"bench-edit-{count}-{rep}", scenarios)
            for key, value in result.items():
                bucket = samples[gen.name]
                if isinstance(value, Run):
                    bucket.setdefault(key, []).append(value.seconds)
                    bucket.setdefault(f"{key}_cpu", []).append(value.cpu_seconds)
                    bucket.setdefault("peak_mb", []).append(value.peak_mb)
                    bucket.setdefault("tree_mb", []).append(value.tree_mb)
                else:
                    bucket.setdefault(key, []).append(value)
            log(f"  n={count} rep {rep + 1}/{reps} {gen.name}: " + ", ".join(
                f"{k} {v.seconds if isinstance(v, Run) else v:.3f}s" for k, v in result.items())
                + (f" (cold CPU {result['cold'].cpu_seconds:.2f}s)" if "cold" in result else "")
                + f"; load {os.getloadavg()[0]:.2f}")
            samples[gen.name].setdefault("load", []).append(os.getloadavg()[0])
    summary = {}
    for name, bucket in samples.items():
        summary[name] = {key: (max(values) if key.endswith("_mb") else median(values))
                         for key, values in bucket.items()}
        summary[name]["runs"] = bucket
    shutil.rmtree(folder, ignore_errors=True)
    return summary


def ratios(summary: dict) -> dict[str, dict[str, float]]:
    found: dict[str, dict[str, float]] = {}
    fp = summary.get("fedipress")
    for other in ("hugo", "pelican"):
        if fp and other in summary:
            found[other] = {s: fp[s] / summary[other][s] for s in SCENARIOS
                            if s in fp and s in summary[other] and summary[other][s] > 0}
    return found


def markdown(results: dict, command: str) -> str:
    lines = [f"Command: `{command}`", ""]
    for size, summary in results["sizes"].items():
        lines += [f"**N = {int(size):,}** (medians of {results['reps']} runs, seconds)", "",
                  "| Scenario | " + " | ".join(summary) + " | Fedipress/Hugo | Fedipress/Pelican |",
                  "|---" * (len(summary) + 3) + "|"]
        rel = ratios(summary)
        for scenario in SCENARIOS:
            cells = [f"{summary[g][scenario]:.3f}" if scenario in summary[g] else "–"
                     for g in summary]
            rels = [f"{rel[o][scenario]:.3g}×" if scenario in rel.get(o, {}) else "–"
                    for o in ("hugo", "pelican")]
            lines.append(f"| {scenario} | " + " | ".join(cells + rels) + " |")
        walls = [summary[g].get("edit_post_wall") for g in summary]
        if any(walls):
            rel_w = [f"{summary['fedipress']['edit_post_wall'] / summary[o]['edit_post_wall']:.3g}×"
                     if "edit_post_wall" in summary.get(o, {})
                     and "edit_post_wall" in summary.get("fedipress", {}) else "–"
                     for o in ("hugo", "pelican")]
            lines.append("| edit_post in watch mode, edit to done line | " + " | ".join(
                [f"{w:.3f}" if w else "–" for w in walls] + rel_w) + " |")
        loads = [summary[g].get("load") for g in summary]
        if all(loads):
            lines.append("| load average (1 min) after the round | " + " | ".join(
                f"{v:.2f}" for v in loads) + " | | |")
        cpu = [summary[g].get("cold_cpu") for g in summary]
        if all(cpu):
            cpu_rel = [f"{summary['fedipress']['cold_cpu'] / summary[o]['cold_cpu']:.3g}×"
                       if o in summary and "fedipress" in summary else "–"
                       for o in ("hugo", "pelican")]
            lines.append("| cold, CPU seconds (user+sys) | " + " | ".join(
                [f"{c:.3f}" for c in cpu] + cpu_rel) + " |")
        lines.append("| peak RSS, largest process (MB) | " + " | ".join(
            f"{summary[g].get('peak_mb', 0):.0f}" for g in summary) + " | | |")
        lines.append("| peak RSS, process tree (MB) | " + " | ".join(
            f"{summary[g].get('tree_mb', 0):.0f}" for g in summary) + " | | |")
        if "hugo" in summary and "edit_post_wall" in summary["hugo"]:
            hugo = summary["hugo"]
            lines.append(f"\nHugo: edit_post is its `--watch` rebuild as it logs it; template "
                         f"edit in watch mode {hugo.get('edit_template_watch', float('nan')):.3f}s."
                         f" Fedipress watch mode is `fedipress serve --watch`.")
        lines.append("")
    return "\n".join(lines)


def compile_bytecode(log) -> None:
    """Byte-compile Fedipress (and what runs it) as `pip install` does, so no run pays for
    compiling source: with PYTHONDONTWRITEBYTECODE set, or a checkout just edited, every
    process would otherwise recompile the changed modules (~10-20 ms a start)."""
    import compileall
    import site

    roots = [Path(__file__).resolve().parent.parent / name
             for name in ("fedipress", "fedicore", "sitegen", "inbox")]
    for root in [*roots, *map(Path, site.getsitepackages())]:
        if root.is_dir() and not compileall.compile_dir(root, quiet=1, workers=2):
            log(f"note: some files under {root} did not byte-compile")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="comma-separated post counts")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="100 posts, 2 repetitions")
    parser.add_argument("--only", default=",".join(GENERATORS),
                        help="comma-separated subset of fedipress,hugo,pelican")
    parser.add_argument("--work", type=Path, default=Path("/tmp/fedipress-bench"))
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--corpus", choices=sorted(CORPORA), default="blog",
                        help="blog: bench/corpus.py; shapes: bench/corpus_shapes.py (code, long "
                             "lists, many tags, images)")
    parser.add_argument("--cold-only", action="store_true",
                        help="only the cold build (each after a flush), for quick comparisons")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = set(names) - set(GENERATORS)
    if unknown:
        print(f"error: unknown generator(s): {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    try:
        sizes = [100] if args.quick else [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        print(f"error: --sizes must be numbers like 1000,10000, got {args.sizes!r}",
              file=sys.stderr)
        return 2
    reps = 2 if args.quick else args.reps
    if reps < 1 or any(s < 2 for s in sizes):
        print("error: --reps must be at least 1 and every size at least 2", file=sys.stderr)
        return 2
    found = tools()
    hints = {"hugo": "apt-get install -y hugo",
             "pelican": f'{Path(sys.executable).parent}/pip install "pelican[markdown]"'}
    missing = [n for n in names if n not in found]
    if missing:
        for name in missing:
            print(f"error: {name} not found; install it with: {hints[name]} "
                  f"(or leave it out with --only)", file=sys.stderr)
        return 2
    command = "python bench/sitegen.py " + " ".join(argv if argv is not None else sys.argv[1:])
    results = {"machine": versions({n: found[n] for n in names}), "reps": reps,
               "command": command.strip(), "sizes": {}}

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    args.work.mkdir(parents=True, exist_ok=True)
    compile_bytecode(log)
    for size in sizes:
        log(f"n={size}: writing the corpus")
        try:
            results["sizes"][str(size)] = measure_size(
                size, args.work, found, names, reps, log, write=CORPORA[args.corpus],
                scenarios=("cold",) if args.cold_only else SCENARIOS)
        except RuntimeError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        finally:
            empty_trash(args.work)
    print(json.dumps(results["machine"]))
    print(markdown(results, results["command"]))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
