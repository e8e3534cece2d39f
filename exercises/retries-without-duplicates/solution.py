"""Exercise: make retries stop duplicating.

Reference solution. This producer writes 200 orders and waits for every in-sync replica (acks=all),
retrying whatever is not answered. Twice while it runs, the leader writes a batch
but its answer never reaches the producer, so the producer sends the batch again.

Right now each of those retries writes the orders a second time. Change the
producer's configuration (and only that) so that a retry can never write a batch
twice. Then run `course check retries-without-duplicates`.
"""
import os
import sys

from confluent_kafka import Producer

sys.stdout.reconfigure(line_buffering=True)

producer = Producer({
    "bootstrap.servers": os.environ["BOOTSTRAP_SERVERS"],
    "acks": "all",
    "enable.idempotence": True,  # producer id + sequence numbers: the broker drops a repeat
})


def on_delivery(err, msg):
    order_id = msg.value().decode()
    if err is not None:
        print(f"failed {order_id} {err.name()}")
    else:
        print(f"acked {order_id} {msg.partition()} {msg.offset()}")


for i in range(1, 201):
    order_id = f"order-{i}"
    producer.produce("orders", value=order_id, on_delivery=on_delivery)
    print(f"sent {order_id}")
    producer.poll(0.005)

left = producer.flush(30)
print(f"{left} orders still waiting for an answer")
