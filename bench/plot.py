"""Plot build time against N from one or more ``bench/sitegen.py --json`` result files.

    python bench/plot.py results-1000.json results-10000.json --out docs/benchmarks-build.png

Solid lines: full cold build; dashed: no-change rebuild; dotted: one post edited.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

STYLES = {"cold": "-", "nochange": "--", "edit_post": ":"}
COLOURS = {"fedipress": "#7b3fbf", "hugo": "#ff4088", "pelican": "#2b7bb9"}


def collect(paths: list[Path]) -> dict[str, dict[str, dict[int, float]]]:
    """generator -> scenario -> {N: median seconds}; later files win for the same N."""
    series: dict[str, dict[str, dict[int, float]]] = {}
    for path in paths:
        results = json.loads(path.read_text())
        for size, summary in results["sizes"].items():
            for name, values in summary.items():
                for scenario in STYLES:
                    if scenario in values:
                        series.setdefault(name, {}).setdefault(scenario, {})[int(size)] = \
                            values[scenario]
    return series


def plot(series: dict, out: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    for name, scenarios in sorted(series.items()):
        for scenario, points in scenarios.items():
            sizes = sorted(points)
            ax.plot(sizes, [points[n] for n in sizes], STYLES[scenario], marker="o",
                    color=COLOURS.get(name), label=f"{name} {scenario.replace('_', ' ')}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("posts (N)")
    ax.set_ylabel("seconds (median)")
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, ncol=3)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, default=Path("docs/benchmarks-build.png"))
    parser.add_argument("--title", default="Build time against N (2 shared cores)")
    args = parser.parse_args(argv)
    try:
        series = collect(args.results)
    except (OSError, ValueError, KeyError) as exc:
        print(f"error: cannot read results: {exc}", file=sys.stderr)
        return 2
    if not series:
        print("error: no build results in those files", file=sys.stderr)
        return 2
    try:
        plot(series, args.out, args.title)
    except ModuleNotFoundError:
        print("error: matplotlib is needed (pip install matplotlib)", file=sys.stderr)
        return 2
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
