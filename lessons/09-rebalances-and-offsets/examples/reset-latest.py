"""A new consumer group with auto.offset.reset=latest: what was written before it came is never read.

The reporting service is deployed with a new group id, "reports". 100 orders are already
in "orders". The group has no committed offset yet, so auto.offset.reset decides where
it starts, and "latest" (the default of both the Java client and librdkafka) means: at
the end of the log, as it is when the consumer asks. Then 100 more orders arrive.
"""
import os
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition

sys.stdout.reconfigure(line_buffering=True)

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"]


def write_orders(first, last):
    producer = Producer({"bootstrap.servers": BOOTSTRAP})

    def on_delivery(err, msg):
        order_id = msg.value().decode()
        print(f"failed {order_id} {err.name()}" if err else f"acked {order_id} {msg.partition()} {msg.offset()}")

    for i in range(first, last + 1):
        producer.produce("orders", value=f"order-{i}", on_delivery=on_delivery)
        print(f"sent order-{i}")
    producer.flush(15)


write_orders(1, 100)
print("-- the reporting service starts, group 'reports' (no committed offsets yet)")

consumer = Consumer({
    "bootstrap.servers": BOOTSTRAP,
    "group.id": "reports",
    "enable.auto.commit": False,
    "auto.offset.reset": "latest",   # the default, spelled out
})
consumer.subscribe(["orders"])

# Wait for the group to hand out the partition, then give the consumer a moment to look up
# "latest" (a ListOffsets request): that lookup is the moment its starting point is decided.
deadline = time.monotonic() + 20
while not consumer.assignment() and time.monotonic() < deadline:
    consumer.poll(0.2)
settle = time.monotonic() + 3
while time.monotonic() < settle:
    consumer.poll(0.2)
print("-- the consumer is in the group and has looked up its starting offset")

write_orders(101, 200)

quiet_until = time.monotonic() + 5
while time.monotonic() < quiet_until:
    msg = consumer.poll(0.5)
    if msg is None or msg.error() is not None:
        continue
    quiet_until = time.monotonic() + 3
    print(f"processed {msg.value().decode()}")
    consumer.commit(message=msg, asynchronous=False)
consumer.close()
