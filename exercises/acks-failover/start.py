"""Exercise: lose nothing when the leader fails.

This producer writes 200 orders. While it runs, the followers stop copying the
leader's log, then the leader crashes: a follower that is behind takes over.

Right now the producer is told "written" for orders that are gone after the
failover. Change the producer's configuration (and only that) so that every
order it sees acknowledged survives. Then run `course check acks-failover`.
"""
import os
import sys

from confluent_kafka import Producer

sys.stdout.reconfigure(line_buffering=True)

producer = Producer({
    "bootstrap.servers": os.environ["BOOTSTRAP_SERVERS"],
    "acks": "1",
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
