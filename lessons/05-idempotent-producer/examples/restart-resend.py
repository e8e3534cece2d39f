"""Idempotence ends where the producer instance ends.

An application sends orders with an idempotent producer and saves a checkpoint
every 50 orders ("everything up to here is safely in Kafka"). It dies after order
80, before its next checkpoint. The restarted application opens a NEW producer
and, to be safe, sends everything after the last checkpoint again.

The new producer has a new producer id, so its sequence numbers start again at
zero: the broker has no way to see that orders 51-80 are repeats.
The crash is simulated: the first producer is flushed and dropped, the way a
process that died right after its last send would leave the log.
"""
import os
import sys

from confluent_kafka import Producer

sys.stdout.reconfigure(line_buffering=True)

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"]
TOPIC = "orders"
COUNT = 100
CHECKPOINT_EVERY = 50
CRASH_AFTER = 80


def on_delivery(err, msg):
    order_id = msg.value().decode()
    if err is not None:
        print(f"failed {order_id} {err.name()}")
    else:
        print(f"acked {order_id} {msg.partition()} {msg.offset()}")


def send_orders(first, last, crash_after=None):
    """Send orders first..last; return the last checkpoint reached."""
    producer = Producer({"bootstrap.servers": BOOTSTRAP, "enable.idempotence": True})
    checkpoint = first - 1
    for i in range(first, last + 1):
        order_id = f"order-{i}"
        producer.produce(TOPIC, value=order_id, on_delivery=on_delivery)
        print(f"sent {order_id}")
        if i % CHECKPOINT_EVERY == 0:
            producer.flush(15)
            checkpoint = i
            print(f"checkpoint: orders up to {i} are in Kafka")
        if i == crash_after:
            producer.flush(15)
            print(f"crash after order-{i}; last checkpoint was order-{checkpoint}")
            return checkpoint
    producer.flush(15)
    return last


checkpoint = send_orders(1, COUNT, crash_after=CRASH_AFTER)
print(f"-- restarted: a new producer resends everything after order-{checkpoint}")
send_orders(checkpoint + 1, COUNT)
