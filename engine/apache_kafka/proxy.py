"""A Kafka-aware TCP proxy in front of one real broker: where the oracle injects the faults the
sandbox injects in its own request handler, and sees what the sandbox reports as events.

Kafka's wire protocol is size-prefixed frames; on one connection responses come back in request
order, each carrying its request's correlation id. The proxy reads whole frames both ways, so it can
- drop a request (`drop_requests`): not forwarded, the connection is cut, as a broker that never
  received it (the client sees a disconnect and retries);
- lose an acknowledgement (`lose_acks`): the request is forwarded and applied, its response is
  swallowed and the connection cut (a Produce with acks=0 has no response: the cut follows it);
- emit `request` / `response` events like the sandbox's, and an `append` event for every partition
  of a Produce request it hands to the broker (a leader appends on receipt, before replication and
  before it answers; the sandbox reports the append at that same point), which is what a scenario's
  `records` trigger counts. The proxy sees the request, not the log: the event carries the record
  count (`base_offset` 0, `last_offset` count-1, `relative=True`); a batch the broker then refuses
  shows as a `produce_error` when the response passes. An idempotent producer's retry of a batch this
  broker already received (same producer id and epoch, sequence not past the last one) is reported as
  `duplicate`, as the broker's own deduplication will treat it.
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
class _Batch:
    topic: str
    partition: int
    records: int
    producer_id: int
    producer_epoch: int
    base_sequence: int
    last_sequence: int


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
        # (topic, partition, producer id) -> (epoch, last sequence) of batches handed to this broker.
        self._sequences: dict[tuple[str, int, int], tuple[int, int]] = {}
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
            for seq_key in [k for k in self._sequences if topic is None or k[0] == topic]:
                del self._sequences[seq_key]

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
            if header.api_key == PRODUCE:  # the only body the proxy needs: what is being written
                try:
                    request = protocol.decode_request(header, frame)
                except Exception:  # a version kafka-python cannot decode is relayed, not counted
                    request = None
            client_id = _client_id(frame)
            self.events.emit(self.broker_id, "request", api=api, version=header.api_version,
                             correlation_id=header.correlation_id, client_id=client_id,
                             **({"dropped": True} if action is Action.DROP else {}))
            if action is Action.DROP:
                self._drop(client, upstream)
                return
            entry = _InFlight(header.api_key, api, header.api_version, time.monotonic(), action)
            acks = None
            batches: list[_Batch] = []
            if header.api_key == PRODUCE and request is not None:
                acks = request.acks
                batches = self._produce_batches(request)
                for b in batches:
                    entry.records[(b.topic, b.partition)] = entry.records.get((b.topic, b.partition), 0) + b.records
            if acks != 0:
                with lock:
                    inflight[header.correlation_id] = entry
            try:
                upstream.sendall(_SIZE.pack(len(frame)) + frame)
            except OSError:
                self._drop(client, upstream)
                return
            # After the send: a fault a listener applies now (a `records` trigger stopping this
            # broker) finds the request already with the leader, as in the sandbox.
            self._emit_appends(batches)
            if acks == 0:
                if action is Action.LOSE_ACK:  # no response will come to swallow: cut right away
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
                    self._note_written(entry, response)
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

    def _produce_batches(self, request: Any) -> list[_Batch]:
        batches: list[_Batch] = []
        for topic in request.topic_data or []:
            name = self.names.name(getattr(topic, "name", None), getattr(topic, "topic_id", None))
            for part in topic.partition_data or []:
                if not part.records:
                    continue
                try:
                    headers = [h for h in iter_headers(bytes(part.records)) if not h.is_control]
                except Exception:  # not v2 batches: relayed, not counted
                    continue
                for h in headers:
                    batches.append(_Batch(name, part.index, h.record_count, h.producer_id, h.producer_epoch,
                                          h.base_sequence, h.last_sequence))
        return batches

    def _emit_appends(self, batches: list[_Batch]) -> None:
        for b in batches:
            if not b.records:
                continue
            duplicate = False
            if b.producer_id >= 0 and b.base_sequence >= 0:
                key = (b.topic, b.partition, b.producer_id)
                with self._lock:
                    seen = self._sequences.get(key)
                    duplicate = seen is not None and seen[0] == b.producer_epoch and b.last_sequence <= seen[1]
                    if not duplicate:
                        self._sequences[key] = (b.producer_epoch, b.last_sequence)
            kind = "duplicate" if duplicate else "append"
            self.events.emit(self.broker_id, kind, topic=b.topic, partition=b.partition, base_offset=0,
                             last_offset=b.records - 1, relative=True, producer_id=b.producer_id,
                             sequence=b.base_sequence)

    def _note_written(self, entry: _InFlight, response: Any) -> None:
        """Errors per partition, as events; and the highest offset written (KafkaCluster waits for
        the high watermark to reach it before reading)."""
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
                key = (name, part.index)
                with self._lock:
                    self._highest[key] = max(self._highest.get(key, -1), part.base_offset + n - 1)


def _client_id(frame: bytes) -> str | None:
    """The request header's client_id: a nullable int16-length string right after the fixed part
    (in every header version, flexible ones included)."""
    if len(frame) < 10:
        return None
    (length,) = struct.unpack_from(">h", frame, 8)
    if length < 0:
        return None
    return frame[10:10 + length].decode("utf-8", "replace")


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
