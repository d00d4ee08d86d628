"""The site's object integrity proofs (FEP-8b32): its Ed25519 key and what it signs.

The key sits beside the RSA key (`.keys/ed25519.pem`, mode 600) and is made by `init`/`build`
for a new site and an existing one alike. Every post document, the Create/Update/Delete that
`publish` sends and the outbox pages carry an `eddsa-jcs-2022` proof (`fedicore.integrity`), so
a copy served by a mirror can be checked against the actor's `assertionMethod` key.

Proofs are deterministic (Ed25519 and a `created` taken from the document, not the clock), so
a rebuild that changes nothing rewrites nothing. docs/signatures.md tells the key rotation story.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric import ed25519

from fedicore import integrity
from fedicore.errors import FedipressError
from sitegen.config import Site

EPOCH = "1970-01-01T00:00:00Z"


def ensure_proof_key(site: Site) -> tuple[ed25519.Ed25519PrivateKey, bool]:
    """The site's Ed25519 signing key; made (mode 600) first if the site has none.
    Returns (key, whether a new key was made)."""
    from fedicore.keys import generate_ed25519_keypair, write_private_key

    path = site.proof_key_path
    if not path.exists():
        private_pem, _public = generate_ed25519_keypair()
        write_private_key(path, private_pem)
        return load_proof_key(site), True
    return load_proof_key(site), False


def load_proof_key(site: Site) -> ed25519.Ed25519PrivateKey:
    from fedicore.keys import load_private_key

    path = site.proof_key_path
    try:
        key = load_private_key(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise FedipressError(f"unusable proof key: {exc}", path=str(path)) from None
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise FedipressError("the proof key must be an Ed25519 key", path=str(path))
    return key


def key_id(site: Site) -> str:
    return site.actor_id + integrity.KEY_FRAGMENT


def assertion_methods(site: Site, key: ed25519.Ed25519PrivateKey) -> list[dict]:
    return [integrity.assertion_method(site.actor_id, key.public_key(), key_id(site))]


def created_of(document: dict) -> str:
    """When a document's proof says it was made: its last edit, else its publication."""
    for name in ("updated", "published"):
        value = document.get(name)
        if isinstance(value, str) and value.endswith("Z") and len(value) == 20:
            return value
    return EPOCH


def sign_document(site: Site, key: ed25519.Ed25519PrivateKey, document: dict,
                  created: str | None = None) -> dict:
    """``document`` with the Data Integrity context and its proof."""
    document = integrity.with_context(document)
    return integrity.sign(document, key, key_id(site), created or created_of(document))


def sign_activity(site: Site, key: ed25519.Ed25519PrivateKey, activity: dict,
                  now: float) -> dict:
    """An activity as `publish` sends it, signed at ``now``. Its embedded object's own proof is
    dropped: the embedded copy has lost the object's `@context`, so that proof would not verify
    (the activity's proof covers the object)."""
    return sign_document(site, key, without_embedded_proof(activity), integrity.created_now(now))


def without_embedded_proof(activity: dict) -> dict:
    obj = activity.get("object")
    if isinstance(obj, dict) and "proof" in obj:
        return {**activity, "object": {k: v for k, v in obj.items() if k != "proof"}}
    return activity


def signed_outbox_page(site: Site, key: ed25519.Ed25519PrivateKey, page: dict) -> dict:
    """An outbox page whose every Create carries its own proof, and the page one over all.

    A Create embeds its post without the post's proof (the embedded copy has no `@context`);
    a Create and the page are as new as the newest post they hold."""
    import msgspec

    items = []
    for item in page.get("orderedItems", []):
        if isinstance(item.get("object"), msgspec.Raw):
            item = {**item, "object": msgspec.json.decode(item["object"])}
        item = without_embedded_proof(item)
        created = created_of(item["object"]) if isinstance(item.get("object"), dict) else EPOCH
        items.append(integrity.sign(item, key, key_id(site), created))
    newest = max((i["proof"]["created"] for i in items), default=EPOCH)
    return sign_document(site, key, {**page, "orderedItems": items}, newest)
