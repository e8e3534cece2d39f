"""kafka-python port of lessons/06-transactions/examples/zombie-fencing.py (oracle input).

Producer A opens a transaction, writes 10 payments and stalls. Producer B starts with the same
transactional_id: its init_transactions() bumps the epoch and aborts A's transaction. When A
tries to commit, the cluster refuses its old epoch. kafka-python raises the refusal as an
exception class (ProducerFencedError or InvalidProducerEpochError, by what the broker answered);
it has no confluent-kafka `fatal()` flag, so the port says whether A is now in a fatal state from
what its next call does.
"""
import os
import sys

from kafka import KafkaProducer
from kafka.errors import KafkaError, KafkaTimeoutError

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"]
TOPIC = "payments"
TXN_ID = "payment-writer"


def say(line):
    # Delivery callbacks run on kafka-python's I/O thread: one write per line, never interleaved.
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def send(producer, first, last):
    for i in range(first, last + 1):
        payment_id = f"payment-{i}"
        future = producer.send(TOPIC, value=payment_id.encode())
        future.add_callback(lambda md, pid=payment_id: say(f"acked {pid} {md.partition} {md.offset}"))
        future.add_errback(lambda exc, pid=payment_id: say(f"failed {pid} {type(exc).__name__}"))
        say(f"sent {payment_id}")
    try:
        producer.flush(10)
    except KafkaTimeoutError:   # confluent-kafka's flush() returns what is left; kafka-python raises
        pass


def transactional_producer():
    # max_block_ms: how long init_transactions() waits (confluent-kafka: its timeout argument)
    return KafkaProducer(bootstrap_servers=BOOTSTRAP, transactional_id=TXN_ID, max_block_ms=10000)


a = transactional_producer()
a.init_transactions()
a.begin_transaction()
send(a, 1, 10)
say("A stalls with its transaction open")

b = transactional_producer()
b.init_transactions()              # fences A and aborts A's open transaction
say("B has taken over the transactional_id")
b.begin_transaction()
send(b, 11, 20)
b.commit_transaction()
say("B committed payments 11-20")

say("A wakes up and tries to commit its transaction")
try:
    a.commit_transaction()
    say("A committed (this should not happen)")
except KafkaError as e:
    try:
        a.begin_transaction()          # a fatal error is final: every later call fails the same way
        fatal = False
    except KafkaError:
        fatal = True
    say(f"A cannot commit: {type(e).__name__} (fatal={fatal}); A must close")
    # A's payments 1-10 were aborted when B took over; no read_committed reader will ever see them.
a.close(timeout=5)
b.close(timeout=5)
