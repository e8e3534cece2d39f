"""acks=1 when the leader dies with unreplicated data.

The scenario pauses replication from the start, so the followers fall behind.
After 50 orders are in the leader's log, the leader stops. A follower that never
received those orders becomes the new leader.
"""
import os
import sys
import time

from confluent_kafka import Producer

sys.stdout.reconfigure(line_buffering=True)

TOPIC = "orders"
COUNT = 200

producer = Producer({
    "bootstrap.servers": os.environ["BOOTSTRAP_SERVERS"],
    "acks": "1",  # the leader answers as soon as it has written the batch itself
})


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

unconfirmed = producer.flush(30)
print(f"done: {COUNT} sent, {unconfirmed} still unconfirmed")
