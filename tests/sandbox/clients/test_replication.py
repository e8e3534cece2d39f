"""Replication the way Kafka does it: ISR shrink and expand, acks=all after the ISR shrank,
leader failover with epochs seen by a consumer."""

from __future__ import annotations

import confluent_kafka as ck

from engine.sandbox import Sandbox

from ..client_drivers import ProducerUnderTest, log_values
from ..conftest import wait_for


def test_isr_shrinks_on_lag_then_acks_all_fails_after_append_then_isr_expands() -> None:
    with Sandbox(brokers=3, replica_lag_time_max_ms=1_000) as sb:
        sb.create_topic("ledger", partitions=1, replication_factor=3, min_insync_replicas=2)
        leader = sb.leader("ledger", 0)
        sb.pause_replication()
        p = ProducerUnderTest("confluent-kafka", sb.bootstrap_servers, acks=-1, retries=0)
        p.send("ledger", "m-0")
        p.flush()
        # Followers stopped fetching: after the lag time the leader drops them from the ISR, the
        # high watermark passes the batch with too few replicas, and the producer is told so.
        assert p.failed == [("m-0", "NOT_ENOUGH_REPLICAS_AFTER_APPEND")]
        assert sb.isr("ledger", 0) == [leader]
        assert log_values(sb, "ledger") == ["m-0"]                # the data is in the log anyway
        shrinks = [e for e in sb.events if e.kind == "isr_shrink"]
        assert shrinks and shrinks[-1].details["isr"] == [leader]
        # Now acks=all is refused before appending.
        p.send("ledger", "m-1")
        p.flush()
        assert p.failed[-1] == ("m-1", "NOT_ENOUGH_REPLICAS")
        sb.resume_replication()
        wait_for(lambda: len(sb.isr("ledger", 0)) == 3, what="the followers to rejoin the ISR")
        assert any(e.kind == "isr_expand" for e in sb.events)
        p.send("ledger", "m-2")
        p.flush()
        p.close()
        assert p.acked == ["m-2"]
        assert log_values(sb, "ledger") == ["m-0", "m-2"]


def test_consumer_follows_a_leader_change() -> None:
    with Sandbox(brokers=3, replica_lag_time_max_ms=60_000) as sb:
        sb.create_topic("feed", partitions=1, replication_factor=3, min_insync_replicas=2)
        p = ProducerUnderTest("confluent-kafka", sb.bootstrap_servers, acks=-1)
        for i in range(10):
            p.send("feed", f"m-{i}")
        p.flush()
        c = ck.Consumer({"bootstrap.servers": sb.bootstrap_servers, "group.id": "feed-reader",
                         "enable.auto.commit": False, "log_level": 0})
        c.assign([ck.TopicPartition("feed", 0, 0)])
        seen: list[str] = []

        def read(n: int) -> bool:
            msg = c.poll(0.2)
            if msg is not None and msg.error() is None:
                seen.append(msg.value().decode())
            return len(seen) >= n

        wait_for(lambda: read(10), what="the first ten")
        old = sb.leader("feed", 0)
        sb.stop_broker(old)
        new = sb.leader("feed", 0)
        assert new not in (None, old)
        assert any(e.kind == "leader_change" and e.details["leader"] == new for e in sb.events)
        for i in range(10, 20):
            p.send("feed", f"m-{i}")
        p.flush()
        wait_for(lambda: read(20), what="the next ten from the new leader")
        c.close()
        p.close()
        assert seen == [f"m-{i}" for i in range(20)]
        sb.start_broker(old)
        wait_for(lambda: old in sb.isr("feed", 0), what="the old leader to rejoin as a follower")
        assert sb.log_end_offset("feed", 0, old) == sb.log_end_offset("feed", 0)
