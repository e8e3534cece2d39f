"""A static member restarted within session.timeout.ms gets its partitions back, and nobody rebalances.

Two instances of a dashboard service share group "dashboards" and the four partitions
of "sensors". Each has a stable group.instance.id ("wall-a", "wall-b"), as a pod name
would be. While readings keep arriving, instance B is restarted: it commits, closes, and
a new process with the same group.instance.id starts two seconds later.

A static member sends no LeaveGroup when it closes, so the coordinator keeps B's place
for up to session.timeout.ms (here 30 s). The new B takes that place, gets the same two
partitions, and starts at B's last commit. A is never asked to give anything up: it
commits only every 50 readings, so a single rebalance would make it read some of them
again, and the count would show duplicates.
"""
import os
import sys
import threading
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer

sys.stdout.reconfigure(line_buffering=True)

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"]
T0 = time.monotonic()
COUNT = 400
PRINTING = threading.Lock()


def say(line):
    """Print one line whole. The writer thread and the readers print at the same time, and print()
    writes the text and the newline separately: without the lock two lines can run together, and
    a "processed" line glued to the end of an "acked" line is not counted."""
    with PRINTING:
        print(line)


def note(text):
    say(f"-- {time.monotonic() - T0:4.1f}s {text}")


ACKED = []   # readings the cluster acknowledged: the readers are done when they have seen them all


def write_readings(started):
    producer = Producer({"bootstrap.servers": BOOTSTRAP, "enable.idempotence": True})

    def on_delivery(err, msg):
        reading = msg.value().decode()
        if not err:
            ACKED.append(reading)
        say(f"failed {reading} {err.name()}" if err else f"acked {reading} {msg.partition()} {msg.offset()}")

    started.wait(30)
    for i in range(1, COUNT + 1):
        producer.produce("sensors", value=f"reading-{i}", partition=i % 4, on_delivery=on_delivery)
        say(f"sent reading-{i}")
        producer.poll(0)
        time.sleep(0.02)   # a steady stream: about eight seconds of readings
    producer.flush(15)


class Instance:
    """One process of the dashboard service: processes readings, commits every 50."""

    def __init__(self, name, instance_id):
        self.name = name
        self.processed = 0
        self.consumer = Consumer({
            "bootstrap.servers": BOOTSTRAP,
            "group.id": "dashboards",
            "group.instance.id": instance_id,   # static membership (KIP-345)
            "session.timeout.ms": 30000,        # how long the coordinator keeps a silent static member's place
            "heartbeat.interval.ms": 500,
            "enable.auto.commit": False,
            "auto.offset.reset": "earliest",
        })
        self.consumer.subscribe(
            ["sensors"],
            on_assign=lambda c, parts: note(f"{name} is assigned partition(s) {sorted(p.partition for p in parts)}"),
            on_revoke=lambda c, parts: note(f"{name} gives up partition(s) {sorted(p.partition for p in parts)}"),
        )

    def poll_once(self):
        msg = self.consumer.poll(0.1)
        if msg is None or msg.error() is not None:
            return False
        say(f"processed {msg.value().decode()}")
        self.processed += 1
        if self.processed % 50 == 0:
            self.consumer.commit(asynchronous=False)   # commits are batched: cheap, but a rebalance repeats work
        return True

    def assigned(self):
        return len(self.consumer.assignment())

    def stop(self):
        try:
            self.consumer.commit(asynchronous=False)   # a planned stop: commit what is done
        except KafkaException as exc:
            if exc.args[0].code() != KafkaError._NO_OFFSET:   # nothing new since the last commit
                raise
        self.consumer.close()                      # static: no LeaveGroup, the place is kept
        note(f"{self.name} stops")


a = Instance("A", "wall-a")
b = Instance("B", "wall-b")
deadline = time.monotonic() + 60
while not (a.assigned() == 2 and b.assigned() == 2) and time.monotonic() < deadline:
    a.poll_once()
    b.poll_once()

started = threading.Event()
writer = threading.Thread(target=write_readings, args=(started,))
writer.start()
started.set()
while b.processed < 60 and time.monotonic() < deadline:
    a.poll_once()
    b.poll_once()

note("B is restarted (same group.instance.id)")
b.stop()
restart_at = time.monotonic() + 2
while time.monotonic() < restart_at:
    a.poll_once()                              # A carries on alone; B's partitions wait
old_b, b = b, Instance("B", "wall-b")

# Read until every acknowledged reading has been seen (a loaded machine may be slow to fetch the
# last ones), or until nothing more has come for a long while.
quiet_since = time.monotonic()
while True:
    if a.poll_once() | b.poll_once():
        quiet_since = time.monotonic()
    all_seen = a.processed + old_b.processed + b.processed >= len(ACKED)
    quiet = time.monotonic() - quiet_since
    if not writer.is_alive() and ((all_seen and quiet > 1) or quiet > 20):
        break
writer.join()
a.stop()
b.stop()
