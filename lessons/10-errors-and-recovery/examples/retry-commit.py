"""A commit that times out is retried, not abandoned: every order is committed once.

An order writer commits 100 orders in transactions of 20, waiting at most 2 s for each
commit_transaction(). Once the second transaction's orders reach the leader, the
followers stop fetching for a few seconds. acks=all cannot be answered, so that commit
cannot finish in 2 s: commit_transaction() raises _TIMED_OUT, an error whose
retriable() is true.

Retriable means: call the same thing again. The commit keeps going in the background,
and calling commit_transaction() again waits for that same commit and reports how it
ended. The writer does exactly that; it neither aborts nor sends the orders again.
"""
import os
import sys

from confluent_kafka import KafkaException, Producer

sys.stdout.reconfigure(line_buffering=True)

producer = Producer({
    "bootstrap.servers": os.environ["BOOTSTRAP_SERVERS"],
    "transactional.id": "order-writer",
    "transaction.timeout.ms": 30000,   # the coordinator aborts a transaction left open longer than this
})


def on_delivery(err, msg):
    order_id = msg.value().decode()
    print(f"failed {order_id} {err.name()}" if err else f"acked {order_id} {msg.partition()} {msg.offset()}")


def commit(first, last):
    """Commit the open transaction, retrying while the error says retrying is right."""
    attempt = 1
    while True:
        try:
            producer.commit_transaction(2)   # a short wait on purpose; -1 would wait up to the transaction timeout
            print(f"-- committed {first} .. {last} (attempt {attempt})")
            return
        except KafkaException as exc:
            err = exc.args[0]
            if err.retriable():
                print(f"-- commit of {first} .. {last}: {err.name()} (retriable): same commit again")
                attempt += 1
                continue
            raise   # abortable or fatal: not this example's case (see abort-and-retry and zombie-fencing)


producer.init_transactions(10)
for start in range(1, 101, 20):
    orders = [f"order-{i}" for i in range(start, start + 20)]
    producer.begin_transaction()
    for order_id in orders:
        producer.produce("orders", value=order_id, on_delivery=on_delivery)
        print(f"sent {order_id}")
    commit(orders[0], orders[-1])
