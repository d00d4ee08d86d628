"""Mastodon domain-blocklist CSV: parse into entries, and diff entries against what is stored.

Pure. The header is ``#domain,#severity,#reject_media,#reject_reports,#public_comment,
#obfuscate`` (Mastodon's export) or the same names without ``#``; only ``domain`` is required.
Obfuscated domains (``ex*mple.com``) cannot be matched, so they are skipped and reported.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from inbox.moderation.patterns import parse_domain
from inbox.moderation.policy import SEVERITIES

_TRUE = {"true", "1", "yes", "t"}
_FALSE = {"false", "0", "no", "f", ""}


@dataclass(frozen=True, slots=True)
class BlocklistEntry:
    """One domain block as the list states it (no source, no expiry: those are ours)."""

    domain: str
    severity: str = "suspend"
    reject_media: bool = False
    reject_reports: bool = False
    public_comment: str = ""
    obfuscate: bool = False


@dataclass(frozen=True, slots=True)
class CsvProblem:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(slots=True)
class ParsedBlocklist:
    entries: list[BlocklistEntry] = field(default_factory=list)
    skipped: list[CsvProblem] = field(default_factory=list)


def _flag(value: str | None, name: str, line: int) -> bool:
    text = (value or "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"line {line}: {name} must be true or false, got {value!r}")


def parse_blocklist(text: str) -> ParsedBlocklist:
    """CSV text → entries. ValueError (naming the line) if the file is not a blocklist at all
    or a row is malformed; rows with obfuscated domains are skipped and listed, not fatal.
    A later row for the same domain replaces an earlier one."""
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise ValueError("empty blocklist") from None
    except csv.Error as exc:
        raise ValueError(f"line 1: {exc}") from None
    names = [name.strip().lstrip("#").strip().lower() for name in header]
    if "domain" not in names:
        raise ValueError("line 1: no 'domain' column (expected #domain,#severity,...)")
    found: dict[str, BlocklistEntry] = {}
    result = ParsedBlocklist()
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            cells: Mapping[str, str] = dict(zip(names, row))
            raw_domain = cells.get("domain", "").strip()
            if raw_domain in ("*", "*.*"):
                raise ValueError(f"line {line}: a blocklist cannot block every domain")
            if "*" in raw_domain.removeprefix("*."):
                result.skipped.append(CsvProblem(line, f"obfuscated domain {raw_domain!r}"))
                continue
            try:
                domain = parse_domain(raw_domain.removeprefix("*."))
            except ValueError as exc:
                raise ValueError(f"line {line}: domain {raw_domain!r}: {exc}") from None
            severity = (cells.get("severity") or "suspend").strip().lower()
            if severity not in SEVERITIES:
                raise ValueError(f"line {line}: severity must be one of {', '.join(SEVERITIES)},"
                                 f" got {severity!r}")
            found[domain] = BlocklistEntry(
                domain=domain,
                severity=severity,
                reject_media=_flag(cells.get("reject_media"), "reject_media", line),
                reject_reports=_flag(cells.get("reject_reports"), "reject_reports", line),
                public_comment=(cells.get("public_comment") or "").strip()[:1000],
                obfuscate=_flag(cells.get("obfuscate"), "obfuscate", line),
            )
    except csv.Error as exc:
        raise ValueError(f"line {reader.line_num}: {exc}") from None
    result.entries = list(found.values())
    return result


@dataclass(slots=True)
class BlocklistDiff:
    """What importing a list from one source changes. ``kept`` are domains the operator (or
    another source) already rules, which an import never overwrites."""

    added: list[BlocklistEntry] = field(default_factory=list)
    updated: list[BlocklistEntry] = field(default_factory=list)
    unchanged: list[BlocklistEntry] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {"added": len(self.added), "updated": len(self.updated),
                "unchanged": len(self.unchanged), "removed": len(self.removed),
                "kept": len(self.kept)}


def diff_blocklist(
    incoming: Iterable[BlocklistEntry],
    stored: Mapping[str, tuple[BlocklistEntry, str]],
    source: str,
) -> BlocklistDiff:
    """Compare ``incoming`` (from ``source``) with ``stored`` (domain → (entry, its source)).

    Rows from ``source`` are added, updated or left; rows of ``source`` no longer listed are
    removed; rows from any other source (the operator's own above all) are never touched."""
    diff = BlocklistDiff()
    seen: set[str] = set()
    for entry in incoming:
        seen.add(entry.domain)
        current = stored.get(entry.domain)
        if current is None:
            diff.added.append(entry)
        elif current[1] != source:
            diff.kept.append(entry.domain)
        elif current[0] == entry:
            diff.unchanged.append(entry)
        else:
            diff.updated.append(entry)
    diff.removed = sorted(d for d, (_, src) in stored.items() if src == source and d not in seen)
    return diff
