"""kafka-python port of lessons/09-rebalances-and-offsets/examples/static-restart.py (oracle input).

Two static members (group_instance_id "wall-a", "wall-b") share the four partitions of "sensors".
While readings arrive, B commits, closes and comes back 2 s later with the same group_instance_id:
it takes its old place within session_timeout_ms, nobody rebalances, A (committing every 50)
never rereads anything.

Where kafka-python differs: a static member's close() sends no LeaveGroup (as in the Java client);
commit() with no offsets commits every assigned position, so the original's _NO_OFFSET case
(nothing new to commit) does not arise; there is no producer poll(): the sender thread runs the
delivery callbacks.
"""
import os
import sys
import threading
import time

from kafka import ConsumerRebalanceListener, KafkaConsumer, KafkaProducer

sys.stdout.reconfigure(line_buffering=True)

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"].split(",")
T0 = time.monotonic()
COUNT = 400
PRINTING = threading.Lock()


def say(line):
    """Print one line whole: the writer's sender thread and the readers print at the same time."""
    with PRINTING:
        print(line)


def note(text):
    say(f"-- {time.monotonic() - T0:4.1f}s {text}")


ACKED = []   # readings the cluster acknowledged: the readers are done when they have seen them all


def write_readings(started):
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, enable_idempotence=True)

    def on_acked(reading, md):
        ACKED.append(reading)
        say(f"acked {reading} {md.partition} {md.offset}")

    started.wait(30)
    for i in range(1, COUNT + 1):
        reading = f"reading-{i}"
        future = producer.send("sensors", value=reading.encode(), partition=i % 4)
        future.add_callback(lambda md, r=reading: on_acked(r, md))
        future.add_errback(lambda exc, r=reading: say(f"failed {r} {type(exc).__name__}"))
        say(f"sent {reading}")
        time.sleep(0.02)   # a steady stream: about eight seconds of readings
    producer.flush(15)
    producer.close(5)


class Notes(ConsumerRebalanceListener):
    def __init__(self, name):
        self.name = name

    def on_partitions_assigned(self, assigned):
        note(f"{self.name} is assigned partition(s) {sorted(p.partition for p in assigned)}")

    def on_partitions_revoked(self, revoked):
        note(f"{self.name} gives up partition(s) {sorted(p.partition for p in revoked)}")


class Instance:
    """One process of the dashboard service: processes readings, commits every 50."""

    def __init__(self, name, instance_id):
        self.name = name
        self.processed = 0
        self.consumer = KafkaConsumer(
            bootstrap_servers=BOOTSTRAP,
            group_id="dashboards",
            group_instance_id=instance_id,   # static membership (KIP-345)
            session_timeout_ms=30000,        # how long the coordinator keeps a silent static member's place
            heartbeat_interval_ms=500,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        self.consumer.subscribe(["sensors"], listener=Notes(name))

    def poll_once(self):
        records = self.consumer.poll(timeout_ms=100, max_records=1)   # one record, like poll() in librdkafka
        if not records:
            return False
        for msg in (m for part in records.values() for m in part):
            say(f"processed {msg.value.decode()}")
            self.processed += 1
            if self.processed % 50 == 0:
                self.consumer.commit()   # commits are batched: cheap, but a rebalance repeats work
        return True

    def assigned(self):
        return len(self.consumer.assignment())

    def stop(self):
        self.consumer.commit()           # a planned stop: commit what is done
        self.consumer.close()            # static: no LeaveGroup, the place is kept
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

note("B is restarted (same group_instance_id)")
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
