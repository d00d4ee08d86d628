"""Smoke runs of the benchmark harnesses at tiny sizes: they work end to end. No timings."""

from __future__ import annotations

import json
import sys

import pytest

from bench import inbox as inbox_bench
from bench import sitegen
from bench.measure import percentile, run


def _available() -> str:
    found = sitegen.tools()
    return ",".join(name for name in sitegen.GENERATORS if name in found)


def test_sitegen_harness_measures_every_scenario_of_each_installed_generator(tmp_path):
    names = _available()
    out = tmp_path / "results.json"
    code = sitegen.main(["--sizes", "6", "--reps", "1", "--only", names,
                         "--work", str(tmp_path / "work"), "--json", str(out)])
    assert code == 0
    results = json.loads(out.read_text())
    summary = results["sizes"]["6"]
    assert set(summary) == set(names.split(","))
    for name in summary:
        assert set(sitegen.SCENARIOS) <= set(summary[name])
        assert summary[name]["tree_mb"] > 0
    assert results["machine"]["nproc"]
    # earlier outputs were moved aside during the runs and deleted after them
    assert not list((tmp_path / "work").rglob(sitegen.TRASH))


def test_sitegen_harness_names_a_missing_tool(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sitegen, "tools", lambda: {"fedipress": ["fedipress"]})
    assert sitegen.main(["--sizes", "5", "--only", "fedipress,hugo"]) == 2
    assert "hugo not found" in capsys.readouterr().err


def test_sitegen_harness_refuses_an_unknown_generator(capsys):
    assert sitegen.main(["--only", "jekyll"]) == 2
    assert "unknown generator" in capsys.readouterr().err


def test_inbox_harness_finds_every_accepted_activity_in_the_database(tmp_path):
    out = tmp_path / "inbox.json"
    code = inbox_bench.main(["--activities", "12", "--actors", "3", "--first-contact", "5",
                             "--concurrency", "3", "--reps", "1", "--json", str(out)])
    assert code == 0
    summary = json.loads(out.read_text())["summary"]
    for kind in ("fedipress", "bare"):
        assert summary[kind]["lost"] == 0
        assert summary[kind]["accepted"] == summary[kind]["sent"] == 12 + 5
        assert summary[kind]["rss_mb"] > 0
        assert summary[kind]["first_contact_rate"] > 0
    assert summary["fedipress"]["processed_rate"] > 0  # the bare endpoint applies nothing later
    assert summary["bare"]["processed_rate"] is None


def _needs_postgresql(request) -> None:
    from tests.conftest import selected_backends

    if "postgresql" not in selected_backends(request.config):
        pytest.skip("--backends leaves PostgreSQL out of this run")


def test_inbox_harness_on_postgresql_finds_every_accepted_activity_there(tmp_path, request):
    """One node and two nodes on the PostgreSQL the harness starts: nothing accepted is lost,
    read back from PostgreSQL itself (not from an SQLite file)."""
    _needs_postgresql(request)
    out = tmp_path / "inbox.json"
    code = inbox_bench.main(["--activities", "12", "--actors", "3", "--concurrency", "4",
                             "--reps", "1", "--only", "fedipress", "--first-contact", "3",
                             "--backends", "postgresql,postgresql-2nodes", "--json", str(out)])
    assert code == 0
    results = json.loads(out.read_text())
    summary = results["summary"]
    assert set(summary) == {"fedipress-pg", "fedipress-pg2"}
    assert summary["fedipress-pg"]["accepted"] == summary["fedipress-pg"]["sent"] == 15
    assert summary["fedipress-pg2"]["accepted"] == summary["fedipress-pg2"]["sent"] == 18
    for kind in summary:
        assert summary[kind]["lost"] == 0
        assert summary[kind]["catch_up_s"] is not None  # every activity was processed too
        assert summary[kind]["db_cpu_us_total"] >= 0  # PostgreSQL's CPU (a tiny run may see 0 ticks)
    assert [run["nodes"] for run in results["runs"]["fedipress-pg2"]] == [2]


def test_inbox_harness_on_postgresql_reports_an_activity_missing_from_it(tmp_path, request,
                                                                         monkeypatch):
    """The zero-loss check can fail: one accepted id absent from PostgreSQL is counted lost."""
    _needs_postgresql(request)
    real = inbox_bench.Server.stored_ids

    def one_missing(self) -> set[str]:
        stored = real(self)
        assert self.url and self.url.startswith("postgresql://")
        return set(sorted(stored)[1:])

    monkeypatch.setattr(inbox_bench.Server, "stored_ids", one_missing)
    out = tmp_path / "inbox.json"
    code = inbox_bench.main(["--activities", "4", "--actors", "2", "--concurrency", "2",
                             "--reps", "1", "--only", "fedipress", "--first-contact", "2",
                             "--backends", "postgresql",
                             "--json", str(out)])
    assert code == 1
    assert json.loads(out.read_text())["summary"]["fedipress-pg"]["lost"] == 1


def test_run_reports_exit_code_output_and_memory():
    result = run([sys.executable, "-c", "import sys; print('hi'); sys.exit(3)"])
    assert result.returncode == 3 and "hi" in result.output
    assert result.peak_mb > 0 and result.seconds > 0


def test_percentile_is_an_observed_value():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile([7.0], 0.99) == 7.0


def test_plot_writes_a_png_from_sitegen_results(tmp_path):
    from bench import plot

    results = {"sizes": {str(n): {"fedipress": {"cold": n / 1000, "nochange": 0.1},
                                  "hugo": {"cold": n / 900, "edit_post": 0.2}}
                         for n in (10, 100)}}
    source = tmp_path / "r.json"
    source.write_text(json.dumps(results))
    out = tmp_path / "plot.png"
    assert plot.main([str(source), "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_sitegen_harness_cold_only_on_the_shapes_corpus_reports_cold_and_load(tmp_path):
    out = tmp_path / "results.json"
    code = sitegen.main(["--sizes", "4", "--reps", "1", "--only", "fedipress", "--cold-only",
                         "--corpus", "shapes", "--work", str(tmp_path / "work"),
                         "--json", str(out)])
    assert code == 0
    summary = json.loads(out.read_text())["sizes"]["4"]["fedipress"]
    assert summary["cold"] > 0 and summary["cold_cpu"] > 0 and "load" in summary
    assert "nochange" not in summary
