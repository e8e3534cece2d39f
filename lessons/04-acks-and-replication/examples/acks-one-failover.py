"""acks=1 when the leader dies with unreplicated data.

The scenario pauses replication from the start, so the followers fall behind.
Once orders are in the leader's log (50 of them with acks=1; with acks=all the first
batch, because the leader cannot answer it), the leader stops. A follower that never
received those orders becomes the new leader. Later, replication resumes, so what
the new leader writes can reach the in-sync replicas and become readable.
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
