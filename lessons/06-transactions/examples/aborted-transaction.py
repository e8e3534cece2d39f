"""What readers see: a committed, an aborted and an open transaction.

One transactional producer writes three transactions of 50 orders each, spread
over the two partitions of "orders" by key: the first is committed, the second
aborted, the third committed. Then it opens a fourth and leaves it open while an
ordinary (non-transactional) producer writes 10 notes to the same partitions.

After each step, two readers count what they can see: one with
isolation.level=read_uncommitted, one with read_committed.
"""
import os
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition

sys.stdout.reconfigure(line_buffering=True)

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"]
TOPIC = "orders"
PARTITIONS = [0, 1]


def on_delivery(err, msg):
    record_id = msg.value().decode()
    if err is not None:
        print(f"failed {record_id} {err.name()}")
    else:
        print(f"acked {record_id} {msg.partition()} {msg.offset()}")


def count_visible(isolation):
    """Read both partitions from the start and count the records this reader gets."""
    reader = Consumer({
        "bootstrap.servers": BOOTSTRAP,
        "group.id": f"reader-{isolation}",   # required, but we assign partitions ourselves
        "enable.auto.commit": False,
        "isolation.level": isolation,
        "enable.partition.eof": True,        # tell us when a partition has nothing more for us
    })
    reader.assign([TopicPartition(TOPIC, p, OFFSET_BEGINNING) for p in PARTITIONS])
    seen, at_end, last_event = 0, set(), time.monotonic()
    while len(at_end) < len(PARTITIONS) and time.monotonic() - last_event < 3:
        msg = reader.poll(0.5)
        if msg is None:
            continue
        last_event = time.monotonic()
        if msg.error() is None:
            seen += 1
        elif msg.error().code() == KafkaError._PARTITION_EOF:
            at_end.add(msg.partition())
    reader.close()
    return seen


def show(step):
    print(f"{step}: read_uncommitted sees {count_visible('read_uncommitted')}, "
          f"read_committed sees {count_visible('read_committed')}")


producer = Producer({"bootstrap.servers": BOOTSTRAP, "transactional.id": "order-writer"})
producer.init_transactions(10)


def transaction(first, last):
    producer.begin_transaction()
    for i in range(first, last + 1):
        order_id = f"order-{i}"
        producer.produce(TOPIC, key=order_id, value=order_id, on_delivery=on_delivery)
        print(f"sent {order_id}")
    producer.flush(10)   # every record is in the log now, inside the open transaction


transaction(1, 50)
producer.commit_transaction(10)
transaction(51, 100)
producer.abort_transaction(10)     # orders 51-100 stay in the log, marked aborted
transaction(101, 150)
producer.commit_transaction(10)
show("after commit, abort, commit")

transaction(151, 160)              # a fourth transaction, left open for now
notes = Producer({"bootstrap.servers": BOOTSTRAP})
for i in range(1, 11):
    note_id = f"note-{i}"
    notes.produce(TOPIC, key=note_id, value=note_id, on_delivery=on_delivery)
    print(f"sent {note_id}")
notes.flush(10)
show("with a transaction open and 10 plain notes behind it")

producer.commit_transaction(10)
show("after the fourth transaction commits")
