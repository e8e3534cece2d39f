"""Helpers for the transaction tests: the pipeline process, reading a topic to its end with a
real client at a chosen isolation level, and the group's committed offsets.

To see what a pipeline process's librdkafka does, set PIPELINE_STDERR=<file> and pass
`--debug eos,broker,protocol` in its arguments."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import confluent_kafka as ck

from engine.sandbox import Sandbox

from .conftest import wait_for

PIPELINE = Path(__file__).with_name("txn_pipeline.py")
from tests.paths import ROOT


@dataclass
class PipelineProcess:
    """One run of txn_pipeline.py; its stdout lines are collected as they come."""
    args: list[str]
    lines: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        self.proc = subprocess.Popen([sys.executable, str(PIPELINE), *self.args], stdout=subprocess.PIPE,
                                     stderr=open(os.environ["PIPELINE_STDERR"], "a") if os.environ.get("PIPELINE_STDERR") else subprocess.DEVNULL, text=True, env=env, cwd=ROOT)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.strip())

    def saw(self, prefix: str) -> bool:
        return any(line.startswith(prefix) for line in list(self.lines))

    def kill(self) -> None:
        """SIGKILL: the process dies where it stands, its transaction left open."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM: it finishes its transaction and exits."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
            raise AssertionError(f"pipeline did not stop on SIGTERM; its output: {self.lines[-5:]}") from None

    def running(self) -> bool:
        return self.proc.poll() is None


def pipeline_args(client: str, sb: Sandbox, input: str, output: str, group: str, transactional_id: str,
                  **options: Any) -> list[str]:
    args = ["--client", client, "--bootstrap", sb.bootstrap_servers, "--input", input, "--output", output,
            "--group", group, "--transactional-id", transactional_id]
    for name, value in options.items():
        args += [f"--{name.replace('_', '-')}", str(value)]
    return args


def committed_total(sb: Sandbox, group: str) -> int:
    """Sum of the group's committed offsets (what the pipeline has finished, transactions committed)."""
    def read() -> int:
        return sum(o.offset for o in sb.cluster.group_metadata.committed(group).values())
    return sb._run(read)


def produce_inputs(sb: Sandbox, topic: str, partitions: int, per_partition: int) -> dict[int, list[str]]:
    """Plain idempotent input: value `<topic>-<partition>-<n>`; returns the values per partition."""
    p = ck.Producer({"bootstrap.servers": sb.bootstrap_servers, "enable.idempotence": True, "linger.ms": 5,
                     "log_level": 0})
    sent: dict[int, list[str]] = {}
    for i in range(per_partition):
        for part in range(partitions):
            value = f"{topic}-{part}-{i}"
            sent.setdefault(part, []).append(value)
            while True:
                try:
                    p.produce(topic, value.encode(), partition=part)
                    break
                except BufferError:
                    p.poll(0.05)
        if i % 500 == 0:
            p.poll(0)
    assert p.flush(120) == 0
    return sent


def read_all(client: str, bootstrap: str, topic: str, partitions: int, isolation: str,
             timeout: float = 90) -> dict[int, list[str]]:
    """Every value a consumer of `client` reads from each partition at `isolation`, from the
    beginning to the partition's end (the high watermark; a read_committed reader gets there once
    no transaction is open)."""
    out: dict[int, list[str]] = {p: [] for p in range(partitions)}
    deadline = time.monotonic() + timeout
    if client == "confluent-kafka":
        c = ck.Consumer({"bootstrap.servers": bootstrap, "group.id": f"reader-{time.monotonic_ns()}",
                         "isolation.level": isolation, "enable.auto.commit": False, "log_level": 0})
        tps = [ck.TopicPartition(topic, p, ck.OFFSET_BEGINNING) for p in range(partitions)]
        c.assign(tps)
        ends = {p: c.get_watermark_offsets(ck.TopicPartition(topic, p), timeout=30)[1] for p in range(partitions)}
        try:
            while True:
                positions = {tp.partition: tp.offset for tp in c.position(
                    [ck.TopicPartition(topic, p) for p in range(partitions)])}
                if all(positions[p] >= ends[p] for p in range(partitions)):
                    return out
                assert time.monotonic() < deadline, f"reader stuck at {positions}, ends {ends}"
                for m in c.consume(num_messages=1000, timeout=0.5):
                    if m.error() is None:
                        out[m.partition()].append(m.value().decode())
        finally:
            c.close()
    from kafka import KafkaConsumer, TopicPartition

    kc = KafkaConsumer(bootstrap_servers=bootstrap, isolation_level=isolation, enable_auto_commit=False,
                       group_id=None)
    ktps = [TopicPartition(topic, p) for p in range(partitions)]
    kc.assign(ktps)
    kc.seek_to_beginning(*ktps)
    try:
        # end_offsets at read_committed would be the LSO; the test wants every transaction closed.
        hw = {p: _high_watermark(bootstrap, topic, p) for p in range(partitions)}
        while True:
            if all(kc.position(tp) >= hw[tp.partition] for tp in ktps):
                return out
            assert time.monotonic() < deadline, f"reader stuck at {[kc.position(tp) for tp in ktps]}, ends {hw}"
            for tp, records in kc.poll(timeout_ms=500, max_records=1000).items():
                out[tp.partition].extend(r.value.decode() for r in records)
    finally:
        kc.close()


