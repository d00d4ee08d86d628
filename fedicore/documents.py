"""Builders of the static ActivityPub documents from plain data.

Everything here returns plain dicts ready for JSON; no I/O. The publisher writes them as files,
the inbox may build the same shapes when it answers for an actor.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from fedicore.integrity import DATA_INTEGRITY_CONTEXT, DID_CONTEXT, MULTIKEY_CONTEXT
from fedicore.quotes import POLICY_CONTEXT
from fedicore.vocab import ACTIVITY_JSON, AS_CONTEXT, PUBLIC, SECURITY_CONTEXT

#: Extra terms Mastodon understands; declaring them keeps JSON-LD processors happy.
EXTENSION_CONTEXT = {
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "sensitive": "as:sensitive",
    "Hashtag": "as:Hashtag",
    "toot": "http://joinmastodon.org/ns#",
    "featured": {"@id": "toot:featured", "@type": "@id"},
    "discoverable": "toot:discoverable",
    "indexable": "toot:indexable",
    "attributionDomains": {"@id": "toot:attributionDomains", "@type": "@id"},
    "alsoKnownAs": {"@id": "as:alsoKnownAs", "@type": "@id"},
    "movedTo": {"@id": "as:movedTo", "@type": "@id"},
    "webfinger": "https://purl.archive.org/socialweb/webfinger#webfinger",
    "Emoji": "toot:Emoji",
    "schema": "http://schema.org#",
    "PropertyValue": "schema:PropertyValue",
    "value": "schema:value",
}
ACTOR_CONTEXT = [AS_CONTEXT, SECURITY_CONTEXT, EXTENSION_CONTEXT]
OBJECT_CONTEXT = [AS_CONTEXT, EXTENSION_CONTEXT]
NODEINFO_SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/2.1"


@dataclass(frozen=True)
class ActorInfo:
    """What the actor document says about the blog's one author."""

    id: str
    username: str
    name: str
    summary_html: str
    profile_url: str
    inbox: str
    outbox: str
    followers: str
    following: str
    featured: str
    shared_inbox: str
    public_key_pem: str
    icon: tuple[str, str] | None = None  # (url, media type)
    image: tuple[str, str] | None = None
    fields: Sequence[tuple[str, str]] = ()  # (name, value html)
    manually_approves_followers: bool = False
    discoverable: bool = True
    published: str | None = None
    tags: Sequence[dict] = ()
    indexable: bool = True  # Mastodon's full-text search covers only indexable accounts
    attribution_domains: Sequence[str] = ()  # where `fediverse:creator` may name this actor
    webfinger: str | None = None  # FEP-2c59: "acct:user@host"
    also_known_as: Sequence[str] = ()
    moved_to: str | None = None
    assertion_methods: Sequence[dict] = ()  # FEP-521a Multikeys (fedicore.integrity)


def actor_document(info: ActorInfo) -> dict:
    """A ``Person`` with everything Mastodon needs to follow and verify it."""
    doc: dict = {
        "@context": ACTOR_CONTEXT,
        "id": info.id,
        "type": "Person",
        "preferredUsername": info.username,
        "name": info.name,
        "summary": info.summary_html,
        "url": info.profile_url,
        "inbox": info.inbox,
        "outbox": info.outbox,
        "followers": info.followers,
        "following": info.following,
        "featured": info.featured,
        "endpoints": {"sharedInbox": info.shared_inbox},
        "manuallyApprovesFollowers": info.manually_approves_followers,
        "discoverable": info.discoverable,
        "publicKey": {
            "id": f"{info.id}#main-key",
            "owner": info.id,
            "publicKeyPem": info.public_key_pem,
        },
        "attachment": [
            {"type": "PropertyValue", "name": name, "value": value} for name, value in info.fields
        ],
    }
    if info.icon:
        doc["icon"] = {"type": "Image", "url": info.icon[0], "mediaType": info.icon[1]}
    if info.image:
        doc["image"] = {"type": "Image", "url": info.image[0], "mediaType": info.image[1]}
    if info.published:
        doc["published"] = info.published
    if info.tags:
        doc["tag"] = list(info.tags)
    doc["indexable"] = info.indexable
    if info.attribution_domains:
        doc["attributionDomains"] = list(info.attribution_domains)
    if info.webfinger:
        doc["webfinger"] = info.webfinger
    if info.also_known_as:
        doc["alsoKnownAs"] = list(info.also_known_as)
    if info.moved_to:
        doc["movedTo"] = info.moved_to
    if info.assertion_methods:  # the keys that sign object integrity proofs
        # Fedify's order; did/v1 defines `assertionMethod` (without it JSON-LD drops the keys)
        doc["@context"] = [AS_CONTEXT, SECURITY_CONTEXT, DATA_INTEGRITY_CONTEXT, DID_CONTEXT,
                           MULTIKEY_CONTEXT, EXTENSION_CONTEXT]
        doc["assertionMethod"] = list(info.assertion_methods)
    return doc


