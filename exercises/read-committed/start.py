"""Exercise: read only what was committed.

A transactional writer puts 200 orders on "orders", 20 per transaction. Twice it
changes its mind: once it cancels a transaction of draft orders, and once a
transaction fails a check after sending, is aborted, and its orders are sent again in
a new transaction. Aborted records stay in the log; only the commit decides whether
they count.

Then the audit reader reads "orders" from the beginning and processes every order it
gets. It was set up like the Java audit service it replaces. Right now it processes
orders that were never committed, and some orders twice. Make the reader process
exactly the committed orders, each once. Then run `course check read-committed`.
"""
import os
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition

sys.stdout.reconfigure(line_buffering=True)

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"]


def on_delivery(err, msg):
    order_id = msg.value().decode()
    print(f"failed {order_id} {err.name()}" if err else f"acked {order_id} {msg.partition()} {msg.offset()}")


def send(producer, values):
    for value in values:
        producer.produce("orders", value=value, on_delivery=on_delivery)
        print(f"sent {value}")
    producer.flush(10)  # in the log now, decided later


def write_orders():
    producer = Producer({"bootstrap.servers": BOOTSTRAP, "transactional.id": "order-writer"})
    producer.init_transactions(10)
    for first in range(1, 201, 20):
        orders = [f"order-{i}" for i in range(first, first + 20)]
        if first == 41:  # this attempt fails a check after sending: abort it, send it again
            producer.begin_transaction()
            send(producer, orders)
            producer.abort_transaction(10)
            print(f"-- aborted {orders[0]} .. {orders[-1]}; sending them again")
        if first == 101:  # a batch of drafts, cancelled before it was ever committed
            producer.begin_transaction()
            send(producer, [f"draft-{i}" for i in range(1, 21)])
            producer.abort_transaction(10)
            print("-- aborted draft-1 .. draft-20")
        producer.begin_transaction()
        send(producer, orders)
        producer.commit_transaction(10)
        print(f"-- committed {orders[0]} .. {orders[-1]}")


def audit():
    reader = Consumer({
        "bootstrap.servers": BOOTSTRAP,
        "group.id": "audit",
        "enable.auto.commit": False,
        "isolation.level": "read_uncommitted",  # as in the Java audit service, where it is the default
    })
    reader.assign([TopicPartition("orders", 0, OFFSET_BEGINNING)])
    quiet_until = time.monotonic() + 10
    while time.monotonic() < quiet_until:
        msg = reader.poll(0.5)
        if msg is None or msg.error() is not None:
            continue
        quiet_until = time.monotonic() + 3
        print(f"processed {msg.value().decode()}")
    reader.close()


write_orders()
print("-- the audit reader starts")
audit()
