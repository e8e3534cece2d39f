"""Exercise: commit only what was processed.

200 payments are written to "payments". A consumer in group "ledger" books them in
batches, with auto-commit on. Its first instance runs as a process of its own and is
killed (SIGKILL, as an out-of-memory killer would) halfway through its third batch. A
second instance then takes over from the group's committed offset.

Right now some payments the first instance never booked are never booked at all: the
second instance starts after them. Change the consumer so that auto-commit can only
ever commit payments that have been booked, keeping auto-commit on. Leave the kill in
place. Then run `course check store-after-processing`.
"""
import os
import signal
import subprocess
import sys
import time

from confluent_kafka import Consumer, Producer

sys.stdout.reconfigure(line_buffering=True)

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"]


def write_payments():
    producer = Producer({"bootstrap.servers": BOOTSTRAP})

    def on_delivery(err, msg):
        payment_id = msg.value().decode()
        print(f"failed {payment_id} {err.name()}" if err else f"acked {payment_id} {msg.partition()} {msg.offset()}")

    for i in range(1, 201):
        producer.produce("payments", value=f"payment-{i}", on_delivery=on_delivery)
        print(f"sent payment-{i}")
    producer.flush(15)


def book(payment_id):
    time.sleep(0.02)  # a write to the ledger database
    print(f"processed {payment_id}")


def run_instance(killed_in_batch=None):
    consumer = Consumer({
        "bootstrap.servers": BOOTSTRAP,
        "group.id": "ledger",
        "auto.offset.reset": "earliest",
        "enable.auto.commit": True,
        "auto.commit.interval.ms": 100,  # librdkafka's default is 5000; short here so the run is quick
        "session.timeout.ms": 6000,      # default 45000: how long a killed member keeps its partitions
    })
    consumer.subscribe(["payments"])
    batches = 0
    quiet_until = time.monotonic() + 20  # the group needs a moment (a killed member must time out first)
    while time.monotonic() < quiet_until:
        batch = [m for m in consumer.consume(num_messages=50, timeout=1.0) if m.error() is None]
        if not batch:
            continue
        quiet_until = time.monotonic() + 3
        batches += 1
        for n, msg in enumerate(batch):
            payment_id = msg.value().decode()
            if batches == killed_in_batch and n == len(batch) // 2:
                print(f"-- killed while booking {payment_id}")
                os.kill(os.getpid(), signal.SIGKILL)  # no close(), no last commit: the process is gone
            book(payment_id)
    consumer.close()


if sys.argv[1:] == ["--first-instance"]:
    run_instance(killed_in_batch=3)
else:
    write_payments()
    # The first instance gets a process of its own, so that it can really be killed.
    subprocess.run([sys.executable, __file__, "--first-instance"], check=False)
    print("-- a second instance takes over from the group's committed offset")
    run_instance()
