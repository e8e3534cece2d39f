"""One lost acknowledgement, default settings: some orders are written twice.

The producer below uses confluent-kafka's defaults: acks=all, retries on,
enable.idempotence=false. The scenario lets the leader write one Produce request
and then cuts the connection before the answer gets back. The producer cannot
tell "never arrived" from "arrived, answer lost", so it sends the batch again.
"""
import os
import sys
import time

from confluent_kafka import Producer

sys.stdout.reconfigure(line_buffering=True)

TOPIC = "orders"
COUNT = 200

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
    producer.poll(0)
    time.sleep(0.005)

unconfirmed = producer.flush(15)
# Each order got exactly one delivery report. The log may still hold two copies.
print(f"done: {COUNT} sent, {unconfirmed} still unconfirmed")
