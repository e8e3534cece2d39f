"""What each guarantee costs: the same messages under five producer setups.

For each setup the example measures two things:
  latency     messages sent one at a time, each timed until it counts as written (its
              delivery report; for the transactional setup, its commit, because a
              read_committed reader cannot see a record before that): 500 samples, or
              200 for the transactional setup
  throughput  ten bursts of 500 messages, each sent as fast as the client takes them and
              timed until its last message is written (the transactional setup commits
              every 100); the table shows the median burst
Each producer first sends one warm-up message, so that connecting, fetching metadata and
getting a producer id are not counted.

Why so many: one burst of 500 is over in a few milliseconds, about one time slice of a
busy machine's scheduler, and the 99th percentile of 100 samples is the second-slowest
sample: a single such number says more about what else the machine was doing than about
the setup. The median of ten bursts and a percentile of hundreds of samples hold still
from run to run. The transactional setup takes fewer latency samples because each one is
a whole transaction: on a real cluster a commit takes tens to hundreds of milliseconds,
and 500 of them would make the run last minutes.

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
LATENCY_COUNT = 500      # latency samples of each setup but the transactional one
TXN_LATENCY_COUNT = 200  # one commit each: tens to hundreds of ms apiece on a real cluster
BURSTS = 10
BURST_SIZE = 500         # a whole number of transactions: each burst ends with a commit
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


def p99(samples):
    """Nearest rank: the sample that 99 % of the samples do not exceed (of 500, the 495th)."""
    return sorted(samples)[(len(samples) * 99 + 99) // 100 - 1]


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
    for i in range(1, (TXN_LATENCY_COUNT if transactional else LATENCY_COUNT) + 1):
        start = time.perf_counter()
        if transactional:
            producer.begin_transaction()
        send(producer, topic, f"{name}-single-{i}")
        producer.commit_transaction(10) if transactional else producer.flush(10)
        latencies.append((time.perf_counter() - start) * 1000)

    # Throughput: bursts, each as fast as the client takes it; the median burst is reported,
    # so that one burst the machine stalled does not decide the number.
    rates = []
    for burst in range(BURSTS):
        start = time.perf_counter()
        for i in range(burst * BURST_SIZE + 1, (burst + 1) * BURST_SIZE + 1):
            if transactional and i % TXN_SIZE == 1:
                producer.begin_transaction()
            send(producer, topic, f"{name}-burst-{i}")
            producer.poll(0)
            if transactional and i % TXN_SIZE == 0:
                producer.commit_transaction(10)   # flushes, then commits
        producer.flush(15)
        rates.append(BURST_SIZE / (time.perf_counter() - start))

    return name, statistics.median(rates), statistics.median(latencies), p99(latencies)


results = [measure(*setup) for setup in SETUPS]

# Milliseconds to three decimals: the fastest setups answer within tens of microseconds,
# where two decimals would turn 70 into 80 microseconds, a 14 % change, for one rounding step.
print(f"{'setup':<14} {'msg/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
for name, rate, p50, p99_ms in results:
    print(f"{name:<14} {rate:>8.0f} {p50:>8.3f} {p99_ms:>8.3f}")
