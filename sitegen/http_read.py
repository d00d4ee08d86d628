"""Reading an HTTP answer's body the one bounded way, for every GET the publisher makes
(``pull``'s reply authors and inbox collections, ``fedipress check`` on a URL).

The body is read raw and decoded here (``fedicore.content_coding``: gzip/deflate, the size
bound on the *decoded* bytes, a decompression bomb cut off at the bound), and the whole read
has a deadline: a host that sends one byte every few seconds never trips a per-read timeout,
so the clock is checked after every piece (the read timeout bounds how far past it one piece
can go).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from fedicore.content_coding import ACCEPT_ENCODING, BodyProblem, BoundedDecoder

__all__ = ["ACCEPT_ENCODING", "BodyProblem", "read_body"]


def read_body(response: httpx.Response, *, limit: int, deadline: float,
              clock: Callable[[], float] = time.monotonic) -> bytes | BodyProblem:
    """The decoded body of a ``stream=True`` response, or why it was refused (``too_large``,
    ``encoding``, ``deadline``, ``unreachable``). ``deadline`` is a ``clock()`` instant."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit and not response.headers.get("content-encoding"):
        return BodyProblem("too_large", f"the body is larger than {limit} bytes")
    decoder = BoundedDecoder(response.headers.get("content-encoding"), limit=limit)
    try:
        for chunk in response.iter_raw():
            fed = decoder.feed(chunk)
            if isinstance(fed, BodyProblem):
                return fed
            if clock() > deadline:
                return BodyProblem("deadline", "the body did not arrive in time")
    except httpx.HTTPError as exc:
        return BodyProblem("unreachable", f"{type(exc).__name__} while reading the body")
    return decoder.finish()
