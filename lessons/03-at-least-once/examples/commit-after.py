"""At-least-once on the consumer side: process first, commit afterwards.

Step 1 fills the topic with 200 shipments. Step 2 is a consumer that processes
each message and commits after every 20. It crashes after processing shipment 110,
before the commit that would have covered it. Step 3 restarts it in the same group.

As in lesson 2, the crash is simulated inside the script: the first instance stops
and closes its consumer; with enable.auto.commit=false, close() commits nothing.
"""
import os
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition

sys.stdout.reconfigure(line_buffering=True)

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"]
TOPIC = "shipments"
COUNT = 200
COMMIT_EVERY = 20
CRASH_AFTER = "shipment-110"
IDLE_SECONDS = 3


def fill_topic():
    producer = Producer({"bootstrap.servers": BOOTSTRAP})

    def on_delivery(err, msg):
        shipment_id = msg.value().decode()
        if err is not None:
            print(f"failed {shipment_id} {err.name()}")
        else:
            print(f"acked {shipment_id} {msg.partition()} {msg.offset()}")

    for i in range(1, COUNT + 1):
        shipment_id = f"shipment-{i}"
        producer.produce(TOPIC, value=shipment_id, on_delivery=on_delivery)
        print(f"sent {shipment_id}")
    producer.flush(15)


def run_consumer(crash_after=None):
    consumer = Consumer({
        "bootstrap.servers": BOOTSTRAP,
        "group.id": "warehouse",
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
    })
    # The topic has one partition and this instance owns it: assign() it directly
    # instead of subscribe(), so the example never waits for a group rebalance.
    # Offsets are still committed to the group, and a restart resumes from them.
    consumer.assign([TopicPartition(TOPIC, 0)])
    handled = 0
    deadline = time.monotonic() + 10        # the first fetch can take a moment
    while time.monotonic() < deadline:
        msg = consumer.poll(1.0)
        if msg is None or msg.error() is not None:
            continue
        deadline = time.monotonic() + IDLE_SECONDS   # stop once the topic has been quiet this long
        shipment_id = msg.value().decode()
        print(f"processed {shipment_id}")          # 1. do the work
        if shipment_id == crash_after:
            print(f"crash: {shipment_id} processed but not committed")
            break
        handled += 1
        if handled % COMMIT_EVERY == 0:
            consumer.commit(message=msg, asynchronous=False)   # 2. then record progress
    consumer.close()


fill_topic()
print("-- first instance starts")
run_consumer(crash_after=CRASH_AFTER)
print("-- restarted instance resumes from the committed offset")
run_consumer()
