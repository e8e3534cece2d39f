"""A full producer queue: produce() refuses a message at once, and the application waits for room.

An order service writes 300 orders with acks=all. Its producer may hold at most 50
undelivered messages (queue.buffering.max.messages, default 100000). After 20 orders
the followers stop fetching for a few seconds: the leader cannot confirm anything,
the 50 places fill up, and confluent-kafka's produce() raises BufferError instead of
blocking.

The service treats that as back-pressure, not as a failed order: it serves delivery
reports with poll() (which is what frees places) and offers the same order again.
It gives up on an order only after 20 s without room, the way the Java producer
gives up after max.block.ms.
"""
import os
import sys
import time

from confluent_kafka import Producer

sys.stdout.reconfigure(line_buffering=True)

MAX_WAIT = 20.0   # seconds without room before an order counts as failed (Java: max.block.ms, default 60000)

producer = Producer({
    "bootstrap.servers": os.environ["BOOTSTRAP_SERVERS"],
    "enable.idempotence": True,              # acks=all, and retries that cannot duplicate
    "queue.buffering.max.messages": 50,      # tiny on purpose, so that a short stall fills it
    "message.timeout.ms": 60000,             # the stall must not fail the messages already queued
})


def on_delivery(err, msg):
    order_id = msg.value().decode()
    print(f"failed {order_id} {err.name()}" if err else f"acked {order_id} {msg.partition()} {msg.offset()}")


def send(order_id):
    """Offer one order until the queue takes it; False if it never found room."""
    waited_since = None
    while True:
        try:
            producer.produce("orders", value=order_id, on_delivery=on_delivery)
        except BufferError:
            if waited_since is None:
                waited_since = time.monotonic()
                print(f"-- queue full at {order_id} ({len(producer)} messages waiting): waiting for room")
            elif time.monotonic() - waited_since > MAX_WAIT:
                return False
            producer.poll(0.5)   # delivery reports free places; without poll() nothing is ever freed
            continue
        if waited_since is not None:
            print(f"-- {order_id} accepted after {time.monotonic() - waited_since:.1f} s")
        print(f"sent {order_id}")
        return True


for i in range(1, 301):
    order_id = f"order-{i}"
    if not send(order_id):
        print(f"failed {order_id} QUEUE_FULL")   # the application's decision: report it, do not drop it silently
    producer.poll(0)
    time.sleep(0.01)
left = producer.flush(30)
print(f"-- {left} messages still undelivered at the end")
