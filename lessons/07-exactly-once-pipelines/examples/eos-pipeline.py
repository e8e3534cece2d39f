"""A read-process-write pipeline that crashes in the middle of a transaction.

Step 1 writes 200 orders to "orders". Step 2 is the pipeline: for each batch of
orders it opens a transaction, writes one invoice per order to "invoices", adds
the consumer's new offsets to the same transaction with
send_offsets_to_transaction(), and commits. Invoices, offsets: all or nothing.

The first pipeline instance crashes in its fifth transaction, after its invoices
have reached the log but before the commit. The restarted instance uses the same
transactional.id: its init_transactions() aborts the unfinished transaction, and
its consumer resumes from the offsets of the last committed one.

The pipeline also "sends an e-mail" per order: a side effect outside Kafka, which
no Kafka transaction can take back. Count them at the end.

The crash is simulated: the first instance stops, closes its consumer (which
commits nothing: enable.auto.commit=false) and abandons its producer with the
transaction still open, as a dead process would.
"""
import os
import sys
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, Producer, TopicPartition

sys.stdout.reconfigure(line_buffering=True)

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"]
COUNT = 200
BATCH = 20
CRASH_IN_TRANSACTION = 5
IDLE_SECONDS = 3

emails_sent = 0
abandoned = []   # keeps the crashed instance's producer alive, transaction open


def on_delivery(err, msg):
    record_id = msg.value().decode()
    if err is not None:
        print(f"failed {record_id} {err.name()}")
    else:
        print(f"acked {record_id} {msg.partition()} {msg.offset()}")


def write_orders():
    producer = Producer({"bootstrap.servers": BOOTSTRAP, "enable.idempotence": True})
    for i in range(1, COUNT + 1):
        producer.produce("orders", value=f"order-{i}", on_delivery=on_delivery)
        print(f"sent order-{i}")
    producer.flush(15)


def run_pipeline(crash_in_transaction=None):
    global emails_sent
    consumer = Consumer({
        "bootstrap.servers": BOOTSTRAP,
        "group.id": "invoicing",
        "enable.auto.commit": False,          # offsets go through the transaction instead
        "auto.offset.reset": "earliest",
        "isolation.level": "read_committed",  # librdkafka's default, spelled out
    })
    producer = Producer({
        "bootstrap.servers": BOOTSTRAP,
        "transactional.id": "invoicing-0",    # stable across restarts; implies idempotence
    })
    producer.init_transactions(10)            # fences older instances, aborts their open transaction
    # The topic has one partition and this instance owns it: assign() it directly
    # instead of subscribe(), so the example never waits for a group rebalance.
    # Offsets are still committed to the group, and a restart resumes from them.
    consumer.assign([TopicPartition("orders", 0)])

    transactions = 0
    deadline = time.monotonic() + 10        # the first fetch can take a moment
    while time.monotonic() < deadline:
        batch = [m for m in consumer.consume(num_messages=BATCH, timeout=1.0) if m.error() is None]
        if not batch:
            continue
        deadline = time.monotonic() + IDLE_SECONDS   # stop once "orders" has been quiet this long
        transactions += 1
        producer.begin_transaction()
        for msg in batch:
            invoice_id = msg.value().decode().replace("order-", "invoice-")
            producer.produce("invoices", value=invoice_id, on_delivery=on_delivery)
            print(f"sent {invoice_id}")
            emails_sent += 1                  # the side effect: not part of any transaction
        if transactions == crash_in_transaction:
            producer.flush(10)
            print(f"crash in transaction {transactions}: {len(batch)} invoices written, not committed")
            abandoned.append(producer)
            consumer.close()
            return
        producer.send_offsets_to_transaction(
            consumer.position(consumer.assignment()),   # the next offset to read, per partition
            consumer.consumer_group_metadata(),
            10,
        )
        producer.commit_transaction(10)
    consumer.close()


def count_invoices(isolation):
    reader = Consumer({
        "bootstrap.servers": BOOTSTRAP,
        "group.id": f"audit-{isolation}",
        "enable.auto.commit": False,
        "isolation.level": isolation,
        "enable.partition.eof": True,
    })
    reader.assign([TopicPartition("invoices", 0, OFFSET_BEGINNING)])
    records, distinct = 0, set()
    while True:
        msg = reader.poll(3.0)
        if msg is None or (msg.error() is not None and msg.error().code() == KafkaError._PARTITION_EOF):
            break
        if msg.error() is None:
            records += 1
            distinct.add(msg.value())
    reader.close()
    return records, len(distinct)


write_orders()
print("-- pipeline starts")
run_pipeline(crash_in_transaction=CRASH_IN_TRANSACTION)
print("-- pipeline restarts with the same transactional.id")
run_pipeline()

records, distinct = count_invoices("read_committed")
print(f"read_committed: {records} invoices, {distinct} distinct, for {COUNT} orders")
records, distinct = count_invoices("read_uncommitted")
print(f"read_uncommitted: {records} invoices, {distinct} distinct (includes the aborted ones)")
print(f"e-mails sent: {emails_sent} for {COUNT} orders")
