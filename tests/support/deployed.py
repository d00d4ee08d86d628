"""Named ``HostBehaviour`` presets: remotes that behave like deployed servers
(``../shared/docs/deployed-fediverse.md``). Each is one kind of host for ``FakeFediverse``::

    async with FakeFediverse(GOTOSOCIAL) as gts: ...
"""

from __future__ import annotations

from fedicore.vocab import LD_JSON_AS
from tests.support.remote import HostBehaviour

# Each habit alone, so a test can name the one it pins.
GZIP = HostBehaviour(gzip=True)
PATH_KEY_ID = HostBehaviour(key_style="path", signature_algorithm="hs2019")
ACTOR_KEY_ID = HostBehaviour(key_style="actor")
LD_JSON = HostBehaviour(content_type=LD_JSON_AS)
SIGNED_FETCH = HostBehaviour(signed_fetch=True)
STRICT_TYPES = HostBehaviour(strict_content_types=True)
CANONICAL_REDIRECT = HostBehaviour(canonical_redirect=True)

# GoToSocial as deployed: every habit above that it has, at once.
GOTOSOCIAL = HostBehaviour(gzip=True, key_style="path", signature_algorithm="hs2019",
                           content_type=LD_JSON_AS, signed_fetch=True, strict_content_types=True,
                           verify_deliveries=True)
# activitypub-express: keyId is the actor URL itself.
APEX = HostBehaviour(key_style="actor")
# Mastodon in secure mode: signed GETs only, fragment keys, redirects from the profile URL.
MASTODON_SECURE = HostBehaviour(signed_fetch=True, canonical_redirect=True, gzip=True,
                                verify_deliveries=True)
# snac: lower-case headers in its own order, delivers to the shared inbox.
SNAC = HostBehaviour(signed_headers=("(request-target)", "host", "digest", "date"),
                     shared_inbox=True)
# Mastodon's coverage includes content-type.
MASTODON = HostBehaviour(signed_headers=("(request-target)", "host", "date", "digest",
                                         "content-type"), verify_deliveries=True)
# A host that answers, but slowly (every GET waits before its answer).
SLOW = HostBehaviour(delay=0.3)

ALL = {"gzip": GZIP, "path_key_id": PATH_KEY_ID, "actor_key_id": ACTOR_KEY_ID, "ld_json": LD_JSON,
       "signed_fetch": SIGNED_FETCH, "strict_types": STRICT_TYPES,
       "canonical_redirect": CANONICAL_REDIRECT, "slow": SLOW, "snac": SNAC, "mastodon": MASTODON, "gotosocial": GOTOSOCIAL, "apex": APEX,
       "mastodon_secure": MASTODON_SECURE}
