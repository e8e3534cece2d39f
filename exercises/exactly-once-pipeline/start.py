"""Exercise: an exactly-once pipeline that survives a crash.

200 orders are written to "orders". The pipeline reads them in batches, writes one
invoice per order to "invoices", then commits the consumer's offsets. Its first
instance crashes after writing the invoices of its fifth batch, before the commit
(the crash is simulated below: leave it in place). A second instance resumes from
the committed offsets.

Right now the fifth batch is invoiced twice. Rework run_pipeline() so that the
invoices of a batch and the offsets that mark it done are committed together, or
not at all. Then run `course check exactly-once-pipeline`.
"""
import os
import sys
import time

from confluent_kafka import Consumer, Producer, TopicPartition

sys.stdout.reconfigure(line_buffering=True)

BOOTSTRAP = os.environ["BOOTSTRAP_SERVERS"]


class SimulatedCrash(Exception):
    """Stands in for the process dying: nothing after it runs."""


def on_delivery(err, msg):
    record_id = msg.value().decode()
    print(f"failed {record_id} {err.name()}" if err else f"acked {record_id} {msg.partition()} {msg.offset()}")


def write_orders():
    producer = Producer({"bootstrap.servers": BOOTSTRAP, "enable.idempotence": True})
    for i in range(1, 201):
        producer.produce("orders", value=f"order-{i}", on_delivery=on_delivery)
        print(f"sent order-{i}")
    producer.flush(15)


def run_pipeline(crash_in_batch=None):
    consumer = Consumer({
        "bootstrap.servers": BOOTSTRAP,
        "group.id": "invoicing",
        "enable.auto.commit": False,
        "auto.offset.reset": "earliest",
    })
    producer = Producer({"bootstrap.servers": BOOTSTRAP, "enable.idempotence": True})
    consumer.assign([TopicPartition("orders", 0)])  # one partition, one owner: no rebalance to wait for
    batches = 0
    quiet_until = time.monotonic() + 10
    try:
        while time.monotonic() < quiet_until:
            batch = [m for m in consumer.consume(num_messages=20, timeout=1.0) if m.error() is None]
            if not batch:
                continue
            quiet_until = time.monotonic() + 3
            batches += 1
            for msg in batch:
                invoice_id = msg.value().decode().replace("order-", "invoice-")
                producer.produce("invoices", value=invoice_id, on_delivery=on_delivery)
                print(f"sent {invoice_id}")
            producer.flush(10)
            if batches == crash_in_batch:
                raise SimulatedCrash(f"batch {batches}")
            consumer.commit(asynchronous=False)
    except SimulatedCrash as crash:
        print(f"-- crashed in {crash}")
    finally:
        consumer.close()


write_orders()
run_pipeline(crash_in_batch=5)
print("-- the pipeline restarts")
run_pipeline()