def _high_watermark(bootstrap: str, topic: str, partition: int) -> int:
    c = ck.Consumer({"bootstrap.servers": bootstrap, "group.id": "hw", "log_level": 0})
    try:
        return c.get_watermark_offsets(ck.TopicPartition(topic, partition), timeout=30)[1]
    finally:
        c.close()


@dataclass(frozen=True)
class ExactlyOnce:
    messages_in: int
    messages_out: int
    duplicates: int
    lost: int
    mismatched_partitions: int   # partitions whose output is not exactly their input, in order

    @staticmethod
    def check(inputs: dict[int, list[str]], outputs: dict[int, list[str]]) -> "ExactlyOnce":
        all_out = [v for vals in outputs.values() for v in vals]
        copies = Counter(all_out)
        want = {v for vals in inputs.values() for v in vals}
        duplicates = sum(n - 1 for n in copies.values())
        lost = len(want - set(copies))
        mismatched = sum(1 for p, vals in inputs.items() if outputs.get(p, []) != vals)
        return ExactlyOnce(len(want), len(all_out), duplicates, lost, mismatched)


def wait_running_pipeline(process: PipelineProcess, timeout: float = 60) -> None:
    wait_for(lambda: process.saw("ready") or not process.running(), timeout, "the pipeline to start")
    assert process.running(), f"pipeline exited at start: {process.lines}"


class TxnProducer:
    """A transactional producer of either client, reduced to what the tests do with it."""

    def __init__(self, client: str, bootstrap: str, transactional_id: str, transaction_timeout_ms: int = 60_000) -> None:
        self.client = client
        if client == "confluent-kafka":
            self._p: Any = ck.Producer({"bootstrap.servers": bootstrap, "transactional.id": transactional_id,
                                        "transaction.timeout.ms": transaction_timeout_ms, "linger.ms": 0,
                                        "log_level": 0})
        else:
            from kafka import KafkaProducer

            self._p = KafkaProducer(bootstrap_servers=bootstrap, transactional_id=transactional_id,
                                    transaction_timeout_ms=transaction_timeout_ms, linger_ms=0)

    def init(self) -> None:
        if self.client == "confluent-kafka":
            self._p.init_transactions(60)
        else:
            self._p.init_transactions()

    def begin(self) -> None:
        self._p.begin_transaction()

    def send(self, topic: str, values: list[str], partition: int = 0) -> None:
        for v in values:
            if self.client == "confluent-kafka":
                self._p.produce(topic, v.encode(), partition=partition)
            else:
                self._p.send(topic, v.encode(), partition=partition)

    def flush(self) -> None:
        if self.client == "confluent-kafka":
            assert self._p.flush(60) == 0
        else:
            self._p.flush(60)

    def commit(self) -> None:
        if self.client == "confluent-kafka":
            self._p.commit_transaction(60)
        else:
            self._p.commit_transaction()

    def abort(self) -> None:
        if self.client == "confluent-kafka":
            self._p.abort_transaction(60)
        else:
            self._p.abort_transaction()

    def close(self) -> None:
        if self.client == "kafka-python":
            self._p.close(timeout=5)


class Reader:
    """One partition from the beginning, at an isolation level, polled by hand."""

    def __init__(self, client: str, bootstrap: str, topic: str, partition: int, isolation: str) -> None:
        self.client = client
        self.values: list[str] = []
        if client == "confluent-kafka":
            self._c: Any = ck.Consumer({"bootstrap.servers": bootstrap, "group.id": f"r-{time.monotonic_ns()}",
                                        "isolation.level": isolation, "enable.auto.commit": False, "log_level": 0})
            self._tp: Any = ck.TopicPartition(topic, partition, ck.OFFSET_BEGINNING)
            self._c.assign([self._tp])
        else:
            from kafka import KafkaConsumer, TopicPartition

            self._c = KafkaConsumer(bootstrap_servers=bootstrap, isolation_level=isolation, enable_auto_commit=False,
                                    group_id=None)
            self._tp = TopicPartition(topic, partition)
            self._c.assign([self._tp])
            self._c.seek_to_beginning(self._tp)

    def poll(self, seconds: float = 0.5) -> None:
        if self.client == "confluent-kafka":
            for m in self._c.consume(num_messages=1000, timeout=seconds):
                if m.error() is None:
                    self.values.append(m.value().decode())
        else:
            for records in self._c.poll(timeout_ms=int(seconds * 1000), max_records=1000).values():
                self.values.extend(r.value.decode() for r in records)

    def position(self) -> int:
        if self.client == "confluent-kafka":
            return self._c.position([ck.TopicPartition(self._tp.topic, self._tp.partition)])[0].offset
        return self._c.position(self._tp)

    def close(self) -> None:
        self._c.close()
