"""kafka-python port of lessons/05-idempotent-producer/examples/idempotent-retries.py (oracle input).

The lost acknowledgements of lesson 3 with an idempotent producer: the producer has a producer
id and numbers its batches, so when a retried batch reaches the leader a second time the leader
recognises its sequence number and writes nothing.
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
    # Already kafka-python 3's default (not confluent-kafka's), spelled out. It requires acks=all,
    # retries > 0 and max_in_flight_requests_per_connection <= 5, the defaults.
    enable_idempotence=True,
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
