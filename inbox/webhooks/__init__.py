"""Webhooks: per-actor hooks called, signed and retried, when something reaches the inbox.

Public surface: ``fire`` (the inbox core calls it; it only enqueues), ``WebhookWorker``
(started beside the delivery worker), and the pure envelope helpers receivers can reuse.
"""

from __future__ import annotations

from inbox.webhooks.envelope import (EVENTS, FORMATS, SIGNATURE_HEADER, build_call, github_body,
                                     make_envelope, sign_body, verify_signature)
from inbox.webhooks.queue import enqueue_event, fire
from inbox.webhooks.worker import WebhookWorker, refused_target

__all__ = ["EVENTS", "FORMATS", "SIGNATURE_HEADER", "WebhookWorker", "build_call",
           "enqueue_event", "fire", "github_body", "make_envelope", "refused_target",
           "sign_body", "verify_signature"]
