"""What each guarantee costs: the same messages under five producer setups.

For each setup the example measures two things:
  latency     100 messages one at a time: how long until each one counts as written
              (its delivery report; for the transactional setup, its commit, because a
              read_committed reader cannot see a record before that)
  throughput  500 messages as fast as the client takes them, until the last one is written
              (the transactional setup commits every 100)
Each producer first sends one warm-up message, so that connecting, fetching metadata and
getting a producer id are not counted.

No faults are injected. The sandbox is one Python process on your machine, so read the
numbers as ratios between setups, not as what a real cluster would do.
"""
import os
import statistics
import sys
import time

from confluent_kafka import Producer

sys.stdout.reconfigure(line_buffering=True)

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"]
LATENCY_COUNT = 100
BURST_COUNT = 500
TXN_SIZE = 100

# name, producer settings, topic (one topic each, so that the setups never mix in a log)
SETUPS = [
    ("acks=0", {"acks": "0", "retries": 0}, "bench-acks0"),
    ("acks=1", {"acks": "1"}, "bench-acks1"),
    ("acks=all", {"acks": "all"}, "bench-acksall"),
    ("idempotent", {"enable.idempotence": True}, "bench-idempotent"),
    ("transactional", {"transactional.id": "bench-writer"}, "bench-transactional"),
]


def on_delivery(err, msg):
    record_id = msg.value().decode()
    if err is not None:
        print(f"failed {record_id} {err.name()}")
    else:
        offset = msg.offset() if msg.offset() is not None and msg.offset() >= 0 else -1  # acks=0: unknown
        print(f"acked {record_id} {msg.partition()} {offset}")


def send(producer, topic, record_id):
    producer.produce(topic, value=record_id, on_delivery=on_delivery)
    print(f"sent {record_id}")


def measure(name, settings, topic):
    producer = Producer({"bootstrap.servers": BOOTSTRAP, **settings})
    transactional = "transactional.id" in settings
    if transactional:
        producer.init_transactions(10)
        producer.begin_transaction()
    send(producer, topic, f"{name}-warmup")
    producer.commit_transaction(10) if transactional else producer.flush(10)

    # Latency: one message at a time, waiting until it counts as written.
    latencies = []
    for i in range(1, LATENCY_COUNT + 1):
        start = time.perf_counter()
        if transactional:
            producer.begin_transaction()
        send(producer, topic, f"{name}-single-{i}")
        producer.commit_transaction(10) if transactional else producer.flush(10)
        latencies.append((time.perf_counter() - start) * 1000)

    # Throughput: a burst, as fast as the client takes it.
    start = time.perf_counter()
    for i in range(1, BURST_COUNT + 1):
        if transactional and i % TXN_SIZE == 1:
            producer.begin_transaction()
        send(producer, topic, f"{name}-burst-{i}")
        producer.poll(0)
        if transactional and i % TXN_SIZE == 0:
            producer.commit_transaction(10)   # flushes, then commits
    producer.flush(15)
    rate = BURST_COUNT / (time.perf_counter() - start)

    latencies.sort()
    return name, rate, statistics.median(latencies), latencies[int(len(latencies) * 0.99) - 1]


results = [measure(*setup) for setup in SETUPS]

print(f"{'setup':<14} {'msg/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
for name, rate, p50, p99 in results:
    print(f"{name:<14} {rate:>8.0f} {p50:>8.2f} {p99:>8.2f}")
