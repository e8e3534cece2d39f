"""A transactional read-process-write pipeline, run as its own process by the transaction tests
(so that it can be SIGKILLed like a crashed service, then restarted with the same transactional.id).

    python txn_pipeline.py --client confluent-kafka|kafka-python --bootstrap B --input in --output out
                           --group g --transactional-id t [--batch 200] [--pause-at K] [--pause-file F]

Reads `input` (read_committed, group `group`), writes "<value>" to the same partition of `output`
and commits the consumed offsets in the same transaction (send_offsets_to_transaction). With
`--pause-at K` it writes and flushes its K-th transaction, prints `paused K`, and waits there,
never committing (the test kills it); `--pause-file F` does the same with the first transaction
written once the file F exists. SIGTERM: finish the current transaction and exit 0.
On an error it cannot retry it aborts if it can and exits 2 (the test starts it again).

Lines on stdout: `ready`, `committed <transactions> <records>`, `paused <k>`, `error <text>`.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from typing import Any

stop = False
PARENT = os.getppid()


def orphaned() -> bool:
    """The test that started this process is gone: stop rather than run on against nothing."""
    return os.getppid() != PARENT


def on_sigterm(*_: Any) -> None:
    global stop
    stop = True


def say(line: str) -> None:
    print(line, flush=True)


def run_confluent(a: argparse.Namespace) -> int:
    import confluent_kafka as ck

    consumer = ck.Consumer({
        "bootstrap.servers": a.bootstrap, "group.id": a.group, "isolation.level": "read_committed",
        "enable.auto.commit": False, "auto.offset.reset": "earliest", "session.timeout.ms": a.session_timeout_ms,
        "heartbeat.interval.ms": 500, "log_level": 0})
    producer = ck.Producer({
        "bootstrap.servers": a.bootstrap, "transactional.id": a.transactional_id, "linger.ms": 5,
        "transaction.timeout.ms": a.transaction_timeout_ms, "retry.backoff.ms": 50,
        **({"debug": a.debug, "log_level": 7} if a.debug else {"log_level": 0})})

    def retrying(call: Any) -> None:
        deadline = time.monotonic() + 120
        while True:
            try:
                return call()
            except ck.KafkaException as exc:
                if not exc.args[0].retriable() or time.monotonic() > deadline or orphaned():
                    raise
                time.sleep(0.1)

    producer.init_transactions(60)
    consumer.subscribe([a.input])
    say("ready")
    transactions = records = 0
    try:
        while not stop and not orphaned():
            msgs = [m for m in consumer.consume(num_messages=a.batch, timeout=0.5) if m.error() is None]
            if not msgs:
                continue
            producer.begin_transaction()
            offsets: dict[int, int] = {}
            for m in msgs:
                producer.produce(a.output, value=m.value(), partition=m.partition())
                offsets[m.partition()] = m.offset() + 1
            retrying(lambda: producer.send_offsets_to_transaction(
                [ck.TopicPartition(a.input, p, o) for p, o in sorted(offsets.items())],
                consumer.consumer_group_metadata(), 60))
            if a.pause_at == transactions + 1 or (a.pause_file and os.path.exists(a.pause_file)):
                producer.flush(60)
                say(f"paused {transactions + 1}")
                while not orphaned():
                    time.sleep(1)
                os._exit(1)
            retrying(lambda: producer.commit_transaction(60))
            transactions += 1
            records += len(msgs)
            say(f"committed {transactions} {records}")
    except ck.KafkaException as exc:
        err = exc.args[0]
        say(f"error {err.name()} fatal={err.fatal()} abortable={err.txn_requires_abort()} {err.str()}")
        if err.txn_requires_abort():
            try:
                producer.abort_transaction(30)
            except ck.KafkaException:
                pass
        consumer.close()
        return 2
    consumer.close()
    return 0


def run_kafka_python(a: argparse.Namespace) -> int:
    from kafka import KafkaConsumer, KafkaProducer, TopicPartition
    from kafka.errors import KafkaError
    from kafka.structs import OffsetAndMetadata

    logging.getLogger("kafka").setLevel(logging.CRITICAL)
    consumer = KafkaConsumer(bootstrap_servers=a.bootstrap, group_id=a.group, isolation_level="read_committed",
                             enable_auto_commit=False, auto_offset_reset="earliest",
                             session_timeout_ms=a.session_timeout_ms, heartbeat_interval_ms=500)
    producer = KafkaProducer(bootstrap_servers=a.bootstrap, transactional_id=a.transactional_id, linger_ms=5,
                             transaction_timeout_ms=a.transaction_timeout_ms, retry_backoff_ms=50)
    producer.init_transactions()
    consumer.subscribe([a.input])
    say("ready")
    transactions = records = 0
    try:
        while not stop and not orphaned():
            batch = consumer.poll(timeout_ms=500, max_records=a.batch)
            msgs = [m for part in batch.values() for m in part]
            if not msgs:
                continue
            producer.begin_transaction()
            offsets: dict[Any, Any] = {}
            for m in msgs:
                producer.send(a.output, m.value, partition=m.partition)
                offsets[TopicPartition(a.input, m.partition)] = OffsetAndMetadata(m.offset + 1, "", -1)
            producer.send_offsets_to_transaction(offsets, consumer.group_metadata())
            if a.pause_at == transactions + 1 or (a.pause_file and os.path.exists(a.pause_file)):
                producer.flush()
                say(f"paused {transactions + 1}")
                while not orphaned():
                    time.sleep(1)
                os._exit(1)
            producer.commit_transaction()
            transactions += 1
            records += len(msgs)
            say(f"committed {transactions} {records}")
    except KafkaError as exc:
        say(f"error {type(exc).__name__} {exc}")
        try:
            producer.abort_transaction()
        except Exception:  # noqa: BLE001 - a fenced producer cannot abort: exit all the same
            pass
        consumer.close()
        return 2
    consumer.close()
    producer.close(timeout=5)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--client", choices=["confluent-kafka", "kafka-python"], required=True)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--input", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--group", required=True)
    parser.add_argument("--transactional-id", required=True)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--pause-at", type=int, default=0)
    parser.add_argument("--pause-file", default="")
    parser.add_argument("--debug", default="", help="librdkafka debug contexts for the producer (to stderr)")
    parser.add_argument("--session-timeout-ms", type=int, default=6000)  # group.min.session.timeout.ms
    parser.add_argument("--transaction-timeout-ms", type=int, default=30000)
    a = parser.parse_args()
    signal.signal(signal.SIGTERM, on_sigterm)
    return run_confluent(a) if a.client == "confluent-kafka" else run_kafka_python(a)


if __name__ == "__main__":
    sys.exit(main())
