"""A doctor's findings, and how they are shown: text for people, ``--json`` for scripts.

Exit codes: 0 nothing wrong, 1 at least one finding, 2 a usage or config mistake (raised
before any finding is made)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Finding:
    """One thing looked at. ``ok`` None: information, or not looked at (``what`` says why)."""

    area: str
    ok: bool | None
    what: str
    fix: str = ""
    url: str = ""
    ms: float | None = None


@dataclass
class Report:
    target: str
    findings: list[Finding] = field(default_factory=list)
    #: free text sections shown after the findings (``--post``: one per renderer)
    sections: dict[str, str] = field(default_factory=dict)

    def add(self, area: str, ok: bool | None, what: str, fix: str = "", *, url: str = "",
            ms: float | None = None) -> None:
        self.findings.append(Finding(area, ok, what, fix if ok is False else "", url, ms))

    @property
    def problems(self) -> list[Finding]:
        return [f for f in self.findings if f.ok is False]

    @property
    def exit_code(self) -> int:
        return 1 if self.problems else 0

    def to_json(self) -> str:
        return json.dumps({"target": self.target, "healthy": not self.problems,
                           "problems": len(self.problems),
                           "findings": [asdict(f) for f in self.findings],
                           "sections": self.sections}, indent=2)


MARKS = {True: "ok  ", False: "FAIL", None: "info"}


def render_text(report: Report) -> str:
    """The report as plain lines: each finding, its fix under it, then the sections."""
    lines = [f"fedipress doctor {report.target}"]
    area = None
    for f in report.findings:
        if f.area != area:
            area = f.area
            lines.append(f"\n{area}")
        timing = f" ({f.ms:.0f} ms)" if f.ms is not None else ""
        lines.append(f"  {MARKS[f.ok]} {f.what}{timing}")
        if f.fix:
            lines.append(f"       fix: {f.fix}")
    for title, text in report.sections.items():
        lines.append(f"\n{title}")
        lines.extend(f"  {line}" if line else "" for line in text.splitlines())
    problems = len(report.problems)
    lines.append("")
    lines.append("healthy: nothing to fix" if not problems else
                 f"{problems} problem{'s' if problems != 1 else ''} to fix (see 'fix:' above)")
    return "\n".join(lines)
