"""kafka-python port of lessons/09-rebalances-and-offsets/examples/killed-mid-batch.py (oracle input).

Instance A (a process of its own) books batches of 50 payments and commits after each; halfway
through its third batch it SIGKILLs itself. Instance B, same group, waits until A's session
times out (6 s), gets the partition and starts from A's last commit: the half batch is booked again.

Where kafka-python differs: poll(timeout_ms, max_records) returns {partition: records} (consume()
returns a list); the assignment callback is a ConsumerRebalanceListener; commit() is synchronous.
"""
import os
import signal
import subprocess
import sys
import threading
import time

from kafka import ConsumerRebalanceListener, KafkaConsumer, KafkaProducer

sys.stdout.reconfigure(line_buffering=True)

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"].split(",")
PRINTING = threading.Lock()


def say(line):
    """kafka-python runs delivery callbacks on its sender thread: the lock keeps lines whole."""
    with PRINTING:
        print(line)


def write_payments():
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP)
    for i in range(1, 201):
        payment_id = f"payment-{i}"
        future = producer.send("payments", value=payment_id.encode())
        future.add_callback(lambda md, p=payment_id: say(f"acked {p} {md.partition} {md.offset}"))
        future.add_errback(lambda exc, p=payment_id: say(f"failed {p} {type(exc).__name__}"))
        say(f"sent {payment_id}")
    producer.flush(15)


class SayAssigned(ConsumerRebalanceListener):
    def __init__(self, name, started):
        self.name, self.started = name, started

    def on_partitions_revoked(self, revoked):
        pass

    def on_partitions_assigned(self, assigned):
        say(f"-- {self.name} gets partition(s) {[p.partition for p in assigned]}"
            f" after {time.monotonic() - self.started:.1f} s")


def run_instance(name, killed_in_batch=None):
    started = time.monotonic()
    consumer = KafkaConsumer(
        bootstrap_servers=BOOTSTRAP,
        group_id="billing",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=6000,     # default 45000: how long a dead member keeps its partitions
        heartbeat_interval_ms=1000,
    )
    consumer.subscribe(["payments"], listener=SayAssigned(name, started))
    batches = 0
    quiet_until = time.monotonic() + 20
    while time.monotonic() < quiet_until:
        batch = [m for part in consumer.poll(timeout_ms=1000, max_records=50).values() for m in part]
        if not batch:
            continue
        quiet_until = time.monotonic() + 3
        batches += 1
        for n, msg in enumerate(batch):
            payment_id = msg.value.decode()
            if batches == killed_in_batch and n == len(batch) // 2:
                say(f"-- {name} is killed while booking {payment_id}")
                os.kill(os.getpid(), signal.SIGKILL)
            time.sleep(0.01)                         # the booking itself
            say(f"processed {payment_id}")
        consumer.commit()                            # the batch is done: record it (synchronous)
    consumer.close()


if sys.argv[1:] == ["--instance-a"]:
    run_instance("A", killed_in_batch=3)
else:
    write_payments()
    # A gets a process of its own, so that it can really be killed.
    subprocess.run([sys.executable, __file__, "--instance-a"], check=False)
    run_instance("B")
