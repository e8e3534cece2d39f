"""The two real clients under test behind one small interface, outcome counting (the delivery
matrix's terms: lost = acknowledged but not read back read_committed; duplicate = an id read more
than once), and the consumer rows' crash-and-take-over steps (C1, C2) that the sandbox tests and the
real-Kafka oracle both run."""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

import confluent_kafka as ck

from engine.runs.backend import ClusterBackend

from .conftest import wait_for

CLIENTS = ["confluent-kafka", "kafka-python"]

# kafka-python logs every cut connection at ERROR level; the cuts are the point of these tests.
logging.getLogger("kafka").setLevel(logging.CRITICAL)


@dataclass
class ProducerUnderTest:
    client: str
    bootstrap: str
    acks: int                      # 0, 1 or -1 (all)
    idempotence: bool = False
    retries: int | None = None     # None: the client's default
    timeout_ms: int = 30_000       # how long a message may take before it fails
    sent: list[str] = field(default_factory=list)
    acked: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.client == "confluent-kafka":
            conf: dict[str, Any] = {
                "bootstrap.servers": self.bootstrap, "acks": self.acks, "linger.ms": 0,
                "enable.idempotence": self.idempotence, "message.timeout.ms": self.timeout_ms,
                "socket.timeout.ms": self.timeout_ms, "retry.backoff.ms": 50,
                "log_level": 0,
            }
            if self.retries is not None:
                conf["retries"] = self.retries
            self._p: Any = ck.Producer(conf)
        else:
            from kafka import KafkaProducer

            kwargs: dict[str, Any] = dict(
                bootstrap_servers=self.bootstrap, acks=self.acks if self.acks != -1 else "all",
                enable_idempotence=self.idempotence, linger_ms=0, retry_backoff_ms=50,
                delivery_timeout_ms=self.timeout_ms, request_timeout_ms=min(self.timeout_ms, 10_000))
            if self.retries is not None:
                kwargs["retries"] = self.retries
            self._p = KafkaProducer(**kwargs)

    def send(self, topic: str, value: str, partition: int = 0) -> None:
        self.sent.append(value)
        if self.client == "confluent-kafka":
            def report(err: Any, msg: Any, value: str = value) -> None:
                if err is None:
                    self.acked.append(value)
                else:
                    self.failed.append((value, err.name()))
            self._p.produce(topic, value.encode(), partition=partition, on_delivery=report)
            self._p.poll(0)
        else:
            future = self._p.send(topic, value.encode(), partition=partition)
            future.add_callback(lambda _md, value=value: self.acked.append(value))
            future.add_errback(lambda exc, value=value: self.failed.append((value, type(exc).__name__)))

    def flush(self, timeout: float = 60) -> None:
        if self.client == "confluent-kafka":
            remaining = self._p.flush(timeout)
            assert remaining == 0, f"{remaining} messages still undelivered after {timeout}s"
        else:
            self._p.flush(timeout)

    def close(self) -> None:
        if self.client == "confluent-kafka":
            self._p.flush(5)
        else:
            self._p.close(timeout=5)


@dataclass(frozen=True)
class Outcome:
    acknowledged: int
    in_log: int
    lost: int
    duplicates: int
    in_order: bool

    @staticmethod
    def count(acked: list[str], log_values: list[str]) -> "Outcome":
        copies = Counter(log_values)
        lost = sum(1 for v in set(acked) if v not in copies)
        duplicates = sum(n - 1 for n in copies.values())
        firsts = list(dict.fromkeys(log_values))
        order = [int(v.rsplit("-", 1)[1]) for v in firsts]
        return Outcome(len(set(acked)), len(copies), lost, duplicates, order == sorted(order))


def log_values(sb: Any, topic: str, partition: int = 0) -> list[str]:
    return [r.value.decode() for r in sb.records(topic, partition, isolation="read_committed")]


