"""kafka-python port of lessons/10-errors-and-recovery/examples/retry-commit.py (oracle input).

100 orders in transactions of 20; replication stalls once the second transaction's orders reach
the leader, so its commit cannot finish for a few seconds. The original waits at most 2 s per
commit_transaction(), gets the retriable _TIMED_OUT, and calls commit_transaction() again, which
waits for the same commit.

Where kafka-python differs, and why this port never retries: kafka-python 3.0.12's
commit_transaction() takes no timeout and waits until the commit has ended (the Java client bounds
it by max.block.ms), so there is no timed-out commit to retry. The retry loop is kept, step for
step, for an error whose `retriable` is true, and is never entered: what kafka-python really does is
wait through the stall. The lesson's counts (100 sent, none failed, 100 in the log, none doubled
or lost) still hold; every commit reports attempt 1.
"""
import os
import sys
import threading

from kafka import KafkaProducer
from kafka.errors import KafkaError

sys.stdout.reconfigure(line_buffering=True)

PRINTING = threading.Lock()

producer = KafkaProducer(
    bootstrap_servers=os.environ["BOOTSTRAP_SERVERS"].split(","),
    transactional_id="order-writer",
    transaction_timeout_ms=30000,   # the coordinator aborts a transaction left open longer than this
)


def say(line):
    """kafka-python runs delivery callbacks on its sender thread: the lock keeps lines whole."""
    with PRINTING:
        print(line)


def commit(first, last):
    """Commit the open transaction, retrying while the error says retrying is right."""
    attempt = 1
    while True:
        try:
            producer.commit_transaction()   # no timeout argument: waits until the commit has ended
            say(f"-- committed {first} .. {last} (attempt {attempt})")
            return
        except KafkaError as exc:
            if exc.retriable:
                say(f"-- commit of {first} .. {last}: {type(exc).__name__} (retriable): same commit again")
                attempt += 1
                continue
            raise   # abortable or fatal: not this example's case (see abort-and-retry and zombie-fencing)


producer.init_transactions()
for start in range(1, 101, 20):
    orders = [f"order-{i}" for i in range(start, start + 20)]
    producer.begin_transaction()
    for order_id in orders:
        future = producer.send("orders", value=order_id.encode())
        future.add_callback(lambda md, o=order_id: say(f"acked {o} {md.partition} {md.offset}"))
        future.add_errback(lambda exc, o=order_id: say(f"failed {o} {type(exc).__name__}"))
        say(f"sent {order_id}")
    commit(orders[0], orders[-1])
producer.close(5)
