"""``--peer @user@host`` / ``--host example.social``: what the inbox knows about one remote
person or server (``GET /v1/{actor}/doctor/peer``), turned into findings with fixes."""

from __future__ import annotations

import hashlib
import time
from typing import Any

from fedicore.errors import FedipressError
from sitegen.doctor.report import Report
from sitegen.doctor.trip import signed_refusal_fix

AREA = "peer"


def when(timestamp: float | None, now: float) -> str:
    if not timestamp:
        return "never"
    seconds = now - timestamp
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(timestamp))
    ahead = seconds < 0
    seconds = abs(int(seconds))
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            span = f"{seconds // size} {unit}"
            break
    else:
        span = f"{seconds} s"
    return f"{stamp} (in {span})" if ahead else f"{stamp} ({span} ago)"


def run_peer(report: Report, client: Any, *, who: str | None, host: str | None,
             skew: float | None) -> None:
    query = f"who={who}" if who else f"host={host}"
    try:
        answer = client.get(client.actor_path(f"/doctor/peer?{query}"))
    except FedipressError as exc:
        report.add(AREA, False, str(exc), "start the inbox, or correct inbox_url in fedipress.toml")
        return
    if answer.status != 200:
        detail = answer.error_line()
        report.add(AREA, False, f"the inbox refused the doctor's signed request: HTTP "
                   f"{answer.status} {detail}", signed_refusal_fix(answer.status, detail, skew))
        return
    peer_findings(report, answer.data)


def peer_findings(report: Report, data: dict[str, Any]) -> None:
    """Pure: the inbox's answer as findings."""
    now = data["now"]
    host = data["host"]
    who = data.get("who")
    _moderation(report, data["moderation"], who or f"anyone on {host}")
    _followers(report, data, who, host)
    _host_state(report, data.get("host_state"), host, now)
    _deliveries(report, data, host, now)
    _sightings(report, data.get("sightings") or [], host, now)


def _moderation(report: Report, decision: dict[str, Any], who: str) -> None:
    if decision["outcome"] != "block":
        report.add(AREA, True, f"no block applies to {who} ({decision['reason']})")
        return
    until = f", until {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(decision['expires']))}" \
        if decision.get("expires") else ""
    if decision.get("rule") == "actor_block":
        fix = ("it is on this blog's own block list: lift it in `fedipress desk` (Blocks)"
               + (" or wait until it expires" if until else ""))
    else:
        fix = ("the inbox's operator blocks it (server-wide): ask them; they lift it with "
               "`fedipress inbox unblock`")
    report.add(AREA, False, f"{who} is blocked: {decision['reason']}{until}; their follows, "
               "replies and reactions are refused", fix)


def _followers(report: Report, data: dict[str, Any], who: str | None, host: str) -> None:
    followers = data.get("followers") or []
    for item in data.get("queued") or []:
        short = hashlib.sha256(item["activity_id"].encode()).hexdigest()[:8]
        report.add(AREA, False, f"a {item['kind']} from {item['author']} waits for your approval",
                   f"fedipress approve {short} (or reject it)")
    if who:
        if followers:
            f = followers[0]
            report.add(AREA, True, f"{who} follows the blog since {when(f['created_at'], data['now'])};"
                       f" deliveries go to {f['shared_inbox'] or f['inbox']}")
        elif not data.get("queued"):
            report.add(AREA, None, f"{who} does not follow the blog (no Follow was accepted)")
    else:
        report.add(AREA, None if not followers else True,
                   f"{len(followers)} follower{'s' if len(followers) != 1 else ''} on {host}")


def _host_state(report: Report, state: dict[str, Any] | None, host: str, now: float) -> None:
    if state is None:
        report.add(AREA, None, f"nothing was ever delivered to {host}")
        return
    error = f" (last error: {state['last_error']})" if state.get("last_error") else ""
    if state.get("unavailable"):
        report.add(AREA, False, f"deliveries to {host} stopped: it kept failing for days and is "
                   f"marked unavailable{error}", f"when it is back, the operator revives it: "
                   f"fedipress inbox deliveries --revive {host}")
    elif (state.get("open_until") or 0) > now:
        report.add(AREA, False, f"{host}'s breaker is open until {when(state['open_until'], now)} "
                   f"after {state['consecutive_failures']} failures in a row{error}",
                   "nothing to do: deliveries resume by themselves when it answers again")
    elif state.get("consecutive_failures"):
        report.add(AREA, False, f"{host} failed the last {state['consecutive_failures']} deliveries"
                   f"{error}", "the server answers errors or is down; deliveries are retried "
                   "(for days); if it lasts, ask its admin")
    else:
        report.add(AREA, True, f"{host} takes deliveries (last success "
                   f"{when(state.get('last_success_at'), now)})")


def _deliveries(report: Report, data: dict[str, Any], host: str, now: float) -> None:
    counts = data.get("counts") or {}
    rows = data.get("deliveries") or []
    if not rows:
        return
    report.add(AREA, None, f"deliveries to {host}: {counts.get('delivered', 0)} delivered, "
               f"{counts.get('pending', 0)} waiting, {counts.get('failed', 0)} given up")
    for row in rows[:5]:
        answer = f"HTTP {row['last_status']}" if row.get("last_status") else (row.get("last_error") or "")
        line = f"{row['type']} to {row['inbox']}: {row['state']} after {row['attempts']} " \
               f"attempt{'s' if row['attempts'] != 1 else ''}" + (f", last answer {answer}" if answer else "")
        if row["state"] == "pending" and row["attempts"]:
            report.add(AREA, False, f"{line}; next retry {when(row['next_attempt_at'], now)}",
                       "their server refuses or fails: nothing to fix here unless the answer is 401"
                       " (then their server cannot verify the blog's key: is the site online?)")
        elif row["state"] == "failed":
            report.add(AREA, False, line + f" (given up {when(row['finished_at'], now)})",
                       "the follower may be gone; it stays a follower until their server says so")
        else:
            report.add(AREA, True, line)


def _times(n: int) -> str:
    return "once" if n == 1 else f"{n} times"


def _sightings(report: Report, sightings: list[dict[str, Any]], host: str, now: float) -> None:
    words = {"delivery": "delivered a signed activity to the blog",
             "fetch": "read the blog's followers collection"}
    for s in sightings:
        report.add(AREA, True, f"{host} last {words.get(s['kind'], s['kind'])} "
                   f"{when(s['last_at'], now)}; {_times(s['times'])} since {when(s['first_at'], now)}")
    if not sightings:
        report.add(AREA, None, f"the inbox never saw {host} deliver to the blog or read from it "
                   "(the actor document is a static file: your web host's access log shows who "
                   "fetched it)")
