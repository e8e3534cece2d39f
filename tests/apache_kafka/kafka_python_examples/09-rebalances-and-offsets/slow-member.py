"""kafka-python port of lessons/09-rebalances-and-offsets/examples/slow-member.py (oracle input).

Two members of group "warehouse". A hangs 10 s on shipment-50, longer than its
max_poll_interval_ms of 6 s: A is taken out of the group, B gets the partition from the last
commit, and A's late commit is refused. Every shipment is processed; A's last batch twice.

Where kafka-python differs: as in the Java client, A's heartbeat thread notices the missed poll and
sends LeaveGroup itself; the refused commit raises CommitFailedError (librdkafka: KafkaException);
rebalance callbacks are a ConsumerRebalanceListener run inside poll(); close() can be called
directly (the original's unsubscribe-then-poll dance works around a confluent-kafka hang).
"""
import os
import sys
import threading
import time

from kafka import ConsumerRebalanceListener, KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError

sys.stdout.reconfigure(line_buffering=True)

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"].split(",")
T0 = time.monotonic()
PRINTING = threading.Lock()


def say(line):
    """Print one line whole: A, B and the producer's sender thread print at the same time."""
    with PRINTING:
        print(line)


def note(text):
    say(f"-- {time.monotonic() - T0:4.1f}s {text}")


def write_shipments():
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP)
    for i in range(1, 201):
        shipment_id = f"shipment-{i}"
        future = producer.send("shipments", value=shipment_id.encode())
        future.add_callback(lambda md, s=shipment_id: say(f"acked {s} {md.partition} {md.offset}"))
        future.add_errback(lambda exc, s=shipment_id: say(f"failed {s} {type(exc).__name__}"))
        say(f"sent {shipment_id}")
    producer.flush(15)
    producer.close(5)


class Notes(ConsumerRebalanceListener):
    def __init__(self, name):
        self.name = name

    def on_partitions_assigned(self, assigned):
        note(f"{self.name} is assigned partition(s) {[p.partition for p in assigned]}")

    def on_partitions_revoked(self, revoked):
        note(f"{self.name} loses partition(s) {[p.partition for p in revoked]}")


def instance(name, max_poll_ms, hangs_on=None, first_batch_done=None):
    consumer = KafkaConsumer(
        bootstrap_servers=BOOTSTRAP,
        group_id="warehouse",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_interval_ms=max_poll_ms,  # default 300000: the longest allowed gap between two poll() calls
        session_timeout_ms=6000,           # default 45000; brokers refuse less than 6000 (group.min.session.timeout.ms)
        heartbeat_interval_ms=500,
    )
    consumer.subscribe(["shipments"], listener=Notes(name))
    quiet_until = time.monotonic() + 15
    while time.monotonic() < quiet_until:
        batch = [m for part in consumer.poll(timeout_ms=500, max_records=20).values() for m in part]
        if not batch:
            continue
        quiet_until = time.monotonic() + 4
        for msg in batch:
            shipment_id = msg.value.decode()
            if shipment_id == hangs_on:
                note(f"{name} hangs on {shipment_id} for 10 s")
                time.sleep(10)  # a slow database, a long GC pause: no poll() call meanwhile
            say(f"processed {shipment_id}")
        if first_batch_done is not None:
            first_batch_done.set()
        try:
            consumer.commit()
        except KafkaError as exc:   # CommitFailedError when the member was put out
            note(f"{name} cannot commit: {type(exc).__name__} (it is no longer in the group)")
    consumer.close()
    note(f"{name} stops")


write_shipments()
a_started = threading.Event()
a = threading.Thread(target=instance, args=("A", 6000, "shipment-50", a_started))
a.start()
a_started.wait(20)
b = threading.Thread(target=instance, args=("B", 60000))
b.start()
a.join()
b.join()
