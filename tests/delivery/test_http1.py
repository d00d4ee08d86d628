"""The delivery HTTP client against raw loopback servers that misbehave on purpose."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from inbox.delivery.sender import Sender, request_bytes
from inbox.delivery.signing import Payload, Target

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, int], Awaitable[None]]
OK = b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"


async def read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))
    return head + await reader.readexactly(length)


class RawServer:
    """Counts connections; ``handler(reader, writer, connection number)`` plays the peer."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.connections = 0
        self.server: asyncio.AbstractServer | None = None

    async def __aenter__(self) -> RawServer:
        async def serve(reader, writer):
            self.connections += 1
            try:
                await self.handler(reader, writer, self.connections)
            except (asyncio.IncompleteReadError, ConnectionError):
                pass
            finally:
                writer.close()

        self.server = await asyncio.start_server(serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc) -> None:
        assert self.server is not None
        self.server.close()

    def target(self, path: str = "/inbox") -> Target:
        port = self.server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return Target.of(f"http://127.0.0.1:{port}{path}")


@pytest.fixture
async def sender():
    s = Sender(timeout=2.0, allow_private=True)
    await s.start()
    yield s
    await s.close()


PAYLOAD = Payload.of(b'{"type":"Create"}')
HEADERS = {"Content-Type": "application/activity+json", "Signature": "x"}


async def keep_answering(reader, writer, _n, answer=OK):
    while True:
        await read_request(reader)
        writer.write(answer)
        await writer.drain()


async def test_one_connection_carries_many_deliveries_to_a_host(sender):
    async with RawServer(keep_answering) as server:
        for _ in range(5):
            answer = await sender.post(server.target(), PAYLOAD, HEADERS)
            assert answer.status == 202
        assert server.connections == 1


async def test_chunked_answer_with_a_body_is_read_and_the_connection_reused(sender):
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
    async with RawServer(lambda r, w, n: keep_answering(r, w, n, chunked)) as server:
        assert (await sender.post(server.target(), PAYLOAD, HEADERS)).status == 200
        assert (await sender.post(server.target(), PAYLOAD, HEADERS)).status == 200
        assert server.connections == 1


async def test_peer_closing_a_kept_alive_connection_is_retried_on_a_new_one(sender):
    async def answer_once_then_close(reader, writer, _n):
        await read_request(reader)
        writer.write(OK)  # says nothing about closing, then closes
        await writer.drain()

    async with RawServer(answer_once_then_close) as server:
        assert (await sender.post(server.target(), PAYLOAD, HEADERS)).status == 202
        await asyncio.sleep(0.05)
        assert (await sender.post(server.target(), PAYLOAD, HEADERS)).status == 202
        assert server.connections == 2


async def test_huge_answer_body_is_not_buffered_and_the_status_counts(sender):
    async def flood(reader, writer, _n):
        await read_request(reader)
        writer.write(b"HTTP/1.1 503 Busy\r\nRetry-After: 30\r\nContent-Length: 100000000\r\n\r\n")
        for _ in range(200):
            writer.write(b"x" * 65536)
            await writer.drain()

    async with RawServer(flood) as server:
        answer = await sender.post(server.target(), PAYLOAD, HEADERS)
        assert (answer.status, answer.retry_after) == (503, "30")


async def test_endless_answer_head_is_an_error_not_a_hang(sender):
    async def endless_head(reader, writer, _n):
        await read_request(reader)
        writer.write(b"HTTP/1.1 200 OK\r\n")
        for n in range(10_000):
            writer.write(b"X-Filler-%d: %s\r\n" % (n, b"y" * 100))
            await writer.drain()

    async with RawServer(endless_head) as server:
        answer = await sender.post(server.target(), PAYLOAD, HEADERS)
        assert answer.status is None and "too large" in (answer.error or "")


async def test_silent_peer_times_out(sender):
    async def silent(reader, writer, _n):
        await read_request(reader)
        await asyncio.sleep(10)

    async with RawServer(silent) as server:
        answer = await sender.post(server.target(), PAYLOAD, HEADERS)
        assert answer.status is None and answer.error == "timeout"


async def test_garbage_answer_is_an_error_value(sender):
    async def garbage(reader, writer, _n):
        await read_request(reader)
        writer.write(b"SMTP READY\r\n\r\n")
        await writer.drain()

    async with RawServer(garbage) as server:
        answer = await sender.post(server.target(), PAYLOAD, HEADERS)
        assert answer.status is None and answer.error


async def test_request_is_one_well_formed_http11_post(sender):
    seen: list[bytes] = []

    async def record(reader, writer, _n):
        seen.append(await read_request(reader))
        writer.write(OK)
        await writer.drain()

    async with RawServer(record) as server:
        await sender.post(server.target("/users/1/inbox?x=1"), PAYLOAD, {"Host": "ignored", **HEADERS})
    head, _, body = seen[0].partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /users/1/inbox?x=1 HTTP/1.1"
    assert sum(line.lower().startswith(b"host:") for line in lines) == 1
    assert b"Content-Length: %d" % len(PAYLOAD.body) in lines and body == PAYLOAD.body


def test_url_with_a_line_break_cannot_smuggle_headers():
    with pytest.raises(ValueError):
        request_bytes(Target.of("http://127.0.0.1/in\r\nX-Evil: 1"), b"", {})


async def test_forbidden_literal_address_fails_permanently_without_connecting():
    sender = Sender(timeout=2.0, allow_private=False)
    await sender.start()
    try:
        answer = await sender.post(Target.of("http://10.0.0.1/inbox"), PAYLOAD, HEADERS)
        assert answer.permanent and answer.error.startswith("forbidden address")
        assert sender.connections_opened == 0
    finally:
        await sender.close()
