"""Decoding a response body's ``Content-Encoding`` under a bound on the decoded size.

Every outgoing GET asks for ``Accept-Encoding: gzip, deflate`` (``ACCEPT_ENCODING``) and feeds
the raw bytes it reads to one ``BoundedDecoder``. The bound applies to the *decoded* bytes, and
a decompression bomb (a few KiB of gzip that inflates to gigabytes) is refused after inflating
at most ``limit + 1`` bytes: zlib is never asked for more output than the bound leaves room for.
Pure: no I/O, the caller reads the network and decides what a ``BodyProblem`` means.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

ACCEPT_ENCODING = "gzip, deflate"
_CHUNK = 64 * 1024  # most output zlib may produce per step while the bound still has room


@dataclass(frozen=True, slots=True)
class BodyProblem:
    """Why a body was refused: ``too_large`` (decoded past the limit), ``encoding`` (an
    encoding we did not ask for, or bytes that do not decode)."""

    reason: str
    detail: str


class BoundedDecoder:
    """``feed(raw)`` for each piece read, then ``finish()``; each returns the decoded body so
    far, or the ``BodyProblem`` that ends the read (after which every call returns it again)."""

    def __init__(self, content_encoding: str | None, *, limit: int) -> None:
        self.limit = limit
        self.size = 0
        self._parts: list[bytes] = []
        self._problem: BodyProblem | None = None
        codings = [c.strip().lower() for c in (content_encoding or "").split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        self._zlib: list[zlib._Decompress] = []  # type: ignore[name-defined]
        for coding in reversed(codings):  # the last coding applied is the first undone
            if coding in ("gzip", "x-gzip"):
                self._zlib.append(zlib.decompressobj(16 + zlib.MAX_WBITS))
            elif coding == "deflate":
                self._zlib.append(_DeflateEither())  # type: ignore[arg-type]
            else:
                self._problem = BodyProblem("encoding", f"unsupported Content-Encoding {coding!r}")

    @property
    def body(self) -> bytes:
        return b"".join(self._parts)

    def feed(self, raw: bytes) -> bytes | BodyProblem:
        """Decode ``raw`` (the next bytes read); the decoded body so far, or why it is refused."""
        if self._problem is None:
            self._problem = self._take(raw, final=False)
        return self._problem or self.body

    def finish(self) -> bytes | BodyProblem:
        """The whole decoded body once the raw bytes have ended."""
        if self._problem is None:
            self._problem = self._take(b"", final=True)
        if self._problem is None and self._zlib and not all(_ended(d) for d in self._zlib):
            self._problem = BodyProblem("encoding", "the compressed body is cut short")
        return self._problem or self.body

    def _take(self, raw: bytes, *, final: bool) -> BodyProblem | None:
        pending = [raw]
        for decoder in self._zlib:
            out: list[bytes] = []
            for data in pending:
                problem = self._inflate(decoder, data, out, final=final)
                if problem:
                    return problem
            pending = out
        for data in pending:
            self.size += len(data)
            if self.size > self.limit:
                return BodyProblem("too_large", f"the body is larger than {self.limit} bytes")
            self._parts.append(data)
        return None

    def _inflate(self, decoder: zlib._Decompress, data: bytes, out: list[bytes], *,  # type: ignore[name-defined]
                 final: bool) -> BodyProblem | None:
        produced = 0
        try:
            while True:
                room = self.limit - self.size - produced + 1  # one byte past the bound is proof
                piece = decoder.decompress(data, max(1, min(room, _CHUNK)))
                produced += len(piece)
                out.append(piece)
                if self.size + produced > self.limit:
                    return BodyProblem("too_large", f"the body is larger than {self.limit} bytes "
                                                    "once decompressed")
                data = decoder.unconsumed_tail
                if not data and not (final and piece):
                    return None
        except zlib.error as exc:
            return BodyProblem("encoding", f"the body does not decompress: {exc}")


class _DeflateEither:
    """``deflate`` as sent: zlib-wrapped (RFC 9110) or, from some servers, raw deflate."""

    def __init__(self) -> None:
        self._inner: zlib._Decompress | None = None  # type: ignore[name-defined]
        self._head = b""

    def decompress(self, data: bytes, max_length: int) -> bytes:
        if self._inner is None:
            self._head += data
            if len(self._head) < 2:
                return b""
            data, self._head = self._head, b""
            wrapped = (data[0] & 0x0F) == 8 and ((data[0] << 8) | data[1]) % 31 == 0
            self._inner = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        return self._inner.decompress(data, max_length)

    @property
    def unconsumed_tail(self) -> bytes:
        return b"" if self._inner is None else self._inner.unconsumed_tail

    @property
    def eof(self) -> bool:
        return self._inner is not None and self._inner.eof


def _ended(decoder: object) -> bool:
    return bool(getattr(decoder, "eof", False))


def decode_body(raw: bytes, content_encoding: str | None, *, limit: int) -> bytes | BodyProblem:
    """A whole raw body at once (tests, small answers): the same rules as ``BoundedDecoder``."""
    decoder = BoundedDecoder(content_encoding, limit=limit)
    fed = decoder.feed(raw)
    return fed if isinstance(fed, BodyProblem) else decoder.finish()
