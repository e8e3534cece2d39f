"""At-most-once on the consumer side: commit the batch, then process it.

Step 1 fills the topic with 200 payments. Step 2 is a consumer that commits each
batch *before* processing it, and crashes right after one of those commits.
Step 3 restarts it in the same group: it resumes from the committed offset.

The crash is simulated inside this script (a real crash would end the script):
the first instance stops without processing the batch it has just committed and
closes its consumer. With enable.auto.commit=false, close() commits nothing, so
the group's committed offset is exactly what a crashed process leaves behind.
"""
import os
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition

sys.stdout.reconfigure(line_buffering=True)

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"]
TOPIC = "payments"
COUNT = 200
CRASH_ON = "payment-100"   # the first instance dies in the batch holding this payment
IDLE_SECONDS = 3           # a consumer stops once the topic has been quiet this long


def fill_topic():
    producer = Producer({"bootstrap.servers": BOOTSTRAP})

    def on_delivery(err, msg):
        payment_id = msg.value().decode()
        if err is not None:
            print(f"failed {payment_id} {err.name()}")
        else:
            print(f"acked {payment_id} {msg.partition()} {msg.offset()}")

    for i in range(1, COUNT + 1):
        payment_id = f"payment-{i}"
        producer.produce(TOPIC, value=payment_id, on_delivery=on_delivery)
        print(f"sent {payment_id}")
    producer.flush(15)


def run_consumer(crash_on=None):
    consumer = Consumer({
        "bootstrap.servers": BOOTSTRAP,
        "group.id": "billing",
        "enable.auto.commit": False,      # we commit ourselves ...
        "auto.offset.reset": "earliest",
    })
    # The topic has one partition and this instance owns it: assign() it directly
    # instead of subscribe(), so the example never waits for a group rebalance.
    # Offsets are still committed to the group, and a restart resumes from them.
    consumer.assign([TopicPartition(TOPIC, 0)])
    deadline = time.monotonic() + 10        # the first fetch can take a moment
    while time.monotonic() < deadline:
        batch = [m for m in consumer.consume(num_messages=20, timeout=1.0) if m.error() is None]
        if not batch:
            continue
        deadline = time.monotonic() + IDLE_SECONDS
        consumer.commit(asynchronous=False)   # ... and we commit BEFORE processing
        ids = [m.value().decode() for m in batch]
        if crash_on in ids:
            print(f"crash: {len(ids)} payments committed but never processed ({ids[0]} .. {ids[-1]})")
            break
        for payment_id in ids:
            print(f"processed {payment_id}")
    consumer.close()


fill_topic()
print("-- first instance starts")
run_consumer(crash_on=CRASH_ON)
print("-- restarted instance resumes from the committed offset")
run_consumer()
