"""kafka-python port of lessons/04-acks-and-replication/examples/acks-one-failover.py (oracle input).

acks=1 when the leader dies with unreplicated data: the scenario pauses replication, stops the
leader once orders are in its log, and resumes replication later. The original leaves
idempotence at confluent-kafka's default (off); kafka-python 3 turns it on by default (and refuses
it with acks=1); it is turned off here, so both clients send the same, unnumbered batches.
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
    acks=1,  # the leader answers as soon as it has written the batch itself
    enable_idempotence=False,  # confluent-kafka's default
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
    producer.flush(30)
except KafkaTimeoutError:   # confluent-kafka's flush() returns what is left; kafka-python raises
    pass
unconfirmed = sum(not f.is_done for f in futures)
say(f"done: {COUNT} sent, {unconfirmed} still unconfirmed")
