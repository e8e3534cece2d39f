"""KafkaCluster's own promises, on the session's cluster: a broker restarted from a short-lived
thread (as a `records` trigger does, on a proxy's connection thread) outlives that thread; the
KRaft layout (a controller apart, N brokers) and the faults as the controller sees them."""

from __future__ import annotations

import threading
import time

import pytest

from engine.apache_kafka import KafkaCluster
from tests.apache_kafka.conftest import wait_for

pytestmark = [pytest.mark.xdist_group("apache_kafka"), pytest.mark.slow]


def test_a_broker_started_from_a_passing_thread_keeps_running(kafka: KafkaCluster) -> None:
    kafka.stop_broker(2)
    assert not kafka.broker_running(2)
    starter = threading.Thread(target=kafka.start_broker, args=(2,))
    starter.start()
    starter.join()
    time.sleep(3)  # PR_SET_PDEATHSIG would have struck when the starter thread ended
    assert kafka.broker_running(2)
    assert len(kafka.pids) == 4  # the controller and three brokers


def test_a_stopped_leader_loses_its_leadership_and_comes_back_as_a_follower(kafka: KafkaCluster) -> None:
    kafka.create_topic("t", partitions=1, replication_factor=3, min_insync_replicas=2)
    leader = kafka.leader("t", 0)
    assert leader in (1, 2, 3) and sorted(kafka.replicas("t", 0)) == [1, 2, 3]
    kafka.stop_broker(leader)
    wait_for(lambda: kafka.leader("t", 0) not in (None, leader), what="a new leader")
    wait_for(lambda: leader not in kafka.isr("t", 0), what="the stopped broker out of the ISR")
    kafka.start_broker(leader)
    wait_for(lambda: leader in kafka.isr("t", 0), what="the restarted broker back in the ISR")
    kinds = [e.kind for e in kafka.events if e.broker == leader]
    assert "broker_stopped" in kinds and "broker_started" in kinds
