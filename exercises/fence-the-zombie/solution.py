"""Reference solution: the transactional.id names the shard, not the process.

A replacement takes over its predecessor's shard, so it reuses its predecessor's
transactional.id, and its init_transactions() fences the old instance. Instances on other
shards keep ids of their own and never fence each other.
"""
import os
import sys

from confluent_kafka import KafkaException, Producer

sys.stdout.reconfigure(line_buffering=True)

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"]


def on_delivery(err, msg):
    payment_id = msg.value().decode()
    print(f"failed {payment_id} {err.name()}" if err else f"acked {payment_id} {msg.partition()} {msg.offset()}")


def writer(instance, shard):
    """The payment writer's producer, as each instance of the service creates it.

    `instance` is the process's own name: a new one every time the platform starts a
    process. `shard` is the slice of the payments the process is responsible for; a
    replacement takes over the shard of the instance it replaces.
    """
    return Producer({
        "bootstrap.servers": BOOTSTRAP,
        "transactional.id": f"payment-writer-shard-{shard}",  # stable per shard: a replacement fences its predecessor
    })


def write_batch(producer):
    for i in range(1, 11):
        producer.produce("payments", value=f"payment-{i}", on_delivery=on_delivery)
        print(f"sent payment-{i}")
    producer.flush(10)


a = writer("pod-a", shard=0)
a.init_transactions(10)
a.begin_transaction()
write_batch(a)
print("-- A stalls with its transaction open")

b = writer("pod-b", shard=0)   # replaces A on shard 0
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
