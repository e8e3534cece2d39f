"""At-least-once on the producer side: acks=all, retries on, idempotence off.

The scenario does two things to this producer. First it drops a Produce request
unapplied: the producer gets no answer, retries, and the orders arrive once.
Later it applies a request and loses the answer: the producer retries that too,
and now the leader has the batch twice.
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
    "acks": "all",                 # wait until every in-sync replica has it
    "retries": 2147483647,         # retry until delivery.timeout.ms runs out
    "delivery.timeout.ms": 30000,  # the client-side limit for one message, retries included
    "enable.idempotence": False,   # the confluent-kafka default, spelled out
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
