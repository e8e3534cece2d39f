"""Poison pills go to a dead-letter topic; the partition keeps moving and nothing is dropped.

A billing service reads payments such as `payment-17:1700` (an id and an amount in
cents). Three of the 200 records cannot be parsed: their amount is `??`. Retrying them
is pointless, the next attempt fails the same way, and a consumer that retries forever
never reaches the records behind them. Skipping them silently loses them.

So the service parks each one in `payments-dlt`, with headers saying why and where it
came from, waits until that write is acknowledged, and only then commits past it. The
scenario loses the acknowledgement of the first dead-letter write: the idempotent
dead-letter producer sends it again, and the copy is not written twice.
"""
import os
import sys
import time

from confluent_kafka import Consumer, Producer

sys.stdout.reconfigure(line_buffering=True)

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"]
POISON = {50, 120, 170}


def write_payments():
    producer = Producer({"bootstrap.servers": BOOTSTRAP, "enable.idempotence": True})

    def on_delivery(err, msg):
        payment = msg.value().decode()
        print(f"failed {payment} {err.name()}" if err else f"acked {payment} {msg.partition()} {msg.offset()}")

    for i in range(1, 201):
        payment = f"payment-{i}:{'??' if i in POISON else i * 100}"
        producer.produce("payments", value=payment, on_delivery=on_delivery)
        print(f"sent {payment}")
    producer.flush(15)


def book(payment):
    """The business logic: raises ValueError on a record it can never handle."""
    payment_id, amount = payment.split(":")
    return payment_id, int(amount)


write_payments()
dead_letters = Producer({"bootstrap.servers": BOOTSTRAP, "enable.idempotence": True})
consumer = Consumer({
    "bootstrap.servers": BOOTSTRAP,
    "group.id": "billing",
    "enable.auto.commit": False,       # commit after the batch, dead letters included, is handled
    "auto.offset.reset": "earliest",
})
consumer.subscribe(["payments"])
quiet_until = time.monotonic() + 20
while time.monotonic() < quiet_until:
    batch = [m for m in consumer.consume(num_messages=25, timeout=0.5) if m.error() is None]
    if not batch:
        continue
    quiet_until = time.monotonic() + 4
    for msg in batch:
        payment = msg.value().decode()
        try:
            book(payment)
        except ValueError as exc:
            dead_letters.produce("payments-dlt", value=msg.value(), key=msg.key(), headers={
                "error": str(exc),
                "source": f"{msg.topic()}-{msg.partition()}@{msg.offset()}",
            })
            print(f"-- {payment} cannot be booked ({exc}): parked in payments-dlt")
            continue
        print(f"processed {payment}")
    # The dead letters must be safe before the offsets move past the poison pills.
    if dead_letters.flush(30) > 0:
        raise SystemExit("-- dead letters not acknowledged: not committing, the batch will be read again")
    consumer.commit(asynchronous=False)
consumer.close()
