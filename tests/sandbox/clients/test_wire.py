"""The wire layer: honest ApiVersions, loopback only, and a broker that survives garbage."""

from __future__ import annotations

import random
import socket
import struct
from pathlib import Path

import pytest

from engine.sandbox import Sandbox
from engine.sandbox.common.protocol import REQUESTS, RESPONSES, schema_versions
from engine.sandbox.server.api_handlers import API_HANDLERS

from ..client_drivers import Outcome, ProducerUnderTest, log_values
from ..conftest import wait_for


def request_bytes(api_key: int, version: int, correlation_id: int, **fields: object) -> bytes:
    req = REQUESTS[api_key](version=version, **fields)
    req.with_header(correlation_id=correlation_id, client_id="fuzz")
    return bytes(req.encode(header=True, framed=True))


def roundtrip(port: int, frame: bytes, timeout: float = 10) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(frame)
        size = struct.unpack(">i", recv_exactly(s, 4))[0]
        return recv_exactly(s, size)


def recv_exactly(s: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def test_api_versions_are_honest() -> None:
    with Sandbox(brokers=1) as sb:
        port = sb.cluster.brokers[1].port
        body = roundtrip(port, request_bytes(18, 3, 5, client_software_name="t", client_software_version="1"))
        response = RESPONSES[18].decode(body, version=3, header=True)
        assert response.error_code == 0
        ranges = {k.api_key: (k.min_version, k.max_version) for k in response.api_keys}
        assert ranges == {h.api_key: (h.min_version, h.max_version) for h in API_HANDLERS}   # the table, exactly
        for api_key, (low, high) in ranges.items():
            real_low, real_high = schema_versions(api_key)
            assert real_low <= low <= high <= real_high, api_key
        assert ranges[0][0] == 3 and ranges[1][0] == 4      # Produce v3+, Fetch v4+ (schema minimums)
        # KIP-511: an ApiVersions version we do not know is answered at v0 with error 35.
        body = roundtrip(port, request_bytes(18, 4, 6, client_software_name="t", client_software_version="1"))
        response = RESPONSES[18].decode(body, version=0, header=True)
        assert response.error_code == 35 and response.api_keys


def listening_addresses(port: int) -> set[str]:
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:     # 0A = LISTEN
                found.add(address if len(address) != width or width == 32 else
                          socket.inet_ntoa(struct.pack("<I", int(address, 16))))
    return found


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc/net/tcp")
def test_nothing_listens_beyond_loopback() -> None:
    with Sandbox(brokers=3) as sb:
        ports = [b.port for b in sb.cluster.brokers.values()]
        for port in ports:
            assert listening_addresses(port) == {"127.0.0.1"}
        sb.stop_broker(2)
        sb.start_broker(2)
        assert listening_addresses(sb.cluster.brokers[2].port) == {"127.0.0.1"}
        assert all(host == "127.0.0.1" for host, _ in
                   (s.split(":") for s in sb.bootstrap_servers.split(",")))


def garbage_frames(rng: random.Random) -> list[bytes]:
    valid = [
        request_bytes(18, 3, 1, client_software_name="fuzz", client_software_version="1"),
        request_bytes(3, 4, 2, topics=None, allow_auto_topic_creation=False),
        request_bytes(19, 4, 3, topics=[], timeout_ms=1000, validate_only=False),
    ]
    frames: list[bytes] = []
    for _ in range(60):                                     # random bodies, honest size
        body = rng.randbytes(rng.randint(0, 200))
        frames.append(struct.pack(">i", len(body)) + body)
    for _ in range(120):                                    # valid requests with bytes flipped
        frame = bytearray(rng.choice(valid))
        for _ in range(rng.randint(1, 4)):
            frame[rng.randrange(4, len(frame))] = rng.randrange(256)
        frames.append(bytes(frame))
    for _ in range(30):                                     # valid requests, cut short
        frame = rng.choice(valid)
        frames.append(frame[:rng.randrange(1, len(frame))])
    for size in (2**31 - 1, 2**30, 200_000_000, -1, -2**31, 0, 3):   # absurd size prefixes
        frames.append(struct.pack(">i", size) + rng.randbytes(16))
    frames.append(struct.pack(">ihhi", 12, 9999, 0, 4) + b"\x00\x00\x00\x00")   # unknown API key
    frames.append(struct.pack(">ihhi", 12, 0, 99, 4) + b"\x00\x00\x00\x00")     # Produce v99
    return frames


def test_fuzzed_frames_never_stop_the_broker() -> None:
    rng = random.Random(20261127)
    with Sandbox(brokers=3, replica_lag_time_max_ms=60_000) as sb:
        sb.create_topic("after-fuzz", partitions=1, replication_factor=3, min_insync_replicas=2)
        ports = [b.port for b in sb.cluster.brokers.values()]
        for frame in garbage_frames(rng):
            with socket.create_connection(("127.0.0.1", rng.choice(ports)), timeout=10) as s:
                s.sendall(frame)
                s.shutdown(socket.SHUT_WR)
                s.settimeout(10)
                try:
                    while s.recv(65536):        # the broker answers or closes; it never hangs
                        pass
                except (ConnectionResetError, TimeoutError):
                    pass
        kinds = {e.kind for e in sb.events}
        assert {"bad_frame", "bad_request"} <= kinds
        assert "handler_error" not in kinds                 # garbage is refused, never crashes a handler
        # Every broker still serves a well-behaved client.
        for broker_id in sb.cluster.brokers:
            assert sb.broker_running(broker_id)
        p = ProducerUnderTest("confluent-kafka", sb.bootstrap_servers, acks=-1, idempotence=True)
        for i in range(20):
            p.send("after-fuzz", f"m-{i}")
        p.flush()
        p.close()
        outcome = Outcome.count(p.acked, log_values(sb, "after-fuzz"))
        assert (outcome.acknowledged, outcome.lost, outcome.duplicates) == (20, 0, 0)


def test_message_max_bytes_closes_only_that_connection() -> None:
    with Sandbox(brokers=1, message_max_bytes=10_000) as sb:
        port = sb.cluster.brokers[1].port
        with socket.create_connection(("127.0.0.1", port), timeout=10) as big:
            big.sendall(struct.pack(">i", 10_001) + b"\x00" * 10_001)
            big.settimeout(10)
            assert big.recv(1) == b""            # closed unanswered
        body = roundtrip(port, request_bytes(18, 3, 9, client_software_name="t", client_software_version="1"))
        assert RESPONSES[18].decode(body, version=3, header=True).error_code == 0
        wait_for(lambda: any(e.kind == "bad_frame" and e.details.get("size") == 10_001 for e in sb.events))


def fetch_frame(topic: str, max_wait_ms: int, correlation_id: int) -> bytes:
    R = REQUESTS[1]
    part = R.FetchTopic.FetchPartition(partition=0, current_leader_epoch=-1, fetch_offset=0, last_fetched_epoch=-1,
                                       log_start_offset=-1, partition_max_bytes=1 << 20)
    return request_bytes(1, 12, correlation_id, replica_id=-1, max_wait_ms=max_wait_ms, min_bytes=1,
                         max_bytes=1 << 20, isolation_level=0, session_id=0, session_epoch=-1,
                         topics=[R.FetchTopic(topic=topic, partitions=[part])], forgotten_topics_data=[], rack_id="")


def test_fetch_blocks_up_to_max_wait_and_wakes_on_data() -> None:
    import threading
    import time

    with Sandbox(brokers=1) as sb:
        sb.create_topic("quiet", partitions=1, replication_factor=1)
        port = sb.cluster.brokers[1].port
        started = time.monotonic()
        body = roundtrip(port, fetch_frame("quiet", 1_000, 1))
        waited = time.monotonic() - started
        response = RESPONSES[1].decode(body, version=12, header=True)
        assert response.responses[0].partitions[0].error_code == 0
        assert not response.responses[0].partitions[0].records
        assert waited >= 0.9                                  # held for max_wait_ms on an empty log
        # A long fetch returns as soon as a record is committed.
        p = ProducerUnderTest("confluent-kafka", sb.bootstrap_servers, acks=1)
        timer = threading.Timer(0.3, lambda: (p.send("quiet", "m-0"), p.flush()))
        timer.start()
        started = time.monotonic()
        body = roundtrip(port, fetch_frame("quiet", 30_000, 2), timeout=60)
        timer.join()
        assert time.monotonic() - started < 25
        assert RESPONSES[1].decode(body, version=12, header=True).responses[0].partitions[0].records
        p.close()
