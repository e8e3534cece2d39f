"""kafka-python port of lessons/10-errors-and-recovery/examples/full-buffer.py (oracle input).

300 orders with acks=all (idempotent) while replication stalls for a few seconds after the 20th.
The original caps librdkafka's queue at 50 messages, so produce() raises BufferError and the
application waits for room, giving up on an order only after 20 s.

Where kafka-python differs, and why this port cannot show the full queue: kafka-python 3.0.12
has no bound on its record accumulator (no queue.buffering.max.messages, no buffer_memory), so
send() never refuses a record and never blocks for room. The back-pressure loop is kept, step for
step, but it catches the error a bounded client would raise (KafkaTimeoutError, as in the Java
client after max_block_ms) and is never entered. What kafka-python really does: every order is
queued at once and delivered once replication resumes; the lesson's counts (300 sent, 0 failed,
300 in the log, none lost or doubled) still hold. delivery_timeout_ms plays message.timeout.ms.
"""
import os
import sys
import threading
import time

from kafka import KafkaProducer
from kafka.errors import KafkaTimeoutError

sys.stdout.reconfigure(line_buffering=True)

MAX_WAIT = 20.0   # seconds without room before an order counts as failed (Java: max.block.ms, default 60000)
PRINTING = threading.Lock()

producer = KafkaProducer(
    bootstrap_servers=os.environ["BOOTSTRAP_SERVERS"].split(","),
    enable_idempotence=True,              # acks=all, and retries that cannot duplicate
    delivery_timeout_ms=60000,            # the stall must not fail the messages already queued
)


def say(line):
    """kafka-python runs delivery callbacks on its sender thread: the lock keeps lines whole."""
    with PRINTING:
        print(line)


def send(order_id):
    """Offer one order until the producer takes it; False if it never found room."""
    waited_since = None
    while True:
        try:
            future = producer.send("orders", value=order_id.encode())
        except KafkaTimeoutError:   # never raised by kafka-python's unbounded accumulator
            if waited_since is None:
                waited_since = time.monotonic()
                say(f"-- no room at {order_id}: waiting for room")
            elif time.monotonic() - waited_since > MAX_WAIT:
                return False
            time.sleep(0.5)         # the sender thread frees room by itself: no poll() here
            continue
        future.add_callback(lambda md: say(f"acked {order_id} {md.partition} {md.offset}"))
        future.add_errback(lambda exc: say(f"failed {order_id} {type(exc).__name__}"))
        if waited_since is not None:
            say(f"-- {order_id} accepted after {time.monotonic() - waited_since:.1f} s")
        say(f"sent {order_id}")
        return True


for i in range(1, 301):
    order_id = f"order-{i}"
    if not send(order_id):
        say(f"failed {order_id} QUEUE_FULL")   # the application's decision: report it, do not drop it silently
    time.sleep(0.01)
try:
    producer.flush(30)
    left = 0
except KafkaTimeoutError:
    left = "some"
say(f"-- {left} messages still undelivered at the end")
