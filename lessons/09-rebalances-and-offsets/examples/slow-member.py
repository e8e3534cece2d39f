"""A member too slow between two polls: the group takes its partition away, and the work is done twice.

Two instances of the warehouse service share group "warehouse". Each one processes a
batch, then commits it (at-least-once, as in lesson 3). Instance A is first and gets the
only partition of "shipments"; instance B joins and waits for a share.

On shipment-50, A's processing hangs for 10 seconds, longer than its
max.poll.interval.ms of 6 seconds. (B gets a generous interval: only A's hang is the
point, and a busy machine must not push B out of the group too.) librdkafka notices that A has not called consume()
in time and takes A out of the group; the group rebalances and B gets the partition,
starting from the last committed offset. When A wakes up it finishes its batch (it does
not know yet) and its commit is refused: it is no longer a member.
"""
import os
import sys
import threading
import time

from confluent_kafka import Consumer, KafkaException, Producer

sys.stdout.reconfigure(line_buffering=True)

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"]
T0 = time.monotonic()
PRINTING = threading.Lock()


def say(line):
    """Print one line whole. A and B print from their own threads, and print() writes the text and
    the newline separately: without the lock two "processed" lines can run together, and the one
    glued to the other is not counted."""
    with PRINTING:
        print(line)


def note(text):
    say(f"-- {time.monotonic() - T0:4.1f}s {text}")


def write_shipments():
    producer = Producer({"bootstrap.servers": BOOTSTRAP})

    def on_delivery(err, msg):
        shipment_id = msg.value().decode()
        say(f"failed {shipment_id} {err.name()}" if err else f"acked {shipment_id} {msg.partition()} {msg.offset()}")

    for i in range(1, 201):
        producer.produce("shipments", value=f"shipment-{i}", on_delivery=on_delivery)
        say(f"sent shipment-{i}")
    producer.flush(15)


def instance(name, max_poll_ms, hangs_on=None, first_batch_done=None):
    consumer = Consumer({
        "bootstrap.servers": BOOTSTRAP,
        "group.id": "warehouse",
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "max.poll.interval.ms": max_poll_ms,  # default 300000: the longest allowed gap between two consume() calls
        "session.timeout.ms": 6000,           # default 45000; brokers refuse less than 6000 (group.min.session.timeout.ms),
                                              # and librdkafka wants it <= max.poll.interval.ms
        "heartbeat.interval.ms": 500,
    })
    consumer.subscribe(
        ["shipments"],
        on_assign=lambda c, parts: note(f"{name} is assigned partition(s) {[p.partition for p in parts]}"),
        on_revoke=lambda c, parts: note(f"{name} loses partition(s) {[p.partition for p in parts]}"),
    )
    quiet_until = time.monotonic() + 15
    while time.monotonic() < quiet_until:
        batch = [m for m in consumer.consume(num_messages=20, timeout=0.5) if m.error() is None]
        if not batch:
            continue
        quiet_until = time.monotonic() + 4
        for msg in batch:
            shipment_id = msg.value().decode()
            if shipment_id == hangs_on:
                note(f"{name} hangs on {shipment_id} for 10 s")
                time.sleep(10)  # a slow database, a long GC pause: no consume() call meanwhile
            say(f"processed {shipment_id}")
        if first_batch_done is not None:
            first_batch_done.set()
        try:
            consumer.commit(asynchronous=False)
        except KafkaException as exc:
            note(f"{name} cannot commit: {exc.args[0].name()} (it is no longer in the group)")
    leave_group(consumer)
    note(f"{name} stops")


def leave_group(consumer):
    """Give the partitions up in a poll, then close.

    A rebalance reaches the application as a callback that runs in its next poll. A slept
    through one: its on_revoke has been waiting since B joined. close() alone would run that
    late callback while librdkafka is already shutting the group down, and confluent-kafka
    can then wait forever for an answer from the stopped group, holding the GIL: every thread
    of this process would stop with it. So: unsubscribe, let poll() run what is queued
    (a record still queued is dropped: the partition is no longer ours), then close."""
    consumer.unsubscribe()
    while consumer.poll(0) is not None:
        pass
    consumer.close()


write_shipments()
a_started = threading.Event()
a = threading.Thread(target=instance, args=("A", 6000, "shipment-50", a_started))
a.start()
a_started.wait(20)
b = threading.Thread(target=instance, args=("B", 60000))
b.start()
a.join()
b.join()
