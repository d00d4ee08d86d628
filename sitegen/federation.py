"""The site-wide discovery documents: actor, WebFinger, host-meta, NodeInfo, following.

Small and cheap, so each build renders them and lets `write_if_changed` skip the unchanged.
"""

from __future__ import annotations

from pathlib import Path

from fedicore import documents
from fedicore.errors import FedipressError
from sitegen.config import Site
from sitegen.posts import media_type
from sitegen.proofs import assertion_methods
from sitegen.render import PostRenderer, json_bytes


def ensure_keys(site: Site) -> tuple[str, bool]:
    """The actor's public key PEM; makes the key pair first if the site has none.

    Returns (public PEM, whether a new key was made)."""
    from fedicore.keys import generate_rsa_keypair, public_key_pem, write_private_key

    path = site.key_path
    if not path.exists():
        private_pem, public_pem = generate_rsa_keypair(2048)
        write_private_key(path, private_pem)
        return public_pem, True
    try:
        return public_key_pem(path.read_bytes()), False
    except ValueError as exc:
        raise FedipressError(str(exc), path=str(path)) from None


def site_documents(renderer: PostRenderer, public_pem: str, *, post_count: int,
                   version: str, proof_key=None) -> dict[str, bytes]:
    """Output path -> bytes for every discovery document."""
    site = renderer.site
    config = site.config
    profile_fields = [(f.name, renderer.markup.render(f.value).ap_html.strip()
                       .removeprefix("<p>").removesuffix("</p>")) for f in config.fields]
    bio = renderer.bio
    tags: list[dict] = []
    if bio:
        tags = [documents.hashtag(t, site.tag_url(t)) for t in bio.found.tags]
        tags += [documents.emoji(code, site.static_url(config.emoji[code]),
                                 renderer.emoji_types[code]) for code in bio.found.emoji]
    info = documents.ActorInfo(
        id=site.actor_id, username=config.username,
        name=config.display_name or config.username,
        summary_html=bio.ap_html.strip() if bio else "",
        profile_url=f"{site.base_url}/", inbox=site.inbox,
        outbox=f"{site.base_url}/ap/outbox.json", followers=site.followers,
        following=f"{site.base_url}/ap/following.json",
        featured=f"{site.base_url}/ap/featured.json", shared_inbox=site.shared_inbox,
        public_key_pem=public_pem, icon=_image(site, config.avatar),
        image=_image(site, config.header), fields=profile_fields,
        manually_approves_followers=config.manually_approves_followers,
        discoverable=config.discoverable, tags=tags, indexable=config.indexable,
        attribution_domains=attribution_domains(site), webfinger=f"acct:{site.acct}",
        also_known_as=list(config.also_known_as), moved_to=config.moved_to,
        assertion_methods=assertion_methods(site, proof_key) if proof_key else (),
    )
    jrd = documents.webfinger_jrd(acct=site.acct, actor_id=site.actor_id,
                                  profile_url=f"{site.base_url}/")
    return {
        "ap/actor.json": json_bytes(documents.actor_document(info)),
        "ap/following.json": json_bytes(documents.ordered_collection(
            f"{site.base_url}/ap/following.json", total=0, items=[])),
        ".well-known/webfinger": json_bytes(jrd),
        ".well-known/host-meta": documents.host_meta_xrd(site.base_url).encode(),
        ".well-known/nodeinfo": json_bytes(documents.nodeinfo_links(site.base_url)),
        "nodeinfo/2.1.json": json_bytes(documents.nodeinfo_document(
            version=version, local_posts=post_count, node_name=site.site_title)),
        "interact/index.html": renderer.env.get_template("interact.html").render(
            site=renderer.context).encode(),
        **about_page(renderer),
    }


def about_page(renderer: PostRenderer) -> dict[str, bytes]:
    """`content/about.md` (Markdown; a first `# Heading` is its title) as `/about/`."""
    source = renderer.site.root / "content" / "about.md"
    try:
        text = source.read_text("utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise FedipressError(f"cannot read: {exc}", path="content/about.md") from None
    title, body = "About", text
    first, _, rest = text.lstrip().partition("\n")
    if first.startswith("# "):
        title, body = first[2:].strip(), rest
    html = renderer.markup.render(body).page_html
    return {"about/index.html": renderer.env.get_template("about.html").render(
        site=renderer.context, about={"title": title, "body_html": html}).encode()}


def attribution_domains(site: Site) -> list[str]:
    """Domains whose pages may name this actor in `fediverse:creator`: the blog's own host
    (without a port, as Mastodon compares hosts) and any the config adds."""
    own = site.host.split(":")[0] if not site.host.startswith("[") else site.host
    return list(dict.fromkeys([own, *site.config.attribution_domains]))


def _image(site: Site, relative: str | None) -> tuple[str, str] | None:
    if not relative:
        return None
    media = media_type(relative) or "image/png"
    return site.static_url(relative), media


def theme_assets() -> list[tuple[Path, str]]:
    """Files of the default theme copied to the output root (a site's static/ wins)."""
    from sitegen.theme import THEME_DIR

    assets = THEME_DIR / "assets"
    return [(path, str(path.relative_to(assets))) for path in sorted(assets.rglob("*"))
            if path.is_file()]
