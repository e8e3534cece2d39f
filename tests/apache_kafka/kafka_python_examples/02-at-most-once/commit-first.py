"""kafka-python port of lessons/02-at-most-once/examples/commit-first.py (oracle input).

At-most-once on the consumer side: fill the topic with 200 payments, then a consumer commits
each batch BEFORE processing it and "crashes" right after one of those commits; a restarted
consumer in the same group resumes from the committed offset, so that batch is never processed.
The crash is simulated: the first consumer closes without committing anything more.
"""
import os
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaTimeoutError

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"]
TOPIC = "payments"
COUNT = 200
CRASH_ON = "payment-100"   # the first instance dies in the batch holding this payment
IDLE_SECONDS = 3           # a consumer stops once the topic has been quiet this long


def say(line):
    # Delivery callbacks run on kafka-python's I/O thread: one write per line, never interleaved.
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def fill_topic():
    # confluent-kafka's defaults (acks=all, idempotence off); kafka-python 3 would turn idempotence on.
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all", enable_idempotence=False)
    for i in range(1, COUNT + 1):
        payment_id = f"payment-{i}"
        future = producer.send(TOPIC, value=payment_id.encode())
        future.add_callback(lambda md, pid=payment_id: say(f"acked {pid} {md.partition} {md.offset}"))
        future.add_errback(lambda exc, pid=payment_id: say(f"failed {pid} {type(exc).__name__}"))
        say(f"sent {payment_id}")
    try:
        producer.flush(15)
    except KafkaTimeoutError:   # confluent-kafka's flush() just returns what is left
        pass
    producer.close()


def run_consumer(crash_on=None):
    consumer = KafkaConsumer(
        bootstrap_servers=BOOTSTRAP,
        group_id="billing",
        enable_auto_commit=False,      # we commit ourselves ...
        auto_offset_reset="earliest",
    )
    # One partition, owned by this instance: assign() it instead of subscribe(), so no rebalance
    # wait. Offsets are still committed to the group, and a restart resumes from them.
    consumer.assign([TopicPartition(TOPIC, 0)])
    deadline = time.monotonic() + 10        # the first fetch can take a moment
    while time.monotonic() < deadline:
        records = consumer.poll(timeout_ms=1000, max_records=20)
        batch = [r for rs in records.values() for r in rs]
        if not batch:
            continue
        deadline = time.monotonic() + IDLE_SECONDS
        consumer.commit()   # ... and we commit BEFORE processing (the position after this batch)
        ids = [r.value.decode() for r in batch]
        if crash_on in ids:
            say(f"crash: {len(ids)} payments committed but never processed ({ids[0]} .. {ids[-1]})")
            break
        for payment_id in ids:
            say(f"processed {payment_id}")
    # kafka-python's close() would auto-commit if enable_auto_commit were on; say no explicitly.
    consumer.close(autocommit=False)


fill_topic()
say("-- first instance starts")
run_consumer(crash_on=CRASH_ON)
say("-- restarted instance resumes from the committed offset")
run_consumer()
