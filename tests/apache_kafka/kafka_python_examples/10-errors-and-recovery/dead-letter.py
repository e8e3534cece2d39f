"""kafka-python port of lessons/10-errors-and-recovery/examples/dead-letter.py (oracle input).

Three of 200 payments cannot be parsed: each is parked in "payments-dlt" (headers: why and where
from), and only once that write is acknowledged does the consumer commit past it. The scenario
loses the acknowledgement of the first dead-letter write: the idempotent producer resends it and
the copy is written once.

Where kafka-python differs: headers are a list of (str, bytes); flush() raises KafkaTimeoutError
instead of returning the number left, and completes on failures too, so the dead letters' futures
are checked; poll(timeout_ms, max_records) returns {partition: records}.
"""
import os
import sys
import threading
import time

from kafka import KafkaConsumer, KafkaProducer
from kafka.errors import KafkaTimeoutError

sys.stdout.reconfigure(line_buffering=True)

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"].split(",")
POISON = {50, 120, 170}
PRINTING = threading.Lock()


def say(line):
    """kafka-python runs delivery callbacks on its sender thread: the lock keeps lines whole."""
    with PRINTING:
        print(line)


def write_payments():
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, enable_idempotence=True)
    for i in range(1, 201):
        payment = f"payment-{i}:{'??' if i in POISON else i * 100}"
        future = producer.send("payments", value=payment.encode())
        future.add_callback(lambda md, p=payment: say(f"acked {p} {md.partition} {md.offset}"))
        future.add_errback(lambda exc, p=payment: say(f"failed {p} {type(exc).__name__}"))
        say(f"sent {payment}")
    producer.flush(15)
    producer.close(5)


def book(payment):
    """The business logic: raises ValueError on a record it can never handle."""
    payment_id, amount = payment.split(":")
    return payment_id, int(amount)


write_payments()
dead_letters = KafkaProducer(bootstrap_servers=BOOTSTRAP, enable_idempotence=True)
consumer = KafkaConsumer(
    bootstrap_servers=BOOTSTRAP,
    group_id="billing",
    enable_auto_commit=False,       # commit after the batch, dead letters included, is handled
    auto_offset_reset="earliest",
)
consumer.subscribe(["payments"])
quiet_until = time.monotonic() + 20
while time.monotonic() < quiet_until:
    batch = [m for part in consumer.poll(timeout_ms=500, max_records=25).values() for m in part]
    if not batch:
        continue
    quiet_until = time.monotonic() + 4
    parked = []
    for msg in batch:
        payment = msg.value.decode()
        try:
            book(payment)
        except ValueError as exc:
            parked.append(dead_letters.send("payments-dlt", value=msg.value, key=msg.key, headers=[
                ("error", str(exc).encode()),
                ("source", f"{msg.topic}-{msg.partition}@{msg.offset}".encode()),
            ]))
            say(f"-- {payment} cannot be booked ({exc}): parked in payments-dlt")
            continue
        say(f"processed {payment}")
    # The dead letters must be safe before the offsets move past the poison pills.
    try:
        dead_letters.flush(30)
    except KafkaTimeoutError:
        parked.append(None)
    if any(f is None or f.failed() for f in parked):
        raise SystemExit("-- dead letters not acknowledged: not committing, the batch will be read again")
    consumer.commit()
consumer.close()
