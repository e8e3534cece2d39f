"""The same lost acknowledgement as in lesson 3, with enable.idempotence=true.

The producer gets a producer id from the cluster and numbers every batch it sends
to a partition. When the answer to a batch is lost and the producer sends it again,
the leader recognises the sequence number, writes nothing, and answers with the
offset it gave the first copy.
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
    "enable.idempotence": True,   # off by default in confluent-kafka; turn it on
    # Set for you once idempotence is on (and refused if you set them otherwise):
    # acks=all, retries > 0, max.in.flight.requests.per.connection <= 5.
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

unconfirmed = producer.flush(20)
print(f"done: {COUNT} sent, {unconfirmed} still unconfirmed")
