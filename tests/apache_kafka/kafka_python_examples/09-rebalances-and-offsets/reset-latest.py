"""kafka-python port of lessons/09-rebalances-and-offsets/examples/reset-latest.py (oracle input).

A new group "reports" with auto_offset_reset="latest" (kafka-python's default too) starts at the end
of "orders": the 100 orders written before it looked up its starting offset are never read; the
100 written after are.

Where kafka-python differs: poll() returns {partition: records}, so one poll can hand over several
orders (each is committed on its own, like the original's commit(message=msg)); commit() takes
{TopicPartition: OffsetAndMetadata} and is synchronous.
"""
import os
import sys
import threading
import time

from kafka import KafkaConsumer, KafkaProducer, OffsetAndMetadata, TopicPartition

sys.stdout.reconfigure(line_buffering=True)

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"].split(",")
PRINTING = threading.Lock()


def say(line):
    """kafka-python runs delivery callbacks on its sender thread: the lock keeps lines whole."""
    with PRINTING:
        print(line)


def write_orders(first, last):
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP)
    for i in range(first, last + 1):
        order_id = f"order-{i}"
        future = producer.send("orders", value=order_id.encode())
        future.add_callback(lambda md, o=order_id: say(f"acked {o} {md.partition} {md.offset}"))
        future.add_errback(lambda exc, o=order_id: say(f"failed {o} {type(exc).__name__}"))
        say(f"sent {order_id}")
    producer.flush(15)
    producer.close(5)


write_orders(1, 100)
say("-- the reporting service starts, group 'reports' (no committed offsets yet)")

consumer = KafkaConsumer(
    bootstrap_servers=BOOTSTRAP,
    group_id="reports",
    enable_auto_commit=False,
    auto_offset_reset="latest",   # the default, spelled out
)
consumer.subscribe(["orders"])

# Wait for the group to hand out the partition, then give the consumer a moment to look up
# "latest" (a ListOffsets request): that lookup is the moment its starting point is decided.
deadline = time.monotonic() + 20
while not consumer.assignment() and time.monotonic() < deadline:
    consumer.poll(timeout_ms=200)
settle = time.monotonic() + 3
while time.monotonic() < settle:
    consumer.poll(timeout_ms=200)
say("-- the consumer is in the group and has looked up its starting offset")

write_orders(101, 200)

quiet_until = time.monotonic() + 5
while time.monotonic() < quiet_until:
    records = [m for part in consumer.poll(timeout_ms=500).values() for m in part]
    if not records:
        continue
    quiet_until = time.monotonic() + 3
    for msg in records:
        say(f"processed {msg.value.decode()}")
        consumer.commit({TopicPartition(msg.topic, msg.partition): OffsetAndMetadata(msg.offset + 1, "", -1)})
consumer.close()
