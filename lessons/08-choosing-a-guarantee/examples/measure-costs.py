"""What each guarantee costs: the same 500 messages under five producer setups.

For each setup the example sends 500 messages as fast as the client allows and
measures two things:
  throughput  messages per second, from the first produce() to the last delivery report
  latency     per message, from produce() to the moment it counts as written:
              its delivery report, or for the transactional setup the commit
              (a read_committed reader cannot see a record before that)
No faults are injected. The sandbox is one Python process on your machine, so read
the numbers as ratios between setups, not as what a real cluster would do.
"""
import os
import statistics
import sys
import time

from confluent_kafka import Producer

sys.stdout.reconfigure(line_buffering=True)

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"]
TOPIC = "bench"
COUNT = 500
TXN_SIZE = 100   # messages per transaction in the transactional setup

SETUPS = [
    ("acks=0", {"acks": "0", "retries": 0}),
    ("acks=1", {"acks": "1"}),
    ("acks=all", {"acks": "all"}),
    ("idempotent", {"enable.idempotence": True}),
    ("transactional", {"transactional.id": "bench-writer"}),
]


def measure(name, settings):
    producer = Producer({"bootstrap.servers": BOOTSTRAP, **settings})
    transactional = "transactional.id" in settings
    sent_at, written_at, pending = {}, {}, []

    def on_delivery(err, msg):
        record_id = msg.value().decode()
        if err is not None:
            print(f"failed {record_id} {err.name()}")
            return
        offset = msg.offset() if msg.offset() is not None and msg.offset() >= 0 else -1  # acks=0: unknown
        print(f"acked {record_id} {msg.partition()} {offset}")
        if not transactional:
            written_at[record_id] = time.perf_counter()

    if transactional:
        producer.init_transactions(10)
    start = time.perf_counter()
    for i in range(1, COUNT + 1):
        if transactional and i % TXN_SIZE == 1:
            producer.begin_transaction()
        record_id = f"{name}-{i}"
        sent_at[record_id] = time.perf_counter()
        producer.produce(TOPIC, value=record_id, on_delivery=on_delivery)
        print(f"sent {record_id}")
        pending.append(record_id)
        producer.poll(0)
        if transactional and i % TXN_SIZE == 0:
            producer.commit_transaction(10)   # flushes, then commits
            committed = time.perf_counter()
            for rid in pending:
                written_at[rid] = committed
            pending.clear()
    producer.flush(15)
    elapsed = time.perf_counter() - start

    latencies = sorted((written_at[r] - sent_at[r]) * 1000 for r in written_at)
    if not latencies:
        return name, 0.0, 0.0, 0.0
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    return name, len(latencies) / elapsed, statistics.median(latencies), p99


results = [measure(name, settings) for name, settings in SETUPS]

print(f"{'setup':<14} {'msg/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
for name, rate, p50, p99 in results:
    print(f"{name:<14} {rate:>8.0f} {p50:>8.1f} {p99:>8.1f}")
