"""A Kafka-aware TCP proxy in front of one real broker: where the oracle injects the faults the
sandbox injects in its own request handler, and sees what the sandbox reports as events.

Kafka's wire protocol is size-prefixed frames; on one connection responses come back in request
order, each carrying its request's correlation id. The proxy reads whole frames both ways, so it can
- drop a request (`drop_requests`): not forwarded, the connection is cut, as a broker that never
  received it (the client sees a disconnect and retries);
- lose an acknowledgement (`lose_acks`): the request is forwarded and applied, its response is
  swallowed and the connection cut (a Produce with acks=0 has no response: the cut follows it);
- emit `request` / `response` events like the sandbox's, and an `append` event for every partition a
  Produce response reports written (base offset from the broker, record count from the request's batch
  headers), which is what a scenario's `records` trigger counts. With acks=0 the broker never answers,
  so the proxy counts what it forwarded (`append` with `unconfirmed=True`).
- be `down` (its broker stopped: connections are cut at once) or `paused` (the replication listener
  while replication is paused: followers' fetch connections are cut and refused, the leader runs on).

Produce v13 names topics by id: the proxy learns ids from the Metadata responses it relays.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from engine.sandbox.common import protocol
from engine.sandbox.common.errors import Errors
from engine.sandbox.common.records import iter_headers
from engine.sandbox.events import EventLog
from engine.sandbox.faults import Action, FaultInjector

_SIZE = struct.Struct(">i")
_CORRELATION = struct.Struct(">i")
PRODUCE, METADATA = 0, 3
MAX_FRAME = 128 * 1024 * 1024


class TopicNames:
    """Topic id -> name, learnt from Metadata responses (shared by every proxy of a cluster)."""

    def __init__(self) -> None:
        self._names: dict[uuid.UUID, str] = {}
        self._lock = threading.Lock()

    def learn(self, topic_id: Any, name: str | None) -> None:
        if topic_id is not None and name:
            with self._lock:
                self._names[topic_id] = name

    def name(self, topic: Any, topic_id: Any) -> str:
        if topic:
            return str(topic)
        with self._lock:
            return self._names.get(topic_id, str(topic_id))


@dataclass
class _InFlight:
    api_key: int
    api: str
    version: int
    started: float
    action: Action
    records: dict[tuple[str, int], int] = field(default_factory=dict)  # Produce: records per partition


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        try:
            chunk = sock.recv(n - len(buf))
        except OSError:
            return None
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def _read_frame(sock: socket.socket) -> bytes | None:
    head = _recv_exact(sock, 4)
    if head is None:
        return None
    (size,) = _SIZE.unpack(head)
    if size < 0 or size > MAX_FRAME:
        return None
    return _recv_exact(sock, size)


def _close(*socks: socket.socket) -> None:
    for s in socks:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            s.close()
        except OSError:
            pass


class KafkaProxy:
    """Listens on 127.0.0.1:`port` (0: a free one) and relays to 127.0.0.1:`upstream_port`.

    `faults` is None for the replication listener: inter-broker traffic is relayed, not inspected.
    """

    def __init__(self, broker_id: int, upstream_port: int, events: EventLog, faults: FaultInjector | None,
                 names: TopicNames, port: int = 0, watch: bool = True) -> None:
        self.broker_id = broker_id
        self.upstream_port = upstream_port
        self.events = events
        self.faults = faults
        self.names = names
        self.watch = watch  # inspect frames and emit events (client listener); False: plain relay
        self.down = False
        self.paused = False
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", port))
        self._listener.listen(128)
        self.port = self._listener.getsockname()[1]
        self._conns: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._closed = False
        # Per broker: the highest offset a Produce response reported per partition, so that an
        # idempotent retry answered with the original offsets counts as a duplicate, not an append.
        self._highest: dict[tuple[str, int], int] = {}
        self._thread = threading.Thread(target=self._accept, name=f"kafka-proxy-{broker_id}-{self.port}",
                                        daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ control

    def set_down(self, down: bool) -> None:
        self.down = down
        if down:
            self.cut_all()

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        if paused:
            self.cut_all()

    def highest_offset(self, topic: str, partition: int) -> int:
        """The highest offset this broker reported written for the partition (-1: none yet)."""
        with self._lock:
            return self._highest.get((topic, partition), -1)

    def forget_offsets(self, topic: str | None = None) -> None:
        with self._lock:
            for key in [k for k in self._highest if topic is None or k[0] == topic]:
                del self._highest[key]

    def cut_all(self) -> None:
        with self._lock:
            conns = list(self._conns)
            self._conns.clear()
        _close(*conns)

    def close(self) -> None:
        self._closed = True
        _close(self._listener)
        self.cut_all()
        self._thread.join(5)

    # ------------------------------------------------------------------ relaying

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.down or self.paused:
                _close(client)
                continue
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=5)
            upstream.settimeout(None)
        except OSError:
            _close(client)
            return
        for s in (client, upstream):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            if self.down or self.paused or self._closed:
                _close(client, upstream)
                return
            self._conns.update((client, upstream))
        if not self.watch:
            threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()
            self._pipe(client, upstream)
            return
        inflight: dict[int, _InFlight] = {}
        lock = threading.Lock()
        threading.Thread(target=self._responses, args=(upstream, client, inflight, lock), daemon=True).start()
        self._requests(client, upstream, inflight, lock)

    def _drop(self, *socks: socket.socket) -> None:
        with self._lock:
            for s in socks:
                self._conns.discard(s)
        _close(*socks)

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        while True:
            try:
                data = src.recv(65536)
            except OSError:
                data = b""
            if not data:
                self._drop(src, dst)
                return
            try:
                dst.sendall(data)
            except OSError:
                self._drop(src, dst)
                return

    def _requests(self, client: socket.socket, upstream: socket.socket, inflight: dict[int, _InFlight],
                  lock: threading.Lock) -> None:
        while True:
            frame = _read_frame(client)
            if frame is None:
                self._drop(client, upstream)
                return
            try:
                header = protocol.peek_header(frame)
            except struct.error:
                self._drop(client, upstream)
                return
            api = header.api_name
            action = self.faults.on_request(self.broker_id, api, header.correlation_id) if self.faults else Action.DELIVER
            request = None
            try:
                request = protocol.decode_request(header, frame) if header.api_key in protocol.REQUESTS else None
            except Exception:  # a version kafka-python cannot decode is relayed untouched
                request = None
            client_id = getattr(getattr(request, "header", None), "client_id", None)
            self.events.emit(self.broker_id, "request", api=api, version=header.api_version,
                             correlation_id=header.correlation_id, client_id=client_id,
                             **({"dropped": True} if action is Action.DROP else {}))
            if action is Action.DROP:
                self._drop(client, upstream)
                return
            entry = _InFlight(header.api_key, api, header.api_version, time.monotonic(), action)
            acks = None
            if header.api_key == PRODUCE and request is not None:
                acks = request.acks
                entry.records = self._produce_counts(request)
            if acks != 0:
                with lock:
                    inflight[header.correlation_id] = entry
            try:
                upstream.sendall(_SIZE.pack(len(frame)) + frame)
            except OSError:
                self._drop(client, upstream)
                return
            if acks == 0:
                # No response will come: what was forwarded is all the proxy can count.
                self._emit_appends(entry, None, unconfirmed=True)
                if action is Action.LOSE_ACK:
                    self.events.emit(self.broker_id, "response", api=api, correlation_id=header.correlation_id,
                                     lost=True)
                    self._drop(client, upstream)
                    return

    def _responses(self, upstream: socket.socket, client: socket.socket, inflight: dict[int, _InFlight],
                   lock: threading.Lock) -> None:
        while True:
            frame = _read_frame(upstream)
            if frame is None or len(frame) < 4:
                self._drop(client, upstream)
                return
            (correlation_id,) = _CORRELATION.unpack_from(frame)
            with lock:
                entry = inflight.pop(correlation_id, None)
            if entry is not None:
                response = self._decode_response(entry, frame)
                if entry.api_key == METADATA and response is not None:
                    for topic in getattr(response, "topics", None) or []:
                        self.names.learn(getattr(topic, "topic_id", None), getattr(topic, "name", None))
                if entry.api_key == PRODUCE:
                    self._emit_appends(entry, response)
                if entry.action is Action.LOSE_ACK:
                    self.events.emit(self.broker_id, "response", api=entry.api, correlation_id=correlation_id,
                                     lost=True)
                    self._drop(client, upstream)
                    return
                self.events.emit(self.broker_id, "response", api=entry.api, correlation_id=correlation_id,
                                 ms=round((time.monotonic() - entry.started) * 1000, 1),
                                 errors=_errors_in(response))
            try:
                client.sendall(_SIZE.pack(len(frame)) + frame)
            except OSError:
                self._drop(client, upstream)
                return

    # ------------------------------------------------------------------ decoding

    @staticmethod
    def _decode_response(entry: _InFlight, frame: bytes) -> Any:
        if entry.api_key not in (PRODUCE, METADATA) and entry.api_key not in protocol.RESPONSES:
            return None
        try:
            return protocol.response_class(entry.api_key).decode(frame, version=entry.version, header=True)
        except Exception:
            return None

    def _produce_counts(self, request: Any) -> dict[tuple[str, int], int]:
        counts: dict[tuple[str, int], int] = {}
        for topic in request.topic_data or []:
            name = self.names.name(getattr(topic, "name", None), getattr(topic, "topic_id", None))
            for part in topic.partition_data or []:
                records = part.records
                if not records:
                    continue
                try:
                    n = sum(h.record_count for h in iter_headers(bytes(records)) if not h.is_control)
                except Exception:
                    continue
                counts[(name, part.index)] = counts.get((name, part.index), 0) + n
        return counts

    def _emit_appends(self, entry: _InFlight, response: Any, unconfirmed: bool = False) -> None:
        if unconfirmed:
            for (topic, partition), n in entry.records.items():
                if n:
                    self.events.emit(self.broker_id, "append", topic=topic, partition=partition,
                                     base_offset=0, last_offset=n - 1, unconfirmed=True)
            return
        if response is None:
            return
        for topic in response.responses or []:
            name = self.names.name(getattr(topic, "name", None), getattr(topic, "topic_id", None))
            for part in topic.partition_responses or []:
                n = entry.records.get((name, part.index), 0)
                if not n:
                    continue
                if part.error_code:
                    self.events.emit(self.broker_id, "produce_error", topic=name, partition=part.index,
                                     error=_error_name(part.error_code))
                    continue
                base, last = part.base_offset, part.base_offset + n - 1
                key = (name, part.index)
                with self._lock:
                    highest = self._highest.get(key, -1)
                    if last > highest:
                        self._highest[key] = last
                if last <= highest:
                    # Kafka answers an idempotent retry of a batch it already has with the first
                    # write's offsets: nothing was appended.
                    self.events.emit(self.broker_id, "duplicate", topic=name, partition=part.index,
                                     base_offset=base, last_offset=last)
                else:
                    self.events.emit(self.broker_id, "append", topic=name, partition=part.index,
                                     base_offset=base, last_offset=last)


def _error_name(code: int) -> str:
    try:
        return Errors(code).name
    except ValueError:
        return str(code)


def _errors_in(response: Any) -> list[str]:
    """The non-zero error codes anywhere in a decoded response, by name (for the event log)."""
    found: set[int] = set()

    def walk(value: Any, depth: int = 0) -> None:
        if depth > 8 or value is None or isinstance(value, (bytes, str, int, float, uuid.UUID)):
            return
        if isinstance(value, list):
            for item in value:
                walk(item, depth + 1)
            return
        names = getattr(type(value), "__slots__", None) or list(getattr(value, "__dict__", {}))
        for name in names:
            item = getattr(value, name, None)
            if name.endswith("error_code") and isinstance(item, int) and item:
                found.add(item)
            elif isinstance(item, list) or hasattr(item, "__slots__") or hasattr(item, "__dict__"):
                walk(item, depth + 1)

    walk(response)
    return [_error_name(code) for code in sorted(found)]
