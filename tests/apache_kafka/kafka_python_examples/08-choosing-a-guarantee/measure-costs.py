"""kafka-python port of lessons/08-choosing-a-guarantee/examples/measure-costs.py (oracle input).

The same messages under five producer setups (acks=0, acks=1, acks=all, idempotent, transactional):
latency of 500 single messages (200 for the transactional setup: one commit each), throughput as
the median of ten bursts of 500. Same counts, report lines and table.

Where kafka-python differs: enable_idempotence defaults to True (as in the Java client 3.0+;
librdkafka: false), so the three plain setups turn it off to measure what the original measures;
acks=0 reports offset -1 by itself; there is no poll(): the sender thread runs the callbacks;
commit_transaction() takes no timeout.
"""
import os
import statistics
import sys
import threading
import time

from kafka import KafkaProducer

sys.stdout.reconfigure(line_buffering=True)

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"].split(",")
LATENCY_COUNT = 500      # latency samples of each setup but the transactional one
TXN_LATENCY_COUNT = 200  # one commit each: tens to hundreds of ms apiece on a real cluster
BURSTS = 10
BURST_SIZE = 500         # a whole number of transactions: each burst ends with a commit
TXN_SIZE = 100
PRINTING = threading.Lock()

# name, producer settings, topic (one topic each, so that the setups never mix in a log)
SETUPS = [
    ("acks=0", {"acks": 0, "retries": 0, "enable_idempotence": False}, "bench-acks0"),
    ("acks=1", {"acks": 1, "enable_idempotence": False}, "bench-acks1"),
    ("acks=all", {"acks": "all", "enable_idempotence": False}, "bench-acksall"),
    ("idempotent", {"enable_idempotence": True}, "bench-idempotent"),
    ("transactional", {"transactional_id": "bench-writer"}, "bench-transactional"),
]


def say(line):
    """kafka-python runs delivery callbacks on its sender thread: the lock keeps lines whole."""
    with PRINTING:
        print(line)


def send(producer, topic, record_id):
    future = producer.send(topic, value=record_id.encode())
    future.add_callback(lambda md: say(f"acked {record_id} {md.partition} {md.offset}"))  # acks=0: offset -1
    future.add_errback(lambda exc: say(f"failed {record_id} {type(exc).__name__}"))
    say(f"sent {record_id}")


def p99(samples):
    """Nearest rank: the sample that 99 % of the samples do not exceed (of 500, the 495th)."""
    return sorted(samples)[(len(samples) * 99 + 99) // 100 - 1]


def measure(name, settings, topic):
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, **settings)
    transactional = "transactional_id" in settings
    if transactional:
        producer.init_transactions()
        producer.begin_transaction()
    send(producer, topic, f"{name}-warmup")
    producer.commit_transaction() if transactional else producer.flush(10)

    # Latency: one message at a time, waiting until it counts as written.
    latencies = []
    for i in range(1, (TXN_LATENCY_COUNT if transactional else LATENCY_COUNT) + 1):
        start = time.perf_counter()
        if transactional:
            producer.begin_transaction()
        send(producer, topic, f"{name}-single-{i}")
        producer.commit_transaction() if transactional else producer.flush(10)
        latencies.append((time.perf_counter() - start) * 1000)

    # Throughput: bursts, each as fast as the client takes it; the median burst is reported.
    rates = []
    for burst in range(BURSTS):
        start = time.perf_counter()
        for i in range(burst * BURST_SIZE + 1, (burst + 1) * BURST_SIZE + 1):
            if transactional and i % TXN_SIZE == 1:
                producer.begin_transaction()
            send(producer, topic, f"{name}-burst-{i}")
            if transactional and i % TXN_SIZE == 0:
                producer.commit_transaction()   # flushes, then commits
        producer.flush(15)
        rates.append(BURST_SIZE / (time.perf_counter() - start))
    producer.close(5)

    return name, statistics.median(rates), statistics.median(latencies), p99(latencies)


results = [measure(*setup) for setup in SETUPS]

# Milliseconds to three decimals: the fastest setups answer within tens of microseconds,
# where two decimals would turn 70 into 80 microseconds, a 14 % change, for one rounding step.
say(f"{'setup':<14} {'msg/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
for name, rate, p50, p99_ms in results:
    say(f"{name:<14} {rate:>8.0f} {p50:>8.3f} {p99_ms:>8.3f}")
