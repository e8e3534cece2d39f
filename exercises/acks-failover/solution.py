"""Reference solution: one producer that waits for the in-sync replicas, and lets it wait.

While the followers are stalled, acks=all cannot be answered, and that is the point:
an answer from the leader alone would not survive the leader. No fallback to acks=1,
and enough time (librdkafka's default message.timeout.ms is 300000 ms) for the cluster
to recover.
"""
import os
import sys

from confluent_kafka import Producer

sys.stdout.reconfigure(line_buffering=True)

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"]
durable = Producer({
    "bootstrap.servers": BOOTSTRAP,
    "acks": "all",   # answered only once every in-sync replica has the batch
    # message.timeout.ms left at its default: waiting out a stall is the durable answer
})


def on_delivery(err, msg):
    order_id = msg.value().decode()
    if err is not None:
        print(f"failed {order_id} {err.name()}")   # an incident: alert, do not downgrade
    else:
        print(f"acked {order_id} {msg.partition()} {msg.offset()}")


durable.list_topics("orders", timeout=10)   # connected and ready, as a long-running service is

for i in range(1, 201):
    order_id = f"order-{i}"
    durable.produce("orders", value=order_id, on_delivery=on_delivery)
    print(f"sent {order_id}")
    durable.poll(0.005)

durable.flush(60)
print(f"{len(durable)} orders still waiting for an answer")
