"""The site's side of the social loop: register with the inbox, publish changes, pull replies.

``register_site`` (used by ``fedipress up``), ``publish_site`` and ``pull_site``; the click
commands are in ``sitegen.social_cli``.
"""

from __future__ import annotations

from sitegen.social.publish import publish_site
from sitegen.social.pull import pull_site
from sitegen.social.register import register_site

__all__ = ["publish_site", "pull_site", "register_site"]
