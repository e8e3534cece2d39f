"""kafka-python port of lessons/07-exactly-once-pipelines/examples/eos-pipeline.py (oracle input).

200 orders, then a transactional read-process-write pipeline (invoices + consumer offsets in one
transaction) whose first instance crashes in its fifth transaction; the restarted instance, same
transactional_id, aborts the open transaction in init_transactions() and resumes from the last
committed offsets. Same report lines as the original.

Where kafka-python differs: the consumer's isolation_level defaults to read_uncommitted (librdkafka:
read_committed), so it is set; offsets for the transaction are {TopicPartition: OffsetAndMetadata};
init/commit_transaction() take no timeout (they wait up to max_block_ms / until done); there is no
partition-EOF event, so the audit reader stops at the partition's end offset instead.
"""
import os
import sys
import threading
import time

from kafka import KafkaConsumer, KafkaProducer, OffsetAndMetadata, TopicPartition

sys.stdout.reconfigure(line_buffering=True)

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"].split(",")
COUNT = 200
BATCH = 20
CRASH_IN_TRANSACTION = 5
IDLE_SECONDS = 3
PRINTING = threading.Lock()

emails_sent = 0
abandoned = []   # keeps the crashed instance's producer alive, transaction open


def say(line):
    """kafka-python runs delivery callbacks on its sender thread: the lock keeps lines whole."""
    with PRINTING:
        print(line)


def report(future, record_id):
    future.add_callback(lambda md: say(f"acked {record_id} {md.partition} {md.offset}"))
    future.add_errback(lambda exc: say(f"failed {record_id} {type(exc).__name__}"))


def write_orders():
    producer = KafkaProducer(bootstrap_servers=BOOTSTRAP, enable_idempotence=True)
    for i in range(1, COUNT + 1):
        report(producer.send("orders", value=f"order-{i}".encode()), f"order-{i}")
        say(f"sent order-{i}")
    producer.flush(15)


def run_pipeline(crash_in_transaction=None):
    global emails_sent
    consumer = KafkaConsumer(
        bootstrap_servers=BOOTSTRAP,
        group_id="invoicing",
        enable_auto_commit=False,           # offsets go through the transaction instead
        auto_offset_reset="earliest",
        isolation_level="read_committed",   # not kafka-python's default
    )
    producer = KafkaProducer(
        bootstrap_servers=BOOTSTRAP,
        transactional_id="invoicing-0",     # stable across restarts; implies idempotence
    )
    producer.init_transactions()            # fences older instances, aborts their open transaction
    # One partition, owned by this instance: assign() it, no group rebalance to wait for.
    consumer.assign([TopicPartition("orders", 0)])

    transactions = 0
    deadline = time.monotonic() + 10        # the first fetch can take a moment
    while time.monotonic() < deadline:
        batch = [m for part in consumer.poll(timeout_ms=1000, max_records=BATCH).values() for m in part]
        if not batch:
            continue
        deadline = time.monotonic() + IDLE_SECONDS   # stop once "orders" has been quiet this long
        transactions += 1
        producer.begin_transaction()
        for msg in batch:
            invoice_id = msg.value.decode().replace("order-", "invoice-")
            report(producer.send("invoices", value=invoice_id.encode()), invoice_id)
            say(f"sent {invoice_id}")
            emails_sent += 1                  # the side effect: not part of any transaction
        if transactions == crash_in_transaction:
            producer.flush(10)
            say(f"crash in transaction {transactions}: {len(batch)} invoices written, not committed")
            abandoned.append(producer)
            consumer.close(autocommit=False)
            return
        producer.send_offsets_to_transaction(
            {tp: OffsetAndMetadata(consumer.position(tp), "", -1) for tp in consumer.assignment()},
            consumer.group_metadata(),
        )
        producer.commit_transaction()
    consumer.close(autocommit=False)


def count_invoices(isolation):
    reader = KafkaConsumer(
        bootstrap_servers=BOOTSTRAP,
        group_id=f"audit-{isolation}",
        enable_auto_commit=False,
        isolation_level=isolation,
    )
    tp = TopicPartition("invoices", 0)
    reader.assign([tp])
    reader.seek_to_beginning(tp)
    end = reader.end_offsets([tp])[tp]      # for read_committed: the last stable offset
    records, distinct = 0, set()
    while reader.position(tp) < end:        # the end offset stands in for librdkafka's partition EOF
        batch = reader.poll(timeout_ms=3000).get(tp, [])
        if not batch:
            break
        records += len(batch)
        distinct.update(m.value for m in batch)
    reader.close(autocommit=False)
    return records, len(distinct)


write_orders()
say("-- pipeline starts")
run_pipeline(crash_in_transaction=CRASH_IN_TRANSACTION)
say("-- pipeline restarts with the same transactional_id")
run_pipeline()

records, distinct = count_invoices("read_committed")
say(f"read_committed: {records} invoices, {distinct} distinct, for {COUNT} orders")
records, distinct = count_invoices("read_uncommitted")
say(f"read_uncommitted: {records} invoices, {distinct} distinct (includes the aborted ones)")
say(f"e-mails sent: {emails_sent} for {COUNT} orders")
