"""Exercise: lose nothing when the leader fails.

This service writes 200 orders with acks=all. Its authors wanted it to stay fast when
the cluster is slow, so they give each order 3 seconds; an order that is not confirmed
in time is handed to a second, "fast" producer that only waits for the leader.

While it runs, the followers stop copying the leader's log, and later the leader
crashes: a follower that is behind takes over. Right now the service is told "written"
for orders that are gone after the failover. Change the producers (their settings and
how the service uses them) so that every order it sees acknowledged survives, and
every order is acknowledged in the end. Then run `course check acks-failover`.
"""
import os
import sys

from confluent_kafka import Producer

sys.stdout.reconfigure(line_buffering=True)

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"]
durable = Producer({
    "bootstrap.servers": BOOTSTRAP,
    "acks": "all",
    "message.timeout.ms": 3000,   # give up on an order after 3 s ...
})
fast = Producer({
    "bootstrap.servers": BOOTSTRAP,
    "acks": "1",                  # ... and let this one write it: the leader's word is enough
})
fallback = []


def on_delivery(err, msg):
    order_id = msg.value().decode()
    if err is not None:
        print(f"failed {order_id} {err.name()}")
        fallback.append(order_id)
    else:
        print(f"acked {order_id} {msg.partition()} {msg.offset()}")


durable.list_topics("orders", timeout=10)   # connected and ready, as a long-running service is

for i in range(1, 201):
    order_id = f"order-{i}"
    durable.produce("orders", value=order_id, on_delivery=on_delivery)
    print(f"sent {order_id}")
    durable.poll(0.005)

durable.flush(30)
for order_id in fallback:
    fast.produce("orders", value=order_id, on_delivery=on_delivery)
    print(f"sent {order_id}")
    fast.poll(0.005)
fast.flush(30)
print(f"{len(durable) + len(fast)} orders still waiting for an answer")
