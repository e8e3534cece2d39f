"""Reference solution: let the idempotent client do the retrying.

This producer writes 200 orders and waits for every in-sync replica (acks=all). Its
authors did not trust the client's retries, so they switched them off and resend a
failed order themselves, from the delivery report. Twice while it runs, the leader
writes a batch but its answer never reaches the producer.

Right now each of those resends writes the orders a second time. Change the producer
so that a lost answer can never put an order in the log twice, and no order is lost
either. Then run `course check retries-without-duplicates`.
"""
import os
import sys

from confluent_kafka import Producer

sys.stdout.reconfigure(line_buffering=True)

producer = Producer({
    "bootstrap.servers": os.environ["BOOTSTRAP_SERVERS"],
    "acks": "all",
    # The client's own retries carry the batch's producer id and sequence numbers, so the
    # leader recognises a repeat. (Idempotence refuses retries=0, so that line is gone.)
    "enable.idempotence": True,
})
to_resend = []


def on_delivery(err, msg):
    order_id = msg.value().decode()
    if err is not None:
        print(f"failed {order_id} {err.name()}")
        to_resend.append(order_id)   # only after the client gave up (message.timeout.ms): a new record
    else:
        print(f"acked {order_id} {msg.partition()} {msg.offset()}")


def send(order_id):
    producer.produce("orders", value=order_id, on_delivery=on_delivery)
    print(f"sent {order_id}")


for i in range(1, 201):
    send(f"order-{i}")
    producer.poll(0.005)
    while to_resend:
        send(to_resend.pop(0))

for _ in range(10):   # a few rounds: wait for the answers, resend what failed
    producer.flush(30)
    if not to_resend:
        break
    while to_resend:
        send(to_resend.pop(0))
print(f"{len(producer)} orders still waiting for an answer")
