"""A broker's socket server (Kafka's SocketServer + RequestChannel), on 127.0.0.1 unless the
cluster's `listen_host` names another address.

Frames are a 4-byte big-endian size and a request. A size below the smallest header or above
`message_max_bytes`, a header that does not parse, or a request the handler rejects closes
that one connection; the broker keeps serving everyone else. Requests on one connection are
handled one at a time, in order, as Kafka does.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections import deque
from typing import Any, Awaitable, Callable

from engine.sandbox.config import LOOPBACK
from engine.sandbox.events import EventLog

__all__ = ["LOOPBACK", "CloseConnection", "Connection", "SocketServer"]

MIN_REQUEST_SIZE = 8            # api_key, api_version, correlation_id
# socket.receive.buffer.bytes / socket.send.buffer.bytes: big enough for a whole produce request
# or fetch response, so one arrives or leaves in one piece and the broker wakes once per request
# rather than once per chunk (the kernel caps them at net.core.rmem_max / wmem_max).
SOCKET_BUFFER_BYTES = 4 << 20
# How much a connection holds in received, unanswered requests before it stops reading the
# socket (the client's in-flight limit normally keeps it far below).
READ_LIMIT = 4 << 20
# Each connection's receive buffer: small requests (fetches, heartbeats) are read into it and
# copied out whole; a request larger than it (a produce) gets its own buffer of exactly its
# size, and the socket is read straight into that: one copy, kernel to request.
RECEIVE_BUFFER_BYTES = 64 << 10
_SIZE = struct.Struct(">i")

Frame = bytearray
# handler(frame) -> the response frame (bytes, or a list of buffers written in order without
# joining them), or None for no response (acks=0); raises CloseConnection
FrameHandler = Callable[[Frame, "Connection"], Awaitable[bytes | list[Any] | None]]


class CloseConnection(Exception):
    """Close this connection without answering (a bad request or an injected fault)."""


class Connection(asyncio.BufferedProtocol):
    """One client connection (Kafka's KafkaChannel): the socket is read into request frames as
    data arrives, and one task answers them one at a time, in order, as Kafka does."""

    def __init__(self, server: "SocketServer") -> None:
        self.server = server
        self.peer = "?"
        self.transport: asyncio.Transport | None = None
        self._buf = bytearray(RECEIVE_BUFFER_BYTES)
        self._start = 0                          # unparsed bytes are _buf[_start:_end]
        self._end = 0
        self._big: bytearray | None = None       # a frame too large for _buf, being filled
        self._big_filled = 0
        self._frames: deque[Frame | int] = deque()   # an int: a bad frame size, to report in turn
        self._queued = 0
        self._reading_paused = False
        self._closed = False
        self._frame_waiter: asyncio.Future[None] | None = None
        self._writing_paused = False
        self._drain_waiter: asyncio.Future[None] | None = None
        self._task: asyncio.Task[None] | None = None     # held: the loop keeps only weak references

    # --- asyncio protocol callbacks --------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """A client connected: start the task that answers its requests."""
        self.transport = transport  # type: ignore[assignment]
        peer = transport.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if peer else "?"
        self.server._connections.add(self)
        self._task = asyncio.get_running_loop().create_task(self._serve())

    def get_buffer(self, sizehint: int) -> memoryview:
        """Where the next bytes from the socket go: the frame being filled, or the receive buffer."""
        if self._big is not None:
            return memoryview(self._big)[self._big_filled:]
        return memoryview(self._buf)[self._end:]

    def buffer_updated(self, nbytes: int) -> None:
        """`nbytes` arrived where get_buffer said: complete frames are queued for the task."""
        if self._big is not None:
            self._big_filled += nbytes
            if self._big_filled == len(self._big):
                frame, self._big = self._big, None
                self._deliver(frame)
            return
        self._end += nbytes
        self._parse()

    def eof_received(self) -> bool:
        """The client half-closed: close ours too (Kafka has no half-open connections)."""
        return False            # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        """The connection is gone: wake the task, which ends after any queued requests."""
        self._closed = True
        self.server._connections.discard(self)
        for waiter in (self._frame_waiter, self._drain_waiter):
            if waiter is not None and not waiter.done():
                waiter.set_result(None)

    def pause_writing(self) -> None:
        """The transport's send buffer is full: the task waits before its next request."""
        self._writing_paused = True

    def resume_writing(self) -> None:
        """The send buffer drained: let the task go on."""
        self._writing_paused = False
        if self._drain_waiter is not None and not self._drain_waiter.done():
            self._drain_waiter.set_result(None)

    # --- framing ------------------------------------------------------------------------
    def _parse(self) -> None:
        buf = self._buf
        start, end = self._start, self._end
        while end - start >= 4:
            size, = _SIZE.unpack_from(buf, start)
            if size < MIN_REQUEST_SIZE or size > self.server.message_max_bytes:
                self._deliver(size)          # reported after the requests before it are answered
                self._pause_reading()
                start = end
                break
            begin = start + 4
            available = end - begin
            if available >= size:
                self._deliver(buf[begin:begin + size])
                start = begin + size
            elif size + 4 > len(buf):
                # Too large for the receive buffer: give it a buffer of its own and read into it.
                big = bytearray(size)
                big[:available] = memoryview(buf)[begin:end]
                self._big, self._big_filled = big, available
                start = end = 0
                break
            else:
                break
        if start:       # keep the partial frame at the front, so the free space is one piece
            rest = end - start
            if rest:
                buf[:rest] = buf[start:end]
            start, end = 0, rest
        self._start, self._end = start, end

    def _deliver(self, frame: Frame | int) -> None:
        self._frames.append(frame)
        if not isinstance(frame, int):
            self._queued += len(frame)
            if self._queued > READ_LIMIT:
                self._pause_reading()
        waiter = self._frame_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _pause_reading(self) -> None:
        if not self._reading_paused and self.transport is not None and not self.transport.is_closing():
            self._reading_paused = True
            self.transport.pause_reading()

    async def _next_frame(self) -> Frame | int:
        while not self._frames:
            if self._closed:
                raise ConnectionResetError("the client closed the connection")
            self._frame_waiter = asyncio.get_running_loop().create_future()
            try:
                await self._frame_waiter
            finally:
                self._frame_waiter = None
        frame = self._frames.popleft()
        if not isinstance(frame, int):
            self._queued -= len(frame)
            if self._reading_paused and self._queued <= READ_LIMIT // 2 and not self._closed:
                self._reading_paused = False
                assert self.transport is not None
                self.transport.resume_reading()
        return frame

    # --- serving --------------------------------------------------------------------
    async def _serve(self) -> None:
        server = self.server
        try:
            while True:
                frame = await self._next_frame()
                if isinstance(frame, int):
                    server.events.emit(server.broker_id, "bad_frame", peer=self.peer, size=frame,
                                       reason="size outside [8, message.max.bytes]")
                    break
                response = await server.handler(frame, self)
                if response is None:
                    continue
                transport = self.transport
                if self._closed or transport is None or transport.is_closing():
                    break
                if isinstance(response, list):
                    transport.writelines(response)      # record batches straight from the log
                else:
                    transport.write(response)
                if self._writing_paused:
                    await self._drain()
        except (ConnectionError, CloseConnection):
            pass
        except asyncio.CancelledError:     # shutdown: end quietly
            pass
        except Exception as exc:        # a handler's bug: it costs this connection only
            server.events.emit(server.broker_id, "handler_error", peer=self.peer, reason=repr(exc)[:200])
        finally:
            server._connections.discard(self)
            self.abort()

    async def _drain(self) -> None:
        # Wait until the transport's buffer drains below its low-water mark (a large fetch
        # response to a slow reader), as StreamWriter.drain does.
        while self._writing_paused and not self._closed:
            self._drain_waiter = asyncio.get_running_loop().create_future()
            try:
                await self._drain_waiter
            finally:
                self._drain_waiter = None

    def abort(self) -> None:
        """Cut the connection at once (RST, no goodbye), as a crash or an injected fault does."""
        transport = self.transport
        if transport is not None and not transport.is_closing():
            transport.abort()


class SocketServer:
    """One broker's listener (Kafka's SocketServer) on its host, 127.0.0.1 unless configured; see the
    module docstring."""

    def __init__(self, broker_id: int, handler: FrameHandler, events: EventLog, message_max_bytes: int,
                 host: str = LOOPBACK) -> None:
        self.broker_id = broker_id
        self.host = host
        self.handler = handler
        self.events = events
        self.message_max_bytes = message_max_bytes
        self.port = 0
        self._server: asyncio.base_events.Server | None = None
        self._connections: set[Connection] = set()

    async def start(self, port: int) -> int:
        """Listen on `port` (0: any free one); returns the port bound."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: Connection(self), self.host or None, port,
                                                reuse_address=True)
        # Set on the listeners before any client connects: accepted connections inherit them
        # (and the TCP window scale is chosen for them at the handshake).
        for listener in self._server.sockets:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SOCKET_BUFFER_BYTES)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SOCKET_BUFFER_BYTES)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    def stop_now(self) -> None:
        """Stop listening and cut every connection, as a crashed broker would."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for connection in list(self._connections):
            connection.abort()
        self._connections.clear()
