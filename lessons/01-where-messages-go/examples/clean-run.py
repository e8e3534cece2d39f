"""A clean run: 200 orders, no faults, every one written exactly once.

This is the baseline. Learn to read the report lines here, before anything breaks:
  sent <id>                      produce() was called
  acked <id> <partition> <offset>   the delivery report said the broker wrote it
  failed <id> <error>            the delivery report said it failed
"""
import os
import sys
import time

from confluent_kafka import Producer

sys.stdout.reconfigure(line_buffering=True)  # show each line as it happens

TOPIC = "orders"
COUNT = 200

# No delivery settings at all: this is confluent-kafka exactly as it ships.
producer = Producer({"bootstrap.servers": os.environ["BOOTSTRAP_SERVERS"]})


def on_delivery(err, msg):
    order_id = msg.value().decode()
    if err is not None:
        print(f"failed {order_id} {err.name()}")
    else:
        print(f"acked {order_id} {msg.partition()} {msg.offset()}")


for i in range(1, COUNT + 1):
    order_id = f"order-{i}"
    producer.produce(TOPIC, value=order_id, on_delivery=on_delivery)
    print(f"sent {order_id}")
    producer.poll(0)      # serve delivery reports that have arrived
    time.sleep(0.005)     # a steady trickle of orders, so they go out in many small requests

unconfirmed = producer.flush(15)
print(f"done: {COUNT} sent, {unconfirmed} still unconfirmed")
