"""Two producers with the same transactional.id: the older one is fenced.

Producer A opens a transaction, writes 10 payments and then stalls (think of a long
garbage-collection pause, or a network partition). Meanwhile a replacement,
producer B, starts with the same transactional.id. B's init_transactions() bumps
the producer epoch and aborts A's open transaction. When A wakes up and tries to
commit, its request carries the old epoch, and the cluster refuses it.
"""
import os
import sys

from confluent_kafka import KafkaException, Producer

sys.stdout.reconfigure(line_buffering=True)

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"]
TOPIC = "payments"
TXN_ID = "payment-writer"


def on_delivery(err, msg):
    payment_id = msg.value().decode()
    if err is not None:
        print(f"failed {payment_id} {err.name()}")
    else:
        print(f"acked {payment_id} {msg.partition()} {msg.offset()}")


def send(producer, first, last):
    for i in range(first, last + 1):
        payment_id = f"payment-{i}"
        producer.produce(TOPIC, value=payment_id, on_delivery=on_delivery)
        print(f"sent {payment_id}")
    producer.flush(10)


a = Producer({"bootstrap.servers": BOOTSTRAP, "transactional.id": TXN_ID})
a.init_transactions(10)
a.begin_transaction()
send(a, 1, 10)
print("A stalls with its transaction open")

b = Producer({"bootstrap.servers": BOOTSTRAP, "transactional.id": TXN_ID})
b.init_transactions(10)            # fences A and aborts A's open transaction
print("B has taken over the transactional.id")
b.begin_transaction()
send(b, 11, 20)
b.commit_transaction(10)
print("B committed payments 11-20")

print("A wakes up and tries to commit its transaction")
try:
    a.commit_transaction(10)
    print("A committed (this should not happen)")
except KafkaException as e:
    err = e.args[0]
    print(f"A cannot commit: {err.name()} (fatal={err.fatal()}); A must close")
    # A fatal error is final: every later call on A fails the same way. Its payments
    # 1-10 were aborted when B took over; no read_committed reader will ever see them.
