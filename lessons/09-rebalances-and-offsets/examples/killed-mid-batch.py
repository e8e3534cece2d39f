"""A member killed in the middle of a batch: its partition waits for the session timeout, then the batch is done again.

Instance A of the billing service runs as a process of its own. It takes batches of 50
payments, books them, and commits after each batch (at-least-once, lesson 3). Halfway
through its third batch it is killed with SIGKILL: no close(), no LeaveGroup, no last
commit. Instance B is started right away in the same group.

The group cannot tell a dead member from a slow one until A's session times out
(session.timeout.ms, 6 s here). Until then A keeps its partition and B waits. Then the
group rebalances, B gets the partition and starts from A's last commit: the half batch A
booked before it died is booked again.
"""
import os
import signal
import subprocess
import sys
import time

from confluent_kafka import Consumer, Producer

sys.stdout.reconfigure(line_buffering=True)

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"]


def write_payments():
    producer = Producer({"bootstrap.servers": BOOTSTRAP})

    def on_delivery(err, msg):
        payment_id = msg.value().decode()
        print(f"failed {payment_id} {err.name()}" if err else f"acked {payment_id} {msg.partition()} {msg.offset()}")

    for i in range(1, 201):
        producer.produce("payments", value=f"payment-{i}", on_delivery=on_delivery)
        print(f"sent payment-{i}")
    producer.flush(15)


def run_instance(name, killed_in_batch=None):
    started = time.monotonic()
    consumer = Consumer({
        "bootstrap.servers": BOOTSTRAP,
        "group.id": "billing",
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
        "session.timeout.ms": 6000,     # default 45000: how long a dead member keeps its partitions
        "heartbeat.interval.ms": 1000,
    })
    consumer.subscribe(["payments"], on_assign=lambda c, parts: print(
        f"-- {name} gets partition(s) {[p.partition for p in parts]} after {time.monotonic() - started:.1f} s"))
    batches = 0
    quiet_until = time.monotonic() + 20
    while time.monotonic() < quiet_until:
        batch = [m for m in consumer.consume(num_messages=50, timeout=1.0) if m.error() is None]
        if not batch:
            continue
        quiet_until = time.monotonic() + 3
        batches += 1
        for n, msg in enumerate(batch):
            payment_id = msg.value().decode()
            if batches == killed_in_batch and n == len(batch) // 2:
                print(f"-- {name} is killed while booking {payment_id}")
                os.kill(os.getpid(), signal.SIGKILL)
            time.sleep(0.01)                         # the booking itself
            print(f"processed {payment_id}")
        consumer.commit(asynchronous=False)          # the batch is done: record it
    consumer.close()


if sys.argv[1:] == ["--instance-a"]:
    run_instance("A", killed_in_batch=3)
else:
    write_payments()
    # A gets a process of its own, so that it can really be killed.
    subprocess.run([sys.executable, __file__, "--instance-a"], check=False)
    run_instance("B")