@dataclass(frozen=True)
class PostInfo:
    """One blog post as ActivityPub sees it."""

    id: str
    url: str
    attributed_to: str
    followers: str
    content_html: str
    published: str
    title: str | None = None
    summary: str | None = None  # content warning, or an article's description
    sensitive: bool = False
    updated: str | None = None
    language: str | None = None
    tags: Sequence[dict] = ()
    mentions: Sequence[str] = ()  # actor hrefs that go into cc
    attachments: Sequence[dict] = ()
    extra: dict = field(default_factory=dict)
    interaction_policy: dict | None = None  # who may quote it (fedicore.quotes)
    type: str | None = None  # default: Article when titled, else Note


def post_document(post: PostInfo, *, with_context: bool = True) -> dict:
    """A ``Note`` (untitled) or ``Article`` (titled); ``id`` is where the file is served."""
    doc: dict = {}
    if with_context:
        doc["@context"] = ([AS_CONTEXT, {**EXTENSION_CONTEXT, **POLICY_CONTEXT}]
                           if post.interaction_policy else OBJECT_CONTEXT)
    doc.update(
        {
            "id": post.id,
            "type": post.type or ("Article" if post.title else "Note"),
            "attributedTo": post.attributed_to,
            "url": post.url,
            "published": post.published,
            "to": [PUBLIC],
            "cc": [post.followers, *dict.fromkeys(post.mentions)],
            "content": post.content_html,
            "sensitive": post.sensitive,
            "summary": post.summary,
            "tag": list(post.tags),
            "attachment": list(post.attachments),
        }
    )
    if post.title:
        doc["name"] = post.title
    if post.updated:
        doc["updated"] = post.updated
    if post.language:
        doc["contentMap"] = {post.language: post.content_html}
    if post.interaction_policy:
        doc["interactionPolicy"] = post.interaction_policy
    doc.update(post.extra)
    return doc


def create_activity(obj: dict, *, activity_id: str | None = None) -> dict:
    """The ``Create`` that wraps a post in the outbox; its id is stable per post."""
    return {
        "id": activity_id or f"{obj['id']}#create",
        "type": "Create",
        "actor": obj["attributedTo"],
        "published": obj["published"],
        "to": obj.get("to", [PUBLIC]),
        "cc": obj.get("cc", []),
        "object": {k: v for k, v in obj.items() if k != "@context"},
    }


def ordered_collection(
    id: str, *, total: int, items: Sequence | None = None, first: str | None = None,
    last: str | None = None,
) -> dict:
    """An ``OrderedCollection``: inline ``items`` when small, else links to its pages."""
    doc: dict = {"@context": OBJECT_CONTEXT, "id": id, "type": "OrderedCollection",
                 "totalItems": total}
    if items is not None:
        doc["orderedItems"] = list(items)
    if first:
        doc["first"] = first
    if last:
        doc["last"] = last
    return doc


def ordered_collection_page(
    id: str, *, part_of: str, items: Iterable, next: str | None = None, prev: str | None = None
) -> dict:
    """One ``OrderedCollectionPage``; ``next`` points at older items."""
    doc: dict = {"@context": OBJECT_CONTEXT, "id": id, "type": "OrderedCollectionPage",
                 "partOf": part_of, "orderedItems": list(items)}
    if next:
        doc["next"] = next
    if prev:
        doc["prev"] = prev
    return doc


def hashtag(name: str, href: str) -> dict:
    return {"type": "Hashtag", "href": href, "name": f"#{name}"}


def mention(handle: str, href: str) -> dict:
    return {"type": "Mention", "href": href, "name": handle}


def emoji(shortcode: str, icon_url: str, media_type: str, updated: str | None = None) -> dict:
    tag = {"id": icon_url, "type": "Emoji", "name": f":{shortcode}:",
           "icon": {"type": "Image", "mediaType": media_type, "url": icon_url}}
    if updated:
        tag["updated"] = updated
    return tag


def webfinger_jrd(*, acct: str, actor_id: str, profile_url: str) -> dict:
    """The JRD a WebFinger lookup of ``acct:user@host`` answers with."""
    return {
        "subject": f"acct:{acct}",
        "aliases": [actor_id, profile_url],
        "links": [
            {"rel": "self", "type": ACTIVITY_JSON, "href": actor_id},
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html",
             "href": profile_url},
        ],
    }


def host_meta_xrd(base_url: str) -> str:
    """host-meta points old clients at the WebFinger endpoint."""
    template = f"{base_url}/.well-known/webfinger?resource={{uri}}"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" type="application/jrd+json" template="{_xml_attr(template)}"/>\n'
        "</XRD>\n"
    )


def nodeinfo_links(base_url: str) -> dict:
    return {"links": [{"rel": NODEINFO_SCHEMA, "href": f"{base_url}/nodeinfo/2.1.json"}]}


def nodeinfo_document(*, version: str, local_posts: int, node_name: str,
                      repository: str | None = None) -> dict:
    """NodeInfo 2.1 for a one-person, closed-registration blog."""
    software: dict = {"name": "fedipress", "version": version}
    if repository:
        software["repository"] = repository
    return {
        "version": "2.1",
        "software": software,
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": ["atom1.0"]},
        "openRegistrations": False,
        "usage": {"users": {"total": 1, "activeMonth": 1, "activeHalfyear": 1},
                  "localPosts": local_posts},
        "metadata": {"nodeName": node_name},
    }


def _xml_attr(value: str) -> str:
    return (value.replace("&", "&amp;").replace('"', "&quot;")
            .replace("<", "&lt;").replace(">", "&gt;"))
