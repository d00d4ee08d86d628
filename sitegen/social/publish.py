"""``fedipress publish``: send the fediverse what changed since the last publish, once each.

State lives in ``<site>/.fedipress/published.json`` (ids and content hashes only: safe to
commit, so CI remembers). Planning is pure (``plan``); sending saves the state after every
accepted activity, so a run that fails half-way resumes where it stopped.

Activity ids live on the post's own document, so the one id a follower's server sees is the
one the static outbox serves: ``<post id>#create`` for the Create (the same in
``ap/outbox/page-N.json``), ``<post id>#update/<hash of edit number and content>`` for each
edit (unique per edit, even when an edit restores an earlier text), ``<post id>#delete/<hash>``.
If the state was lost after a send, the same id is sent again and the inbox does not deliver it
twice. Before planning, mentions that are new or due are resolved over WebFinger into
``data/mentions.json`` and the posts naming them are built again (`sitegen.social.webfinger`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fedicore import activities
from fedicore.errors import FedipressError
from fedicore.vocab import PUBLIC
from sitegen.config import Site, load_site
from sitegen.manifest import load_manifest
from sitegen.proofs import load_proof_key, sign_activity
from sitegen.social.client import InboxClient

STATE_PATH = Path(".fedipress") / "published.json"
STATE_FORMAT = 1
# What a follower sees of a post: a change in any of these is an Update.
POST_FIELDS = ("type", "name", "summary", "sensitive", "content", "contentMap", "tag",
               "attachment", "url", "inReplyTo", "to", "cc")


@dataclass
class PublishState:
    # post id -> {slug, hash, and after an edit: edits (count), updated (last sent)}
    posts: dict[str, dict[str, Any]] = field(default_factory=dict)
    actor_hash: str | None = None
    actor_edits: int = 0  # profile Updates sent: part of their ids, so each one is new

    def to_json(self) -> bytes:
        actor: dict[str, Any] = {"hash": self.actor_hash}
        if self.actor_edits:
            actor["edits"] = self.actor_edits
        data = {"format": STATE_FORMAT, "actor": actor,
                "posts": {k: self.posts[k] for k in sorted(self.posts)}}
        return (json.dumps(data, indent=1, sort_keys=True) + "\n").encode()


@dataclass(frozen=True)
class Action:
    kind: str  # create | update | delete | actor
    object_id: str
    slug: str
    hash: str
    activity: dict[str, Any]
    edits: int = 0  # an Update: the post's edit number
    updated: str | None = None  # an Update: the `updated` it carries

    def line(self) -> str:
        label = {"create": "Create", "update": "Update", "delete": "Delete",
                 "actor": "Update (actor)", "quiet": "Quiet update (not sent)",
                 "record": "Recorded, not announced (older than what was sent)"}[self.kind]
        return f"{label} {self.object_id}"

    @property
    def sends(self) -> bool:
        """False for what is only recorded: a minor edit, an old post never announced."""
        return self.kind not in ("quiet", "record")


def content_hash(document: dict[str, Any], fields: tuple[str, ...] | None = None) -> str:
    chosen = {k: document.get(k) for k in fields} if fields else document
    return hashlib.sha256(json.dumps(chosen, sort_keys=True, separators=(",", ":"))
                          .encode()).hexdigest()[:32]


def load_state(root: Path) -> PublishState:
    path = root / STATE_PATH
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return PublishState()
    except ValueError as exc:
        raise FedipressError(f"not valid JSON: {exc}", path=str(path)) from None
    if not isinstance(data, dict) or data.get("format") != STATE_FORMAT \
            or not isinstance(data.get("posts"), dict):
        raise FedipressError(f"unknown format (expected format {STATE_FORMAT})", path=str(path))
    posts = {str(k): _post_state(v) for k, v in data["posts"].items() if isinstance(v, dict)}
    actor = data.get("actor") if isinstance(data.get("actor"), dict) else {}
    edits = actor.get("edits")
    return PublishState(posts=posts, actor_hash=actor.get("hash"),
                        actor_edits=edits if isinstance(edits, int) else 0)


def _post_state(value: dict[str, Any]) -> dict[str, Any]:
    known: dict[str, Any] = {"slug": str(value.get("slug", "")), "hash": str(value.get("hash", ""))}
    if isinstance(value.get("edits"), int) and not isinstance(value.get("edits"), bool):
        known["edits"] = value["edits"]
    if isinstance(value.get("updated"), str):
        try:
            _timestamp(value["updated"])
            known["updated"] = value["updated"]
        except ValueError:
            pass  # a hand-edited state: the next edit carries the publish time
    if value.get("announced") is False:
        known["announced"] = False
    return known


def save_state(root: Path, state: PublishState) -> None:
    path = root / STATE_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(state.to_json())
    os.replace(tmp, path)


def output_dir(root: Path, out: Path | None) -> Path:
    """The folder the last build wrote (from the build manifest) unless ``out`` is given."""
    if out is not None:
        return out
    manifest = load_manifest(root)
    if manifest is None:
        raise FedipressError("the site has not been built yet (run `fedipress build` first)",
                             path=str(root))
    return Path(manifest.options.rsplit("|", 1)[0])


def live_posts(root: Path, out_dir: Path, now: float) -> dict[str, tuple[str, dict[str, Any]]]:
    """post id -> (slug, document) of every built post that is neither a draft nor in the future."""
    manifest = load_manifest(root)
    if manifest is None:
        raise FedipressError("the site has not been built yet (run `fedipress build` first)",
                             path=str(root))
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for record in manifest.posts.values():
        if record.draft or not record.written or _timestamp(record.published) > now:
            continue
        path = out_dir / "ap" / "posts" / f"{record.slug}.json"
        try:
            document = json.loads(path.read_bytes())
        except FileNotFoundError:
            raise FedipressError("built post document missing (run `fedipress build`)",
                                 path=str(path)) from None
        if isinstance(document, dict) and isinstance(document.get("id"), str):
            found[document["id"]] = (record.slug, document)
    return found


def plan(state: PublishState, posts: dict[str, tuple[str, dict[str, Any]]],
         actor: dict[str, Any], *, now: float, quiet: frozenset[str] = frozenset(),
         quiet_edits: bool = False) -> list[Action]:
    """What to send, in order: the profile, new posts (oldest first), edits, removals.

    An edit of a post in ``quiet`` (front matter `minor_edit = true`), every edit with
    ``quiet_edits``, and any edit of a post never announced is recorded, not sent. A post never
    sent that is older than the newest post already sent is recorded, not announced: a Create
    would put it in timelines as new."""
    actor_id = actor["id"]
    followers = actor.get("followers")
    actions: list[Action] = []
    actor_hash = content_hash({k: v for k, v in actor.items() if k != "@context"})
    if state.actor_hash is not None and state.actor_hash != actor_hash:
        actions.append(Action("actor", actor_id, "", actor_hash, activities.update(
            actor_id, actor, activity_id=activities.derived_id(
                actor_id, "update", f"{state.actor_edits + 1}|{actor_hash}"),
            to=[PUBLIC], cc=[followers] if followers else [])))
    ordered = sorted(posts.items(), key=lambda item: (str(item[1][1].get("published", "")),
                                                      item[0]))
    newest_sent = max((str(document.get("published", "")) for post_id, (_s, document)
                       in posts.items() if state.posts.get(post_id, {}).get("announced", True)
                       and post_id in state.posts), default=None)
    for post_id, (slug, document) in ordered:
        digest = content_hash(document, POST_FIELDS)
        known = state.posts.get(post_id)
        if known is None and newest_sent and str(document.get("published", "")) < newest_sent:
            actions.append(Action("record", post_id, slug, digest, {}))
        elif known is not None and known["hash"] != digest and (
                quiet_edits or post_id in quiet or known.get("announced") is False):
            actions.append(Action("quiet", post_id, slug, digest, {}))
        elif known is None:
            updated = document.get("updated")
            actions.append(Action("create", post_id, slug, digest, activities.create(
                actor_id, document, activity_id=f"{post_id}#create"),
                updated=updated if isinstance(updated, str) else None))
        elif known["hash"] != digest:
            edits = int(known.get("edits", 0)) + 1
            edited = dict(document)
            edited["updated"] = edit_time(document.get("updated"), known.get("updated"), now)
            actions.append(Action("update", post_id, slug, digest, activities.update(
                actor_id, edited,
                activity_id=_post_activity_id(post_id, "update", f"{edits}|{digest}")),
                edits=edits, updated=edited["updated"]))
    for post_id in sorted(set(state.posts) - set(posts)):
        known = state.posts[post_id]
        actions.append(Action("delete", post_id, known["slug"], "", activities.delete(
            actor_id, post_id, cc=[followers] if followers else [],
            activity_id=_post_activity_id(post_id, "delete", str(known["hash"])))))
    return actions


def edit_time(declared: Any, last_sent: Any, now: float) -> str:
    """The ``updated`` an Update carries: the post's own when it is newer than the last one
    sent, else the publish time. Servers show an edit only when ``updated`` moved forward."""
    if isinstance(declared, str) and (not isinstance(last_sent, str)
                                      or _timestamp(declared) > _timestamp(last_sent)):
        return declared
    moment = _iso(now)
    if isinstance(last_sent, str) and _timestamp(moment) <= _timestamp(last_sent):
        moment = _iso(_timestamp(last_sent) + 1)
    return moment


def _post_activity_id(post_id: str, kind: str, source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:32]
    return f"{post_id}#{kind}/{digest}"


def apply(state: PublishState, action: Action, actor_hash: str) -> None:
    """The state after ``action`` was accepted by the inbox."""
    if action.kind == "actor":
        state.actor_hash = actor_hash
        state.actor_edits += 1
    elif action.kind == "delete":
        state.posts.pop(action.object_id, None)
    else:
        before = state.posts.get(action.object_id, {})
        known: dict[str, Any] = {"slug": action.slug, "hash": action.hash}
        edits = action.edits or before.get("edits")
        if edits:
            known["edits"] = edits
        updated = action.updated or before.get("updated")
        if updated:
            known["updated"] = updated
        if action.kind == "record" or before.get("announced") is False:
            known["announced"] = False
        state.posts[action.object_id] = known


@dataclass
class PublishReport:
    sent: list[str] = field(default_factory=list)
    planned: list[str] = field(default_factory=list)
    failure: str | None = None
    unresolved: list[str] = field(default_factory=list)  # mentions WebFinger did not resolve


def publish_site(root: Path, *, out: Path | None = None, dry_run: bool = False,
                 mark_only: bool = False, quiet_edits: bool = False, now: float | None = None,
                 client: InboxClient | None = None, allow_private: bool = False,
                 echo: Callable[[str], None] = lambda line: None) -> PublishReport:
    """Resolve mentions, plan and send. ``mark_only`` records the current site as published
    without sending (for a blog whose old posts should not flood new followers' timelines).
    ``allow_private`` lets WebFinger reach loopback/private hosts (tests, local development);
    a dry run asks nobody."""
    import time

    now = time.time() if now is None else now
    site: Site = client.site if client else load_site(root)
    out_dir = output_dir(root, out)
    try:
        actor = json.loads((out_dir / "ap" / "actor.json").read_bytes())
    except FileNotFoundError:
        raise FedipressError("no built actor (run `fedipress build` first)",
                             path=str(out_dir / "ap" / "actor.json")) from None
    unresolved: list[str] = []
    if not dry_run:
        from sitegen.social.webfinger import refresh_site_mentions

        mentions = refresh_site_mentions(root, out_dir, now=now, allow_private=allow_private,
                                         echo=echo)
        unresolved = [handle for handle, _reason in mentions.unresolved]
    state = load_state(root)
    actor_hash = content_hash({k: v for k, v in actor.items() if k != "@context"})
    first_run = state.actor_hash is None
    actions = plan(state, live_posts(root, out_dir, now), actor, now=now,
                   quiet=minor_edits(root, site), quiet_edits=quiet_edits)
    report = PublishReport(planned=[a.line() for a in actions], unresolved=unresolved)
    if dry_run:
        for line in report.planned:
            echo(f"would send {line}")
        return report
    if mark_only:
        for action in actions:
            apply(state, action, actor_hash)
        state.actor_hash = actor_hash
        save_state(root, state)
        return report
    if first_run:
        state.actor_hash = actor_hash  # the profile is news only when it changes later
        save_state(root, state)
    for action in [a for a in actions if not a.sends]:
        apply(state, action, actor_hash)
        save_state(root, state)
        echo(action.line())
    actions = [a for a in actions if a.sends]
    if not actions:
        return report
    own = client is None
    client = client or InboxClient(site)
    try:
        outbox = client.actor_path("/outbox")
        proof_key = load_proof_key(site) if site.proof_key_path.exists() else None
        for action in actions:
            activity = action.activity if proof_key is None else \
                sign_activity(site, proof_key, action.activity, now)  # FEP-8b32
            answer = client.post(outbox, activity)
            if answer.status not in (200, 201, 202):
                report.failure = (f"{action.line()}: HTTP {answer.status} "
                                  f"{answer.error_line()}")
                return report
            apply(state, action, actor_hash)
            save_state(root, state)
            report.sent.append(action.line())
            echo(f"sent {action.line()}")
    finally:
        if own:
            client.close()
    return report


def minor_edits(root: Path, site: Site) -> frozenset[str]:
    """Ids of the built posts whose front matter says `minor_edit = true`."""
    import tomllib

    from sitegen.posts import split_front_matter

    manifest = load_manifest(root)
    found = set()
    for record in (manifest.posts.values() if manifest else ()):
        try:
            text = (site.content_dir / record.source).read_text("utf-8")
            front, _body, _line = split_front_matter(text, record.source)
            if tomllib.loads(front).get("minor_edit") is True:
                found.add(site.post_id(record.slug))
        except (OSError, UnicodeDecodeError, ValueError, FedipressError):
            continue  # the build already reported a broken post
    return frozenset(found)


def _timestamp(iso_time: str) -> float:
    return dt.datetime.fromisoformat(iso_time.replace("Z", "+00:00")).timestamp()


def _iso(now: float) -> str:
    return dt.datetime.fromtimestamp(now, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
