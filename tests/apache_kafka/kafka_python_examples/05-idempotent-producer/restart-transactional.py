"""kafka-python port of lessons/05-idempotent-producer/examples/restart-transactional.py (oracle input).

The restart of `restart-resend` with a transactional_id that stays the same across restarts and
one transaction per checkpoint. The first instance dies after order 80 with its second
transaction open; the restart's init_transactions() (same transactional_id) bumps the epoch and
aborts that transaction, so a read_committed reader never sees the first attempt at 51-80.
The crash is simulated: the first producer is flushed and abandoned with its transaction open.
"""
import os
import sys

from kafka import KafkaProducer
from kafka.errors import KafkaTimeoutError

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"]
TOPIC = "orders"
COUNT = 100
CHECKPOINT_EVERY = 50
CRASH_AFTER = 80
abandoned = []   # keeps the crashed instance's producer alive: a dead process sends no abort


def say(line):
    # Delivery callbacks run on kafka-python's I/O thread: one write per line, never interleaved.
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def send_orders(first, last, crash_after=None):
    """Send orders first..last, one transaction per checkpoint; return the last checkpoint."""
    producer = KafkaProducer(
        bootstrap_servers=BOOTSTRAP,
        transactional_id="order-sender",   # the same in every run of this application
        max_block_ms=10000,   # init_transactions() waits this long (confluent-kafka: its argument)
    )
    producer.init_transactions()             # aborts whatever an earlier instance left open
    checkpoint = first - 1
    producer.begin_transaction()
    for i in range(first, last + 1):
        order_id = f"order-{i}"
        future = producer.send(TOPIC, value=order_id.encode())
        future.add_callback(lambda md, oid=order_id: say(f"acked {oid} {md.partition} {md.offset}"))
        future.add_errback(lambda exc, oid=order_id: say(f"failed {oid} {type(exc).__name__}"))
        say(f"sent {order_id}")
        if i % CHECKPOINT_EVERY == 0:
            producer.commit_transaction()     # the checkpoint: these orders now count
            checkpoint = i
            say(f"checkpoint: orders up to {i} are committed")
            if i < last:
                producer.begin_transaction()
        if i == crash_after:
            try:
                producer.flush(15)            # written and acknowledged, but not committed
            except KafkaTimeoutError:         # confluent-kafka's flush() just returns what is left
                pass
            say(f"crash after order-{i}; last checkpoint was order-{checkpoint}")
            abandoned.append(producer)
            return checkpoint
    return last


checkpoint = send_orders(1, COUNT, crash_after=CRASH_AFTER)
say(f"-- restarted with the same transactional_id: resending everything after order-{checkpoint}")
send_orders(checkpoint + 1, COUNT)
