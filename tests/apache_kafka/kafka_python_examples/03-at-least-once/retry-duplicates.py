"""kafka-python port of lessons/03-at-least-once/examples/retry-duplicates.py (oracle input).

At-least-once on the producer side: acks=all, retries on, idempotence off. The scenario drops one
Produce request unapplied (the retry fills the gap) and later applies one and loses its answer
(the retry writes that batch a second time).
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


producer = KafkaProducer(
    bootstrap_servers=os.environ["BOOTSTRAP_SERVERS"],
    acks="all",                  # wait until every in-sync replica has it
    retries=2147483647,          # retry until delivery_timeout_ms runs out
    delivery_timeout_ms=30000,   # the client-side limit for one message, retries included
    enable_idempotence=False,    # on by default in kafka-python 3 (off in confluent-kafka): turn it off
)

futures = []
for i in range(1, COUNT + 1):
    order_id = f"order-{i}"
    future = producer.send(TOPIC, value=order_id.encode())
    future.add_callback(lambda md, oid=order_id: say(f"acked {oid} {md.partition} {md.offset}"))
    future.add_errback(lambda exc, oid=order_id: say(f"failed {oid} {type(exc).__name__}"))
    futures.append(future)
    say(f"sent {order_id}")
    time.sleep(0.005)

try:
    producer.flush(20)
except KafkaTimeoutError:   # confluent-kafka's flush() returns what is left; kafka-python raises
    pass
unconfirmed = sum(not f.is_done for f in futures)
say(f"done: {COUNT} sent, {unconfirmed} still unconfirmed")
