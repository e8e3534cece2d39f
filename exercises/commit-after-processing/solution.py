"""Reference solution: process the batch, then commit it.

First 200 payments are written to "payments". Then a consumer in group "billing"
handles them in batches. Its first instance crashes when it reaches payment-110
(the crash is simulated below: leave it in place), and a second instance takes
over from the group's committed offset.

Right now some payments are never processed. Reorder the work in handle_batch()
so that a crash can make the consumer repeat work, but never skip it. Then run
`course check commit-after-processing`.
"""
import os
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition

sys.stdout.reconfigure(line_buffering=True)

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"]


class SimulatedCrash(Exception):
    """Stands in for the process dying: nothing after it runs, nothing more is committed."""


def write_payments():
    producer = Producer({"bootstrap.servers": BOOTSTRAP})

    def on_delivery(err, msg):
        payment_id = msg.value().decode()
        print(f"failed {payment_id} {err.name()}" if err else f"acked {payment_id} {msg.partition()} {msg.offset()}")

    for i in range(1, 201):
        producer.produce("payments", value=f"payment-{i}", on_delivery=on_delivery)
        print(f"sent payment-{i}")
    producer.flush(15)


def process(payment_id):
    print(f"processed {payment_id}")


def handle_batch(consumer, batch, crash_at):
    for msg in batch:
        payment_id = msg.value().decode()
        if payment_id == crash_at:
            raise SimulatedCrash(payment_id)
        process(payment_id)
    consumer.commit(asynchronous=False)  # only now: a crash above means the batch is read again


def consume(crash_at=None):
    consumer = Consumer({
        "bootstrap.servers": BOOTSTRAP,
        "group.id": "billing",
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
    })
    consumer.assign([TopicPartition("payments", 0)])  # one partition, one owner: no rebalance to wait for
    quiet_until = time.monotonic() + 10
    try:
        while time.monotonic() < quiet_until:
            batch = [m for m in consumer.consume(num_messages=20, timeout=1.0) if m.error() is None]
            if batch:
                quiet_until = time.monotonic() + 3
                handle_batch(consumer, batch, crash_at)
    except SimulatedCrash as crash:
        print(f"-- crashed at {crash}")
    finally:
        consumer.close()  # with auto-commit off, close() commits nothing: as if the process died


write_payments()
consume(crash_at="payment-110")
print("-- a new instance takes over from the committed offset")
consume()
