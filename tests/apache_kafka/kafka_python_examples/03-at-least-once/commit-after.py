"""kafka-python port of lessons/03-at-least-once/examples/commit-after.py (oracle input).

At-least-once on the consumer side: fill the topic with 200 shipments, then a consumer processes
each one and commits after every 20. It "crashes" after processing shipment 110, before the
commit that would have covered it; a restarted consumer in the same group processes 101-110 again.
The crash is simulated: the first consumer closes without committing anything more.
"""
import os
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, OffsetAndMetadata, TopicPartition
from kafka.errors import KafkaTimeoutError

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"]
TOPIC = "shipments"
COUNT = 200
COMMIT_EVERY = 20
CRASH_AFTER = "shipment-110"
IDLE_SECONDS = 3


def say(line):
    # Delivery callbacks run on kafka-python's I/O thread: one write per line, never interleaved.
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def fill_topic():
    # confluent-kafka's defaults (acks=all, idempotence off); kafka-python 3 would turn idempotence on.
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all", enable_idempotence=False)
    for i in range(1, COUNT + 1):
        shipment_id = f"shipment-{i}"
        future = producer.send(TOPIC, value=shipment_id.encode())
        future.add_callback(lambda md, sid=shipment_id: say(f"acked {sid} {md.partition} {md.offset}"))
        future.add_errback(lambda exc, sid=shipment_id: say(f"failed {sid} {type(exc).__name__}"))
        say(f"sent {shipment_id}")
    try:
        producer.flush(15)
    except KafkaTimeoutError:   # confluent-kafka's flush() just returns what is left
        pass
    producer.close()


def run_consumer(crash_after=None):
    consumer = KafkaConsumer(
        bootstrap_servers=BOOTSTRAP,
        group_id="warehouse",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    # One partition, owned by this instance: assign() it instead of subscribe(), so no rebalance
    # wait. Offsets are still committed to the group, and a restart resumes from them.
    partition = TopicPartition(TOPIC, 0)
    consumer.assign([partition])
    handled = 0
    deadline = time.monotonic() + 10        # the first fetch can take a moment
    while time.monotonic() < deadline:
        # max_records=1: one message per poll, like confluent-kafka's poll()
        records = consumer.poll(timeout_ms=1000, max_records=1).get(partition, [])
        if not records:
            continue
        msg = records[0]
        deadline = time.monotonic() + IDLE_SECONDS   # stop once the topic has been quiet this long
        shipment_id = msg.value.decode()
        say(f"processed {shipment_id}")          # 1. do the work
        if shipment_id == crash_after:
            say(f"crash: {shipment_id} processed but not committed")
            break
        handled += 1
        if handled % COMMIT_EVERY == 0:
            # 2. then record progress; confluent-kafka's commit(message=msg) commits msg's offset + 1
            consumer.commit({partition: OffsetAndMetadata(msg.offset + 1, "", -1)})
    # kafka-python's close() would auto-commit if enable_auto_commit were on; say no explicitly.
    consumer.close(autocommit=False)


fill_topic()
say("-- first instance starts")
run_consumer(crash_after=CRASH_AFTER)
say("-- restarted instance resumes from the committed offset")
run_consumer()
