"""The same restart, with a transactional.id: the resend is safe.

The application from `restart-resend`, changed in two places. Its producer has a
transactional.id that stays the same across restarts, and each checkpoint is a
transaction commit: orders 1-50 in one transaction, 51-100 in the next.

It dies after order 80, with the second transaction open: orders 51-80 are in the
log, uncommitted. The restarted application creates its producer with the SAME
transactional.id. Its init_transactions() bumps the epoch and aborts what the old
instance left open, so orders 51-80 of the first attempt are never shown to a
read_committed reader. Then it sends everything after the last checkpoint again,
in a new transaction. The crash is simulated: the first producer is flushed and
abandoned with its transaction open, the way a process that died would leave it.
"""
import os
import sys

from confluent_kafka import Producer

sys.stdout.reconfigure(line_buffering=True)

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"]
TOPIC = "orders"
COUNT = 100
CHECKPOINT_EVERY = 50
CRASH_AFTER = 80
abandoned = []   # keeps the crashed instance's producer alive: a dead process sends no abort


def on_delivery(err, msg):
    order_id = msg.value().decode()
    if err is not None:
        print(f"failed {order_id} {err.name()}")
    else:
        print(f"acked {order_id} {msg.partition()} {msg.offset()}")


def send_orders(first, last, crash_after=None):
    """Send orders first..last, one transaction per checkpoint; return the last checkpoint."""
    producer = Producer({
        "bootstrap.servers": BOOTSTRAP,
        "transactional.id": "order-sender",   # the same in every run of this application
    })
    producer.init_transactions(10)            # aborts whatever an earlier instance left open
    checkpoint = first - 1
    producer.begin_transaction()
    for i in range(first, last + 1):
        order_id = f"order-{i}"
        producer.produce(TOPIC, value=order_id, on_delivery=on_delivery)
        print(f"sent {order_id}")
        if i % CHECKPOINT_EVERY == 0:
            producer.commit_transaction(10)   # the checkpoint: these orders now count
            checkpoint = i
            print(f"checkpoint: orders up to {i} are committed")
            if i < last:
                producer.begin_transaction()
        if i == crash_after:
            producer.flush(15)                # written and acknowledged, but not committed
            print(f"crash after order-{i}; last checkpoint was order-{checkpoint}")
            abandoned.append(producer)
            return checkpoint
    return last


checkpoint = send_orders(1, COUNT, crash_after=CRASH_AFTER)
print(f"-- restarted with the same transactional.id: resending everything after order-{checkpoint}")
send_orders(checkpoint + 1, COUNT)
