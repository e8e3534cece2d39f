"""Exercise: abort, then try again.

An order writer sends 200 orders in transactions of 20. While it runs, replication
stalls for a few seconds (the scenario pauses it, then resumes it). With acks=all the
leader cannot confirm anything meanwhile, one transaction's messages time out, and
commit_transaction() raises.

Right now the writer treats every error as the end and stops, so most orders are never
written. Tell the errors apart: after a fatal error (this producer is finished, for
example fenced) the writer must still stop, but an abortable one means: abort the
transaction and send its orders again in a new one. Then run
`course check abort-and-retry`.
"""
import os
import sys

from confluent_kafka import KafkaException, Producer

sys.stdout.reconfigure(line_buffering=True)

producer = Producer({
    "bootstrap.servers": os.environ["BOOTSTRAP_SERVERS"],
    "transactional.id": "order-writer",
    "message.timeout.ms": 3000,   # a message not confirmed within 3 s fails its transaction
})


def on_delivery(err, msg):
    order_id = msg.value().decode()
    print(f"failed {order_id} {err.name()}" if err else f"acked {order_id} {msg.partition()} {msg.offset()}")


def write_transaction(orders):
    producer.begin_transaction()
    for order_id in orders:
        producer.produce("orders", value=order_id, on_delivery=on_delivery)
        print(f"sent {order_id}")
    producer.commit_transaction(30)   # flushes, then commits; raises if the transaction failed


producer.init_transactions(10)
for first in range(1, 201, 20):
    orders = [f"order-{i}" for i in range(first, first + 20)]
    try:
        write_transaction(orders)
        print(f"-- committed {orders[0]} .. {orders[-1]}")
    except KafkaException as exc:
        err = exc.args[0]
        print(f"-- transaction failed: {err.name()}: {err.str()}; stopping")
        break