class ConsumerUnderTest:
    """A group member that subscribes, polls one record at a time and commits by hand."""

    def __init__(self, client: str, bootstrap: str, group: str, topic: str) -> None:
        self.client = client
        if client == "confluent-kafka":
            self._c: Any = ck.Consumer({
                "bootstrap.servers": bootstrap, "group.id": group, "auto.offset.reset": "earliest",
                "enable.auto.commit": False, "session.timeout.ms": 10_000, "log_level": 0})
            self._c.subscribe([topic])
        else:
            from kafka import KafkaConsumer

            self._c = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group,
                                    auto_offset_reset="earliest", enable_auto_commit=False,
                                    session_timeout_ms=10_000, heartbeat_interval_ms=1_000)

    def poll_one(self, timeout: float = 0.2) -> tuple[int, int, str] | None:
        """(partition, offset, value) of the next record, or None."""
        if self.client == "confluent-kafka":
            msg = self._c.poll(timeout)
            if msg is None or msg.error() is not None:
                return None
            return msg.partition(), msg.offset(), msg.value().decode()
        batch = self._c.poll(timeout_ms=int(timeout * 1000), max_records=1)
        for records in batch.values():
            for r in records:
                return r.partition, r.offset, r.value.decode()
        return None

    def commit(self, topic: str, partition: int, next_offset: int) -> None:
        if self.client == "confluent-kafka":
            self._c.commit(offsets=[ck.TopicPartition(topic, partition, next_offset)], asynchronous=False)
        else:
            from kafka import TopicPartition
            from kafka.structs import OffsetAndMetadata

            self._c.commit({TopicPartition(topic, partition): OffsetAndMetadata(next_offset, "", -1)})

    def assignment(self) -> set[int]:
        if self.client == "confluent-kafka":
            return {tp.partition for tp in self._c.assignment()}
        return {tp.partition for tp in self._c.assignment()}

    def close(self) -> None:
        self._c.close()


# --- consumer rows C1, C2: where a group member commits decides what a crash costs ---------------

class GroupMember(Protocol):
    """What C1/C2 need of a consumer: ConsumerUnderTest, or Kafka's Java consumer in the oracle."""

    def poll_one(self, timeout: float = 0.2) -> tuple[int, int, str] | None: ...

    def commit(self, topic: str, partition: int, next_offset: int) -> None: ...

    def close(self) -> None: ...


def produce_ten(b: ClusterBackend, topic: str, partitions: int = 1) -> None:
    """`topic` (replicated 3 times, min.insync.replicas 2) holding m-0..m-9, round-robin over its
    partitions, written with acks=all. Waits for every partition's leader first: a real cluster
    elects them after CreateTopics has answered."""
    b.create_topic(topic, partitions=partitions, replication_factor=3, min_insync_replicas=2)
    for p in range(partitions):
        wait_for(lambda: b.leader(topic, p) is not None, 90, what=f"a leader for {topic}-{p}")
    producer = ProducerUnderTest("confluent-kafka", b.bootstrap_servers, acks=-1)
    for i in range(10):
        producer.send(topic, f"m-{i}", partition=i % partitions)
    producer.flush()
    producer.close()


def next_record(c: GroupMember, timeout: float = 60, poll_seconds: float = 0.2) -> tuple[int, int, str]:
    """The member's next (partition, offset, value), polling for up to `timeout` seconds. A member
    joins its group inside its poll calls: on a loaded machine or a real coordinator, longer
    `poll_seconds` let a slow join finish rather than start over."""
    got: list[tuple[int, int, str]] = []
    wait_for(lambda: got.append(r) or True if (r := c.poll_one(poll_seconds)) else False, timeout, what="a record")
    return got[0]


def crash_and_take_over(join: Callable[[], GroupMember], topic: str, commit_first: bool,
                        timeout: float = 60, poll_seconds: float = 0.2) -> Counter[str]:
    """Member A handles m-0..m-4 one at a time and crashes while handling m-4; member B (a second
    `join()`, same group) takes over from the group's committed offset and reads on to m-9.

    commit_first: A commits each record's offset before processing it, so m-4 is committed but never
    processed (C1, at-most-once); otherwise after, so B gets m-4 again (C2, at-least-once).
    Returns how many times each value was processed; `timeout` bounds each wait and B's whole run."""
    processed: Counter[str] = Counter()
    a = join()
    for _ in range(5):
        partition, offset, value = next_record(a, timeout, poll_seconds)
        crash = value == "m-4"
        if commit_first:
            a.commit(topic, partition, offset + 1)
            if crash:
                break                           # crashed after the commit, before processing
            processed[value] += 1
        else:
            processed[value] += 1
            if crash:
                break                           # crashed after processing, before the commit
            a.commit(topic, partition, offset + 1)
    a.close()
    b = join()
    deadline = time.monotonic() + timeout
    while "m-9" not in processed:
        assert time.monotonic() < deadline, f"B never reached m-9: {processed}"
        _, _, value = next_record(b, timeout, poll_seconds)
        processed[value] += 1
    b.close()
    return processed
