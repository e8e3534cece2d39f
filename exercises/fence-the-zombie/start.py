"""Exercise: fence the zombie.

Two instances of the payment writer handle the same batch of payments 1-10. The old
instance, A, opens a transaction, writes the batch, then stalls (a long pause, a
network partition). Its replacement, B, starts, writes the same batch and commits.
Then A wakes up and commits too.

Right now both commits succeed and every payment is in the log twice. Change how the
two producers are configured so that B's start makes A's commit impossible. Then run
`course check fence-the-zombie`.
"""
import os
import sys

from confluent_kafka import KafkaException, Producer

sys.stdout.reconfigure(line_buffering=True)

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"]


def on_delivery(err, msg):
    payment_id = msg.value().decode()
    print(f"failed {payment_id} {err.name()}" if err else f"acked {payment_id} {msg.partition()} {msg.offset()}")


def writer(instance):
    """The payment writer's producer, as each instance of the service creates it."""
    return Producer({
        "bootstrap.servers": BOOTSTRAP,
        "transactional.id": f"payment-writer-{instance}",
    })


def write_batch(producer):
    for i in range(1, 11):
        producer.produce("payments", value=f"payment-{i}", on_delivery=on_delivery)
        print(f"sent payment-{i}")
    producer.flush(10)


a = writer("a")
a.init_transactions(10)
a.begin_transaction()
write_batch(a)
print("-- A stalls with its transaction open")

b = writer("b")
b.init_transactions(10)
b.begin_transaction()
write_batch(b)
b.commit_transaction(10)
print("-- B committed the batch")

try:
    a.commit_transaction(10)
    print("-- A woke up and committed the batch as well")
except KafkaException as exc:
    print(f"-- A woke up and could not commit: {exc.args[0].name()}")
