"""kafka-python port of lessons/01-where-messages-go/examples/lost-ack.py (oracle input).

One lost acknowledgement, default settings: some orders are written twice. The original runs
confluent-kafka as it ships (acks=all, retries on, idempotence off); kafka-python 3 ships with
idempotence on, which would hide the duplicate, so it is turned off here.
"""
import os
import sys
import time

from kafka import KafkaProducer
from kafka.errors import KafkaTimeoutError

TOPIC = "orders"
COUNT = 200


def say(line):
    # Delivery callbacks run on kafka-python's I/O thread: one write per line, never interleaved.
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


producer = KafkaProducer(bootstrap_servers=os.environ["BOOTSTRAP_SERVERS"],
                         acks="all", enable_idempotence=False)  # confluent-kafka's defaults

futures = []
for i in range(1, COUNT + 1):
    order_id = f"order-{i}"
    future = producer.send(TOPIC, value=order_id.encode())
    future.add_callback(lambda md, oid=order_id: say(f"acked {oid} {md.partition} {md.offset}"))
    future.add_errback(lambda exc, oid=order_id: say(f"failed {oid} {type(exc).__name__}"))
    futures.append(future)
    say(f"sent {order_id}")
    time.sleep(0.005)     # a steady trickle of orders, so they go out in many small requests

try:
    producer.flush(15)
except KafkaTimeoutError:   # confluent-kafka's flush() returns what is left; kafka-python raises
    pass
unconfirmed = sum(not f.is_done for f in futures)
say(f"done: {COUNT} sent, {unconfirmed} still unconfirmed")
