"""kafka-python port of lessons/06-transactions/examples/aborted-transaction.py (oracle input).

One transactional producer writes three transactions of 50 orders, keyed over the two partitions
of "orders": committed, aborted, committed. Then it leaves a fourth open while a plain producer
writes 10 notes. After each step a read_uncommitted and a read_committed reader count what they see.
kafka-python hashes keys with murmur2 (the Java client's partitioner), confluent-kafka with CRC32:
the orders spread differently over the two partitions, the counts are the same.
"""
import os
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaTimeoutError

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"]
TOPIC = "orders"
PARTITIONS = [TopicPartition(TOPIC, p) for p in (0, 1)]


def say(line):
    # Delivery callbacks run on kafka-python's I/O thread: one write per line, never interleaved.
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def send(producer, record_id):
    future = producer.send(TOPIC, key=record_id.encode(), value=record_id.encode())
    future.add_callback(lambda md: say(f"acked {record_id} {md.partition} {md.offset}"))
    future.add_errback(lambda exc: say(f"failed {record_id} {type(exc).__name__}"))
    say(f"sent {record_id}")


def flush(producer, timeout):
    try:
        producer.flush(timeout)
    except KafkaTimeoutError:   # confluent-kafka's flush() returns what is left; kafka-python raises
        pass


def count_visible(isolation):
    """Read both partitions from the start and count the records this reader gets."""
    reader = KafkaConsumer(
        bootstrap_servers=BOOTSTRAP,
        group_id=f"reader-{isolation}",   # we assign partitions ourselves and never commit
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level=isolation,
    )
    reader.assign(PARTITIONS)
    reader.seek_to_beginning(*PARTITIONS)
    # kafka-python has no partition-EOF event: a partition is read to its end when the position
    # reaches the end offset this reader's isolation level sees (the last stable offset for
    # read_committed, the high watermark otherwise).
    end = reader.end_offsets(PARTITIONS)
    seen, last_event = 0, time.monotonic()
    while (any(reader.position(tp) < end[tp] for tp in PARTITIONS)
           and time.monotonic() - last_event < 3):
        records = reader.poll(timeout_ms=500)
        if records:
            last_event = time.monotonic()
            seen += sum(len(rs) for rs in records.values())
    reader.close(autocommit=False)
    return seen


def show(step):
    say(f"{step}: read_uncommitted sees {count_visible('read_uncommitted')}, "
        f"read_committed sees {count_visible('read_committed')}")


producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, transactional_id="order-writer",
                         max_block_ms=10000)   # init_transactions() waits this long
producer.init_transactions()


def transaction(first, last):
    producer.begin_transaction()
    for i in range(first, last + 1):
        send(producer, f"order-{i}")
    flush(producer, 10)   # every record is in the log now, inside the open transaction


transaction(1, 50)
producer.commit_transaction()
transaction(51, 100)
producer.abort_transaction()       # orders 51-100 stay in the log, marked aborted
transaction(101, 150)
producer.commit_transaction()
show("after commit, abort, commit")

transaction(151, 160)              # a fourth transaction, left open for now
# confluent-kafka's plain producer (acks=all, idempotence off); kafka-python 3 would number its batches
notes = KafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all", enable_idempotence=False)
for i in range(1, 11):
    send(notes, f"note-{i}")
flush(notes, 10)
show("with a transaction open and 10 plain notes behind it")

producer.commit_transaction()
show("after the fourth transaction commits")
