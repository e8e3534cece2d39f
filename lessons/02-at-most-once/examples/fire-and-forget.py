"""At-most-once on the producer side: acks=0, no retries.

The scenario throws away three Produce requests without writing them. With acks=0
the broker never answers anyway, so the producer has nothing to wait for and
nothing to retry: every delivery report says "delivered".
"""
import os
import sys
import time

from confluent_kafka import Producer

sys.stdout.reconfigure(line_buffering=True)

TOPIC = "clicks"
COUNT = 200

producer = Producer({
    "bootstrap.servers": os.environ["BOOTSTRAP_SERVERS"],
    "acks": "0",      # don't wait for any answer from the broker
    "retries": 0,     # and never send anything twice
})


def on_delivery(err, msg):
    click_id = msg.value().decode()
    if err is not None:
        print(f"failed {click_id} {err.name()}")
    else:
        # With acks=0 there is no offset to report: the broker never said where
        # (or whether) it wrote the message. We print -1 for "unknown".
        offset = msg.offset() if msg.offset() is not None and msg.offset() >= 0 else -1
        print(f"acked {click_id} {msg.partition()} {offset}")


for i in range(1, COUNT + 1):
    click_id = f"click-{i}"
    producer.produce(TOPIC, value=click_id, on_delivery=on_delivery)
    print(f"sent {click_id}")
    producer.poll(0)
    time.sleep(0.005)

unconfirmed = producer.flush(15)
print(f"done: {COUNT} sent, {unconfirmed} still unconfirmed, no errors reported")
