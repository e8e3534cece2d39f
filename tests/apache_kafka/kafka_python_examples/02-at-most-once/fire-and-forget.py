"""kafka-python port of lessons/02-at-most-once/examples/fire-and-forget.py (oracle input).

At-most-once on the producer side: acks=0, no retries. The scenario throws three Produce
requests away; with acks=0 the broker never answers anyway, so every future resolves as
delivered, with offset -1 ("unknown").
"""
import os
import sys
import time

from kafka import KafkaProducer
from kafka.errors import KafkaTimeoutError

TOPIC = "clicks"
COUNT = 200


def say(line):
    # Delivery callbacks run on kafka-python's I/O thread: one write per line, never interleaved.
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


producer = KafkaProducer(
    bootstrap_servers=os.environ["BOOTSTRAP_SERVERS"],
    acks=0,                    # don't wait for any answer from the broker
    retries=0,                 # and never send anything twice
    enable_idempotence=False,  # on by default in kafka-python 3, and refused with acks=0
)


def on_acked(click_id, md):
    # With acks=0 kafka-python reports offset -1: the broker never said where (or whether) it wrote it.
    say(f"acked {click_id} {md.partition} {md.offset if md.offset >= 0 else -1}")


futures = []
for i in range(1, COUNT + 1):
    click_id = f"click-{i}"
    future = producer.send(TOPIC, value=click_id.encode())
    future.add_callback(on_acked, click_id)
    future.add_errback(lambda exc, cid=click_id: say(f"failed {cid} {type(exc).__name__}"))
    futures.append(future)
    say(f"sent {click_id}")
    time.sleep(0.005)

try:
    producer.flush(15)
except KafkaTimeoutError:   # confluent-kafka's flush() returns what is left; kafka-python raises
    pass
unconfirmed = sum(not f.is_done for f in futures)
say(f"done: {COUNT} sent, {unconfirmed} still unconfirmed, no errors reported")
