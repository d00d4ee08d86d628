"""Object integrity proofs on incoming activities (FEP-8b32), checked at the inbox's edge.

The cryptography is `fedicore.integrity` (pure). Here: find the key the proof names in the
actor's document (its `assertionMethod`, controlled by the activity's actor), check, and say
what was found. A delivery whose HTTP signature is the actor's own is accepted whatever its
proof says (the result is recorded with the activity); a delivery *forwarded* by someone else
(HTTP signer ≠ actor) is accepted only when its proof verifies with the actor's key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fedicore import integrity
from inbox.fetcher import FetchFailure, Fetcher, SigningKey


@dataclass(frozen=True, slots=True)
class ProofOutcome:
    """What the proof of one activity came to: ``verified`` or ``failed`` (with why)."""

    result: str
    detail: str
    verification_method: str | None

    @property
    def verified(self) -> bool:
        return self.result == "verified"


def has_proof(activity: dict[str, Any]) -> bool:
    return "proof" in activity


def without_ld_signature(activity: dict[str, Any]) -> dict[str, Any]:
    """The activity without a Linked Data Signature (`RsaSignature2017`): senders such as Fedify
    and Mastodon add it after the proof, so the proof never covers it."""
    signature = activity.get("signature")
    if isinstance(signature, dict) and signature.get("type") == "RsaSignature2017":
        return {k: v for k, v in activity.items() if k != "signature"}
    return activity


def check_with_actor(activity: dict[str, Any], actor: dict[str, Any],
                     signed: dict[str, Any] | None = None) -> ProofOutcome:
    """Check ``activity``'s proof against the keys ``actor`` (its actor's document) lists.
    ``signed`` is the activity exactly as received when it differs from ``activity`` (whose
    embedded actor object ``parse_activity`` replaced by its id): the proof covers that."""
    proofs = integrity.proofs_of(activity)
    if len(proofs) != 1 or not isinstance(proofs[0], dict):
        return ProofOutcome("failed", "unsupported: exactly one proof object is supported", None)
    proof = proofs[0]
    method = proof.get("verificationMethod")
    if not isinstance(method, str):
        return ProofOutcome("failed", "malformed: verificationMethod is missing", None)
    if actor.get("id") != activity.get("actor"):
        return ProofOutcome("failed", "key: the key's document is not the activity's actor",
                            method)
    key = integrity.assertion_key(actor, method)
    if isinstance(key, integrity.ProofFailure):
        return ProofOutcome("failed", str(key), method)
    checked = integrity.verify(without_ld_signature(signed or activity), key, proof)
    if isinstance(checked, integrity.ProofFailure):
        return ProofOutcome("failed", str(checked), method)
    return ProofOutcome("verified", "", method)


async def check_proof(activity: dict[str, Any], *, fetcher: Fetcher, signer: SigningKey | None,
                      actor: dict[str, Any] | None = None,
                      signed: dict[str, Any] | None = None) -> ProofOutcome:
    """Check ``activity``'s proof; ``actor`` is its actor's document when already at hand
    (the HTTP signer's), else it is fetched (cached, address-guarded like any fetch).
    ``signed``: as in ``check_with_actor``.

    Only a forwarded activity (``actor`` not given) has its actor fetched again when the proof
    fails with the cached document: for a direct delivery the result changes nothing, and an
    actor sending bad proofs must not buy a remote fetch with each one."""
    forwarded = actor is None
    if actor is None or actor.get("id") != activity.get("actor"):
        fetched = await fetcher.fetch_document(str(activity.get("actor")), signer=signer)
        if isinstance(fetched, FetchFailure):
            return ProofOutcome("failed", f"key: the actor could not be fetched ({fetched.reason})",
                                None)
        actor = fetched
    outcome = check_with_actor(activity, actor, signed)
    if forwarded and not outcome.verified and outcome.detail.startswith(("key:", "signature:")):
        # the actor may have rotated its key since we cached its document: look once more
        fresh = await fetcher.fetch_document(str(activity.get("actor")), signer=signer,
                                             refresh=True)
        if isinstance(fresh, dict):
            outcome = check_with_actor(activity, fresh, signed)
    return outcome
