"""The live round trip, asked of the inbox with a request signed by the blog's key (the same
``InboxClient`` as ``fedipress queue``): the inbox's instance actor follows the blog through
its public URLs and unfollows it, and sends back each step timed (``inbox.doctor.round_trip``).
"""

from __future__ import annotations

from typing import Any

from fedicore.errors import FedipressError
from sitegen.doctor.report import Report

STEP_FIXES = {
    "webfinger": "WebFinger on the blog's host must name the actor: deploy .well-known/ and the "
                 "host rules (see the site findings above)",
    "actor": "the actor document must be served as ActivityPub and name this inbox: rebuild, "
             "deploy, and check inbox_url",
    "follow": "the inbox refused the Follow: read the HTTP status above and the inbox's log",
    "accept": "the inbox's delivery worker sends the Accept: is it running (run_worker, or "
              "fedipress inbox worker) and can it reach the inbox's own public address?",
    "undo": "the inbox refused the Undo: read the status above and the inbox's log",
    "unfollow": "the inbox did not process the Undo: read its log",
}


def signed_refusal_fix(status: int, detail: str, skew: float | None) -> str:
    if status == 401 and skew is not None and abs(skew) >= 3600:
        return "fix the clock first (see clock above): the inbox refuses signatures dated an hour off"
    if status == 401:
        return ("the inbox could not verify the blog's signature: is the deployed actor's key the "
                "one in .keys/? (deploy the latest build) and is the site online?")
    if status == 404:
        return "register the blog with its inbox: fedipress register SITE"
    if status == 403:
        return "the signing key is not this blog's owner key (or an admin's)"
    return "read the inbox's log for this request"


def run_trip(report: Report, client: Any, *, wait: float, skew: float | None) -> None:
    """Ask for the round trip and add one finding per step."""
    try:
        answer = client.request("POST", client.actor_path(f"/doctor/round-trip?wait={wait:g}"))
    except FedipressError as exc:
        report.add("round trip", False, str(exc), "start the inbox, or correct inbox_url in fedipress.toml")
        return
    if answer.status != 200:
        detail = answer.error_line()
        report.add("round trip", False, f"the inbox refused the doctor's signed request: HTTP "
                   f"{answer.status} {detail}", signed_refusal_fix(answer.status, detail, skew))
        return
    steps = answer.data.get("steps") or []
    follower = answer.data.get("follower", "the instance actor")
    for step in steps:
        fix = STEP_FIXES.get(step["step"], "")
        if step["step"] == "accept" and "Reject" in step["detail"]:
            fix = ("the blog refused the Follow: a block covers the inbox's own host (see "
                   "fedipress doctor SITE --host with the inbox's host)")
        elif step["step"] == "accept" and "queue" in step["detail"]:
            fix = ("nothing to fix if you mean to approve followers by hand: real follows wait "
                   "in `fedipress queue` too (manually_approves_followers in fedipress.toml)")
        report.add("round trip", step["ok"], f"{step['step']}: {step['detail']}", fix,
                   ms=step.get("ms"))
    if steps and all(step["ok"] for step in steps):
        total = sum(step.get("ms") or 0 for step in steps)
        report.add("round trip", True, f"{follower} followed and unfollowed the blog as a remote "
                   f"server would, in {total:.0f} ms")
