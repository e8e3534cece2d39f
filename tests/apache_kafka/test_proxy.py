"""The Kafka-aware proxy on its own (no JVM): in front of a one-broker sandbox, driven with
hand-built Produce requests over a socket, it relays frames both ways, drops a request, swallows an
acknowledgement, and reports request/response/append/duplicate events."""

from __future__ import annotations

import socket
import struct
from typing import Iterator

import pytest
from kafka.record.default_records import DefaultRecordBatchBuilder

from engine.apache_kafka.proxy import KafkaProxy, TopicNames
from engine.sandbox import Sandbox
from engine.sandbox.common import protocol
from engine.sandbox.events import EventLog
from tests.apache_kafka.conftest import wait_for
from engine.sandbox.faults import Action, FaultInjector

VERSION = 9  # a flexible Produce version that names topics (v13 names them by id)


@pytest.fixture
def proxied() -> Iterator[tuple[Sandbox, KafkaProxy, EventLog, FaultInjector]]:
    with Sandbox(brokers=1) as sb:
        sb.create_topic("t", partitions=1, replication_factor=1, min_insync_replicas=1)
        events = EventLog()
        faults = FaultInjector(events)
        broker_port = int(sb.bootstrap_servers.rsplit(":", 1)[1])
        proxy = KafkaProxy(1, broker_port, events, faults, TopicNames())
        try:
            yield sb, proxy, events, faults
        finally:
            proxy.close()


def batch(values: list[str], producer_id: int = -1, base_sequence: int = -1) -> bytes:
    builder = DefaultRecordBatchBuilder(magic=2, compression_type=0, is_transactional=False,
                                        producer_id=producer_id, producer_epoch=0 if producer_id >= 0 else -1,
                                        base_sequence=base_sequence, batch_size=1 << 20)
    for i, v in enumerate(values):
        builder.append(i, timestamp=None, key=None, value=v.encode(), headers=[])
    return bytes(builder.build())


def produce_frame(correlation_id: int, records: bytes, acks: int = -1) -> bytes:
    R = protocol.REQUESTS[0]
    part = R.TopicProduceData.PartitionProduceData(index=0, records=records)
    request = R(version=VERSION, transactional_id=None, acks=acks, timeout_ms=5000,
                topic_data=[R.TopicProduceData(name="t", partition_data=[part])])
    request.with_header(correlation_id=correlation_id, client_id="proxy-test")
    return request.encode(header=True, framed=True)


def read_frame(sock: socket.socket) -> bytes | None:
    head = b""
    while len(head) < 4:
        chunk = sock.recv(4 - len(head))
        if not chunk:
            return None
        head += chunk
    (size,) = struct.unpack(">i", head)
    body = b""
    while len(body) < size:
        chunk = sock.recv(size - len(body))
        if not chunk:
            return None
        body += chunk
    return body


def connect(proxy: KafkaProxy) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", proxy.port), timeout=30)
    return sock


def in_log(sb: Sandbox) -> list[str]:
    return [r.value.decode() for r in sb.records("t", 0, isolation="read_uncommitted")]


def test_relays_a_produce_and_reports_it(proxied) -> None:
    sb, proxy, events, _ = proxied
    with connect(proxy) as sock:
        sock.sendall(produce_frame(7, batch(["a", "b", "c"])))
        frame = read_frame(sock)
    assert frame is not None
    response = protocol.response_class(0).decode(frame, version=VERSION, header=True)
    assert response.header.correlation_id == 7
    assert response.responses[0].partition_responses[0].error_code == 0
    assert in_log(sb) == ["a", "b", "c"]
    kinds = [(e.kind, e.details.get("api")) for e in events.snapshot()]
    assert ("request", "Produce") in kinds and ("response", "Produce") in kinds
    request = next(e for e in events.snapshot() if e.kind == "request")
    assert (request.details["client_id"], request.details["correlation_id"], request.details["version"]) == (
        "proxy-test", 7, VERSION)
    appends = [e for e in events.snapshot() if e.kind == "append"]
    assert [(e.details["topic"], e.details["last_offset"] - e.details["base_offset"] + 1) for e in appends] == [("t", 3)]


def test_drop_requests_cuts_the_connection_and_writes_nothing(proxied) -> None:
    sb, proxy, events, faults = proxied
    faults.arm(Action.DROP, 1, "Produce")
    with connect(proxy) as sock:
        sock.sendall(produce_frame(1, batch(["x"])))
        assert read_frame(sock) is None  # cut, no answer
    assert in_log(sb) == []
    assert any(e.kind == "request" and e.details.get("dropped") for e in events.snapshot())
    with connect(proxy) as sock:  # the next request goes through
        sock.sendall(produce_frame(2, batch(["y"])))
        assert read_frame(sock) is not None
    assert in_log(sb) == ["y"]


def test_lose_acks_applies_the_request_and_swallows_its_answer(proxied) -> None:
    sb, proxy, events, faults = proxied
    faults.arm(Action.LOSE_ACK, 1, "Produce")
    with connect(proxy) as sock:
        sock.sendall(produce_frame(1, batch(["x"])))
        assert read_frame(sock) is None
    assert in_log(sb) == ["x"]  # written, though the client never heard
    assert any(e.kind == "response" and e.details.get("lost") for e in events.snapshot())


def test_an_idempotent_retry_is_reported_as_a_duplicate(proxied) -> None:
    sb, proxy, events, _ = proxied
    producer_id = sb_producer_id(proxy)
    with connect(proxy) as sock:
        for correlation_id in (1, 2):  # the same batch twice: a retry
            sock.sendall(produce_frame(correlation_id, batch(["x", "y"], producer_id, 0)))
            assert read_frame(sock) is not None
    def kinds() -> list[str]:
        return [e.kind for e in events.snapshot() if e.kind in ("append", "duplicate")]
    # the proxy records a batch just after handing it to the broker: the answer can be back first
    wait_for(lambda: len(kinds()) >= 2, timeout=30, what="the retry's event")
    assert kinds() == ["append", "duplicate"]
    assert in_log(sb) == ["x", "y"]  # and the broker agrees: written once


def test_paused_and_down_proxies_refuse_connections(proxied) -> None:
    _, proxy, _, _ = proxied
    for setter in (proxy.set_paused, proxy.set_down):
        setter(True)
        with connect(proxy) as sock:
            sock.sendall(produce_frame(1, batch(["z"])))
            assert read_frame(sock) is None
        setter(False)
    with connect(proxy) as sock:
        sock.sendall(produce_frame(2, batch(["z"])))
        assert read_frame(sock) is not None


def sb_producer_id(proxy: KafkaProxy) -> int:
    """A producer id from the broker (InitProducerId through the proxy)."""
    R = protocol.REQUESTS[22]
    request = R(version=2, transactional_id=None, transaction_timeout_ms=60000)
    request.with_header(correlation_id=99, client_id="proxy-test")
    with connect(proxy) as sock:
        sock.sendall(request.encode(header=True, framed=True))
        frame = read_frame(sock)
    assert frame is not None
    return protocol.response_class(22).decode(frame, version=2, header=True).producer_id
