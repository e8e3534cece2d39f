"""The socket server's framing: requests come out whole and in order however the bytes arrive
(a byte at a time, many requests in one read, a produce larger than the receive buffer read
straight into its own buffer), and a bad size is reported after the requests before it."""

from __future__ import annotations

import asyncio
import random
import struct
from typing import Any

from engine.sandbox.events import EventLog
from engine.sandbox.network import socket_server
from engine.sandbox.network.socket_server import Connection, SocketServer


class FakeTransport(asyncio.Transport):
    """Records what the connection writes and whether it paused reading or aborted."""

    def __init__(self) -> None:
        super().__init__()
        self.written: list[bytes] = []
        self.paused = False
        self.aborted = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return ("127.0.0.1", 5555) if name == "peername" else default

    def write(self, data: Any) -> None:
        self.written.append(bytes(data))

    def writelines(self, chunks: Any) -> None:
        self.written.append(b"".join(bytes(c) for c in chunks))

    def pause_reading(self) -> None:
        self.paused = True

    def resume_reading(self) -> None:
        self.paused = False

    def is_closing(self) -> bool:
        return self.aborted

    def abort(self) -> None:
        self.aborted = True


def frame(body: bytes) -> bytes:
    return struct.pack(">i", len(body)) + body


def feed(connection: Connection, data: bytes, chunks: list[int]) -> None:
    """Deliver `data` as the event loop would: into whatever buffer get_buffer hands out, in
    reads no larger than the given chunk sizes (and no larger than that buffer)."""
    pos = 0
    sizes = iter(chunks)
    while pos < len(data):
        buffer = connection.get_buffer(-1)
        n = min(len(buffer), next(sizes, len(data)), len(data) - pos)
        assert n > 0
        buffer[:n] = data[pos:pos + n]
        connection.buffer_updated(n)
        pos += n


def serve(data: bytes, chunks: list[int], max_bytes: int = 1 << 20) -> tuple[list[bytes], FakeTransport, EventLog]:
    """Run a connection over `data` with a handler that echoes each request's correlation bytes."""
    events = EventLog()
    seen: list[bytes] = []

    async def handler(request: bytearray, _connection: Connection) -> bytes:
        assert isinstance(request, bytearray)
        seen.append(bytes(request))
        await asyncio.sleep(0)
        return b"ok" + bytes(request[:8])

    async def main() -> FakeTransport:
        server = SocketServer(1, handler, events, max_bytes)
        connection = Connection(server)
        transport = FakeTransport()
        connection.connection_made(transport)
        feed(connection, data, chunks)
        for _ in range(200):
            await asyncio.sleep(0)
        connection.connection_lost(None)
        for _ in range(10):
            await asyncio.sleep(0)
        return transport

    transport = asyncio.run(main())
    return seen, transport, events


def requests(count: int, big_every: int = 0) -> list[bytes]:
    rng = random.Random(count)
    out = []
    for i in range(count):
        size = 200_000 + rng.randrange(1000) if big_every and i % big_every == 0 else 8 + rng.randrange(300)
        out.append(struct.pack(">hhi", 0, 9, i) + rng.randbytes(size - 8))
    return out


def test_requests_come_out_whole_and_in_order_however_the_bytes_arrive() -> None:
    bodies = requests(40, big_every=7)
    data = b"".join(frame(b) for b in bodies)
    for chunks in ([1] * 300 + [3, 5, 4096], [len(data)], [65536] * 100, [7, 70_000, 13] * 50):
        seen, transport, _ = serve(data, chunks)
        assert seen == bodies
        assert transport.written == [b"ok" + b[:8] for b in bodies]


def test_a_request_larger_than_the_receive_buffer_gets_a_buffer_of_its_own() -> None:
    body = requests(1, big_every=1)[0]
    assert len(body) > socket_server.RECEIVE_BUFFER_BYTES

    async def main() -> None:
        server = SocketServer(1, lambda *_: None, EventLog(), 1 << 20)      # type: ignore[arg-type,return-value]
        connection = Connection(server)
        connection.transport = FakeTransport()
        feed(connection, frame(body)[:100_000], [1 << 20])
        # after the first read, the socket is read straight into the request's own buffer
        assert len(connection.get_buffer(-1)) == len(body) - (100_000 - 4)

    asyncio.run(main())


def test_a_bad_size_is_reported_after_the_requests_before_it_are_answered() -> None:
    bodies = requests(3)
    data = b"".join(frame(b) for b in bodies) + struct.pack(">i", 3) + b"junk" + frame(bodies[0])
    seen, transport, events = serve(data, [len(data)])
    assert seen == bodies            # the three before it, not the one after
    assert len(transport.written) == 3 and transport.aborted
    bad = [e for e in events.snapshot() if e.kind == "bad_frame"]
    assert [e.details["size"] for e in bad] == [3]


def test_reading_pauses_while_too_much_waits_unanswered() -> None:
    bodies = requests(30, big_every=1)       # 30 x ~200 KB = ~6 MB queued at once, limit 4 MiB
    data = b"".join(frame(b) for b in bodies)

    async def main() -> None:
        gate = asyncio.Event()

        async def handler(request: bytearray, _connection: Connection) -> bytes:
            await gate.wait()
            return b"ok"

        server = SocketServer(1, handler, EventLog(), 1 << 20)
        connection = Connection(server)
        transport = FakeTransport()
        connection.connection_made(transport)
        feed(connection, data, [1 << 20] * 100)
        await asyncio.sleep(0)
        assert transport.paused
        gate.set()
        for _ in range(200):
            await asyncio.sleep(0)
        assert not transport.paused and len(transport.written) == 30
        connection.connection_lost(None)
        await asyncio.sleep(0)

    asyncio.run(main())
