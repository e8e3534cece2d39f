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
from typing import Any, Awaitable, Callable

from engine.sandbox.config import LOOPBACK
from engine.sandbox.events import EventLog

__all__ = ["LOOPBACK", "CloseConnection", "Connection", "SocketServer"]

MIN_REQUEST_SIZE = 8            # api_key, api_version, correlation_id
# socket.receive.buffer.bytes / socket.send.buffer.bytes: big enough for a whole produce request
# or fetch response, so one arrives or leaves in one piece and the broker wakes once per request
# rather than once per chunk (the kernel caps them at net.core.rmem_max / wmem_max).
SOCKET_BUFFER_BYTES = 4 << 20
# How much a connection's reader buffers before pausing the socket (asyncio's default is 64 KiB,
# which would make a 1 MB produce request take many pause/resume rounds).
READ_LIMIT = 4 << 20

# handler(frame) -> the response frame (bytes, or a list of buffers written in order without
# joining them), or None for no response (acks=0); raises CloseConnection
FrameHandler = Callable[[bytes, "Connection"], Awaitable[bytes | list[Any] | None]]


class CloseConnection(Exception):
    """Close this connection without answering (a bad request or an injected fault)."""


class Connection:
    """One client connection; requests on it are answered one at a time, in order, as Kafka does."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        peer = writer.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if peer else "?"

    def abort(self) -> None:
        """Cut the connection at once (RST, no goodbye), as a crash or an injected fault does."""
        transport = self.writer.transport
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
        self._server = await asyncio.start_server(self._serve, self.host or None, port, reuse_address=True,
                                                  limit=READ_LIMIT)
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

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connection = Connection(reader, writer)
        self._connections.add(connection)
        try:
            while True:
                size_bytes = await reader.readexactly(4)
                size, = struct.unpack(">i", size_bytes)
                if size < MIN_REQUEST_SIZE or size > self.message_max_bytes:
                    self.events.emit(self.broker_id, "bad_frame", peer=connection.peer, size=size,
                                     reason="size outside [8, message.max.bytes]")
                    break
                frame = await reader.readexactly(size)
                response = await self.handler(frame, connection)
                if response is not None:
                    if isinstance(response, list):
                        writer.writelines(response)     # record batches straight from the log
                    else:
                        writer.write(response)
                    await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, CloseConnection):
            pass
        except asyncio.CancelledError:     # shutdown: end quietly (asyncio's server callback
            pass                           # would report a re-raised cancellation as an error)
        except Exception as exc:        # a handler's bug: it costs this connection only
            self.events.emit(self.broker_id, "handler_error", peer=connection.peer, reason=repr(exc)[:200])
        finally:
            self._connections.discard(connection)
            connection.abort()
