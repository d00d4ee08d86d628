"""Moderation for the inbox: who may reach an author, decided per activity.

``decide_for`` is what the inbox calls for every incoming activity; ``policy.decide`` is the
pure core it wraps; ``service`` holds the actions (block, allow, domain blocks) and effects.
"""

from inbox.moderation.policy import Decision
from inbox.moderation.service import decide_for

__all__ = ["Decision", "decide_for"]
