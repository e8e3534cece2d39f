"""kafka-python port of lessons/05-idempotent-producer/examples/restart-resend.py (oracle input).

Idempotence ends where the producer instance ends: an application checkpoints every 50 orders,
dies after order 80, and its restart opens a NEW idempotent producer (a new producer id, sequence
numbers from zero) that resends 51-100, so the broker cannot see that 51-80 are repeats.
The crash is simulated: the first producer is flushed and closed, as a process that died right
after its last send would leave the log.
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


def say(line):
    # Delivery callbacks run on kafka-python's I/O thread: one write per line, never interleaved.
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def flush(producer, timeout):
    try:
        producer.flush(timeout)
    except KafkaTimeoutError:   # confluent-kafka's flush() returns what is left; kafka-python raises
        pass


def send_orders(first, last, crash_after=None):
    """Send orders first..last; return the last checkpoint reached."""
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, enable_idempotence=True)
    checkpoint = first - 1
    try:
        for i in range(first, last + 1):
            order_id = f"order-{i}"
            future = producer.send(TOPIC, value=order_id.encode())
            future.add_callback(lambda md, oid=order_id: say(f"acked {oid} {md.partition} {md.offset}"))
            future.add_errback(lambda exc, oid=order_id: say(f"failed {oid} {type(exc).__name__}"))
            say(f"sent {order_id}")
            if i % CHECKPOINT_EVERY == 0:
                flush(producer, 15)
                checkpoint = i
                say(f"checkpoint: orders up to {i} are in Kafka")
            if i == crash_after:
                flush(producer, 15)
                say(f"crash after order-{i}; last checkpoint was order-{checkpoint}")
                return checkpoint
        flush(producer, 15)
        return last
    finally:
        # confluent-kafka lets the dropped producer go; kafka-python's would linger until exit
        producer.close(timeout=5)


checkpoint = send_orders(1, COUNT, crash_after=CRASH_AFTER)
say(f"-- restarted: a new producer resends everything after order-{checkpoint}")
send_orders(checkpoint + 1, COUNT)
