"""Reference solution: commit in the revoke callback, before the partitions change hands.

200 shipments are written to the two partitions of "shipments". Instance A of the
warehouse service subscribes in group "warehouse" and gets both partitions. To save
round trips it commits only after every 100 shipments. After A has handled its first
batch, the platform scales the service out: instance B joins the group, and the group
rebalances to give B a partition.

Right now the shipments A handled since its last commit are handled again after the
rebalance. Make the hand-over exact: whoever owns a partition after the rebalance must
start right after the last shipment handled before it, while A still commits only every
100 shipments in normal operation. Then run `course check commit-on-revoke`.
"""
import os
import sys
import threading
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer

sys.stdout.reconfigure(line_buffering=True)

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"]
COMMIT_EVERY = 100
PRINTING = threading.Lock()


def say(line):
    """Print one line whole: A and B print from their own threads, and print() writes the text and
    the newline separately, so without the lock two lines can run together (and go uncounted)."""
    with PRINTING:
        print(line)


def write_shipments():
    producer = Producer({"bootstrap.servers": BOOTSTRAP})

    def on_delivery(err, msg):
        shipment_id = msg.value().decode()
        say(f"failed {shipment_id} {err.name()}" if err else f"acked {shipment_id} {msg.partition()} {msg.offset()}")

    for i in range(1, 201):
        producer.produce("shipments", value=f"shipment-{i}", partition=i % 2, on_delivery=on_delivery)
        say(f"sent shipment-{i}")
    producer.flush(15)


def commit(consumer):
    try:
        consumer.commit(asynchronous=False)   # the position of every assigned partition
    except KafkaException as exc:
        if exc.args[0].code() != KafkaError._NO_OFFSET:   # nothing handled since the last commit
            raise


def on_assign(consumer, partitions):
    say(f"-- {consumer.name} gets partition(s) {sorted(p.partition for p in partitions)}")


def on_revoke(consumer, partitions):
    say(f"-- {consumer.name} hands over partition(s) {sorted(p.partition for p in partitions)}")
    # Called inside consume(), between two batches: everything handed out so far is handled.
    commit(consumer)


class Instance(Consumer):
    """A consumer that knows its own name, for the report lines."""

    def __init__(self, name, config):
        super().__init__(config)
        self.name = name


def run_instance(name, first_batch_done=None):
    consumer = Instance(name, {
        "bootstrap.servers": BOOTSTRAP,
        "group.id": "warehouse",
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
    })
    consumer.subscribe(["shipments"], on_assign=on_assign, on_revoke=on_revoke)
    handled = 0
    quiet_until = time.monotonic() + 15
    while time.monotonic() < quiet_until:
        batch = [m for m in consumer.consume(num_messages=10, timeout=0.5) if m.error() is None]
        if not batch:
            continue
        quiet_until = time.monotonic() + 4
        for msg in batch:
            time.sleep(0.02)   # handling a shipment takes a moment
            say(f"processed {msg.value().decode()}")
            handled += 1
            if handled % COMMIT_EVERY == 0:
                commit(consumer)
        if first_batch_done is not None and handled >= 30:
            first_batch_done.set()
    commit(consumer)
    consumer.close()


write_shipments()
a_is_busy = threading.Event()
a = threading.Thread(target=run_instance, args=("A", a_is_busy))
a.start()
a_is_busy.wait(30)
say("-- the service scales out: B joins the group")
b = threading.Thread(target=run_instance, args=("B",))
b.start()
a.join()
b.join()
