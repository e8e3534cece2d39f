"""The admin half of the protocol, driven by the two real admin clients (confluent-kafka's
AdminClient over librdkafka, kafka-python's KafkaAdminClient): topics, configs, records, the
cluster, consumer groups and transactions, each answered as a Kafka 4 broker answers."""

from __future__ import annotations

import time
from typing import Any, Iterator

import confluent_kafka as ck
import pytest
from confluent_kafka.admin import AdminClient, ConfigResource, ConfigSource, NewPartitions, NewTopic, ResourceType
from kafka import KafkaAdminClient
from kafka.admin import ConfigResource as KpConfigResource, ConfigResourceType, NewPartitions as KpNewPartitions
from kafka.admin import NewTopic as KpNewTopic

from engine.sandbox import Sandbox
from engine.sandbox.common.protocol import REQUESTS, RESPONSES

from ..conftest import wait_for
from .test_wire import request_bytes, roundtrip


@pytest.fixture
def admin(sandbox: Sandbox) -> AdminClient:
    return AdminClient({"bootstrap.servers": sandbox.bootstrap_servers, "log_level": 0})


@pytest.fixture
def kp_admin(sandbox: Sandbox) -> Iterator[KafkaAdminClient]:
    client = KafkaAdminClient(bootstrap_servers=sandbox.bootstrap_servers, request_timeout_ms=30_000)
    yield client
    client.close()


def kafka_error(future: Any) -> ck.KafkaError:
    with pytest.raises(ck.KafkaException) as info:
        future.result(30)
    return info.value.args[0]


def produce(sandbox: Sandbox, topic: str, count: int, partition: int = 0) -> None:
    producer = ck.Producer({"bootstrap.servers": sandbox.bootstrap_servers, "acks": "all", "log_level": 0})
    for i in range(count):
        producer.produce(topic, f"m-{i}".encode(), key=f"k-{i}".encode(), partition=partition)
    assert producer.flush(30) == 0


def consume_offsets(sandbox: Sandbox, topic: str, group: str, count: int, **conf: Any) -> tuple[ck.Consumer, list[int]]:
    consumer = ck.Consumer({"bootstrap.servers": sandbox.bootstrap_servers, "group.id": group,
                            "auto.offset.reset": "earliest", "log_level": 0, **conf})
    consumer.subscribe([topic])
    offsets: list[int] = []
    deadline = time.monotonic() + 60
    while len(offsets) < count and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is not None and msg.error() is None:
            offsets.append(msg.offset())
    return consumer, offsets


# --------------------------------------------------------------------------- topics

def test_topic_names_and_configs_are_checked_as_kafka_checks_them(sandbox: Sandbox, admin: AdminClient) -> None:
    results = admin.create_topics([
        NewTopic("tópico", 1, 1), NewTopic(".", 1, 1), NewTopic("..", 1, 1), NewTopic("x" * 250, 1, 1),
        NewTopic("has space", 1, 1), NewTopic("unknown-config", 1, 1, config={"no.such.config": "1"}),
        NewTopic("bad-policy", 1, 1, config={"cleanup.policy": "shred"}),
        NewTopic("ok.name_1-x", 1, 1, config={"cleanup.policy": "compact", "retention.ms": "1000"}),
        NewTopic("y" * 249, 1, 1)])
    for name in ("tópico", ".", "..", "x" * 250, "has space"):
        assert kafka_error(results[name]).code() == ck.KafkaError.TOPIC_EXCEPTION, name
    assert kafka_error(results["unknown-config"]).code() == ck.KafkaError.INVALID_CONFIG
    assert "no.such.config" in kafka_error(results["unknown-config"]).str()
    assert kafka_error(results["bad-policy"]).code() == ck.KafkaError.INVALID_CONFIG
    results["ok.name_1-x"].result(30)
    results["y" * 249].result(30)
    # '.' and '_' collide in metric names: Kafka refuses the second of such a pair.
    assert kafka_error(admin.create_topics([NewTopic("ok_name_1-x", 1, 1)])["ok_name_1-x"]).code() == \
        ck.KafkaError.TOPIC_EXCEPTION
    topics = admin.list_topics(timeout=30).topics
    assert "ok.name_1-x" in topics and "tópico" not in topics and "ok_name_1-x" not in topics
    # Metadata never auto-creates an illegal name: it answers INVALID_TOPIC_EXCEPTION.
    Topic = REQUESTS[3].MetadataRequestTopic
    body = roundtrip(sandbox.cluster.brokers[1].port, request_bytes(
        3, 12, 3, topics=[Topic(name="bad name"), Topic(name="fresh")], allow_auto_topic_creation=True,
        include_topic_authorized_operations=False))
    answered = {t.name: t.error_code for t in RESPONSES[3].decode(body, version=12, header=True).topics}
    assert answered == {"bad name": 17, "fresh": 0}


def test_delete_topics_and_create_partitions(sandbox: Sandbox, admin: AdminClient, kp_admin: KafkaAdminClient) -> None:
    admin.create_topics([NewTopic("grow", 2, 3), NewTopic("doomed", 1, 3)])["grow"].result(30)
    admin.create_partitions([NewPartitions("grow", 5)])["grow"].result(30)
    wait_for(lambda: len(admin.list_topics(timeout=30).topics["grow"].partitions) == 5, what="5 partitions")
    produce(sandbox, "grow", 3, partition=4)                 # a new partition takes writes
    assert sandbox.high_watermark("grow", 4) == 3
    assert kafka_error(admin.create_partitions([NewPartitions("grow", 3)])["grow"]).code() == \
        ck.KafkaError.INVALID_PARTITIONS                       # never shrink
    assert kafka_error(admin.create_partitions([NewPartitions("nope", 3)])["nope"]).code() == \
        ck.KafkaError.UNKNOWN_TOPIC_OR_PART
    kp_admin.create_partitions({"grow": KpNewPartitions(6)})
    wait_for(lambda: len(admin.list_topics(timeout=30).topics["grow"].partitions) == 6, what="6 partitions")

    wait_for(lambda: "doomed" in admin.list_topics(timeout=30).topics, what="topic doomed")
    produce(sandbox, "doomed", 5)
    admin.delete_topics(["doomed"])["doomed"].result(30)
    assert "doomed" not in admin.list_topics(timeout=30).topics
    assert all(b.replica_manager.partition("doomed", 0) is None for b in sandbox.cluster.brokers.values())
    assert kafka_error(admin.delete_topics(["doomed"])["doomed"]).code() == ck.KafkaError.UNKNOWN_TOPIC_OR_PART
    kp_admin.delete_topics(["grow"])
    assert "grow" not in admin.list_topics(timeout=30).topics


def test_describe_configs_lists_every_topic_config_with_its_source(sandbox: Sandbox, admin: AdminClient,
                                                                   kp_admin: KafkaAdminClient) -> None:
    admin.create_topics([NewTopic("cfg", 1, 3, config={"cleanup.policy": "compact",
                                                      "min.insync.replicas": "2"})])["cfg"].result(30)
    resource = ConfigResource(ResourceType.TOPIC, "cfg")
    configs = admin.describe_configs([resource])[resource].result(30)
    assert configs["cleanup.policy"].value == "compact"
    assert configs["cleanup.policy"].source == ConfigSource.DYNAMIC_TOPIC_CONFIG.value
    assert configs["min.insync.replicas"].value == "2"
    assert configs["retention.ms"].value == "604800000"
    assert configs["retention.ms"].source == ConfigSource.DEFAULT_CONFIG.value
    assert "message.format.version" not in configs           # removed in Kafka 4
    broker = ConfigResource(ResourceType.BROKER, "2")
    broker_configs = admin.describe_configs([broker])[broker].result(30)
    assert broker_configs["broker.id"].value == "2" and broker_configs["num.partitions"].value == "1"
    missing = ConfigResource(ResourceType.TOPIC, "missing")
    assert kafka_error(admin.describe_configs([missing])[missing]).code() == ck.KafkaError.UNKNOWN_TOPIC_OR_PART

    # CreateTopics v5+ (KIP-525) answers with the new topic's configs too.
    created = kp_admin.create_topics([KpNewTopic("cfg2", 1, 1, topic_configs={"retention.ms": "1000"})])
    answered = created["topics"][0]["configs"]
    assert answered["retention.ms"] == {"value": "1000", "read_only": False,
                                        "config_source": "DYNAMIC_TOPIC_CONFIG", "is_sensitive": False}
    assert answered["cleanup.policy"]["config_source"] == "DEFAULT_CONFIG"

    described = kp_admin.describe_configs([KpConfigResource(ConfigResourceType.TOPIC, "cfg")], config_filter="all")
    topic = described["topic"]["cfg"]
    assert topic["cleanup.policy"]["value"] == "compact" and topic["segment.bytes"]["value"] == "1073741824"
    assert topic["cleanup.policy"]["config_source"] == "DYNAMIC_TOPIC_CONFIG"
    assert topic["segment.bytes"]["config_source"] == "DEFAULT_CONFIG"
    synonyms = kp_admin.describe_configs([KpConfigResource(ConfigResourceType.TOPIC, "cfg")], include_synonyms=True,
                                         config_filter="all")["topic"]["cfg"]["cleanup.policy"]["synonyms"]
    assert synonyms == [{"name": "cleanup.policy", "value": "compact", "source": "DYNAMIC_TOPIC_CONFIG"},
                        {"name": "log.cleanup.policy", "value": "delete", "source": "DEFAULT_CONFIG"}]


def test_delete_records_moves_the_log_start_offset(sandbox: Sandbox, admin: AdminClient,
                                                   kp_admin: KafkaAdminClient) -> None:
    admin.create_topics([NewTopic("trim", 1, 3)])["trim"].result(30)
    produce(sandbox, "trim", 10)
    result = admin.delete_records([ck.TopicPartition("trim", 0, 4)])
    deleted = next(iter(result.values())).result(30)
    assert deleted.low_watermark == 4
    leader = sandbox.leader("trim")
    assert all(sandbox.cluster.brokers[b].replica_manager.partition("trim", 0).log.log_start_offset == 4
               for b in sandbox.replicas("trim"))
    consumer, offsets = consume_offsets(sandbox, "trim", "trim-readers", 6)
    consumer.close()
    assert offsets == list(range(4, 10))                      # the records below are gone
    beyond = admin.delete_records([ck.TopicPartition("trim", 0, 11)])
    assert kafka_error(next(iter(beyond.values()))).code() == ck.KafkaError.OFFSET_OUT_OF_RANGE
    # kafka-python: -1 means "up to the high watermark".
    from kafka import TopicPartition as KpTopicPartition
    out = kp_admin.delete_records({KpTopicPartition("trim", 0): -1}, partition_leader_id=leader)
    assert next(iter(out.values()))["low_watermark"] == 10


def test_describe_cluster(sandbox: Sandbox, admin: AdminClient, kp_admin: KafkaAdminClient) -> None:
    described = admin.describe_cluster(include_authorized_operations=True).result(30)
    assert described.cluster_id == sandbox.cluster.controller.cluster_id
    assert sorted(n.id for n in described.nodes) == [1, 2, 3]
    assert described.controller is not None and described.authorized_operations
    cluster = kp_admin.describe_cluster()
    assert sorted(b["broker_id"] for b in cluster["brokers"]) == [1, 2, 3]
    assert cluster["cluster_id"] == sandbox.cluster.controller.cluster_id
    # A stopped broker is fenced (while Metadata still lists it, broker.session.timeout.ms):
    # DescribeCluster v2 leaves it out, or marks it with include_fenced_brokers.
    sandbox.stop_broker(3)
    port = sandbox.cluster.brokers[1].port
    for include_fenced, expected in ((False, {1: False, 2: False}), (True, {1: False, 2: False, 3: True})):
        body = roundtrip(port, request_bytes(60, 2, 9, include_cluster_authorized_operations=False,
                                             endpoint_type=1, include_fenced_brokers=include_fenced))
        response = RESPONSES[60].decode(body, version=2, header=True)
        assert response.error_code == 0
        assert {b.broker_id: b.is_fenced for b in response.brokers} == expected
    body = roundtrip(port, request_bytes(60, 1, 10, include_cluster_authorized_operations=False, endpoint_type=2))
    assert RESPONSES[60].decode(body, version=1, header=True).error_code == 114   # MISMATCHED_ENDPOINT_TYPE


# --------------------------------------------------------------------------- groups

def test_list_describe_and_delete_groups(sandbox: Sandbox, admin: AdminClient, kp_admin: KafkaAdminClient) -> None:
    admin.create_topics([NewTopic("orders", 2, 3)])["orders"].result(30)
    produce(sandbox, "orders", 4)
    consumer, offsets = consume_offsets(sandbox, "orders", "billing", 4, **{"client.id": "billing-1"})
    assert len(offsets) == 4
    consumer.commit(asynchronous=False)

    listed = admin.list_consumer_groups().result(30)
    assert [(g.group_id, g.state) for g in listed.valid] == [("billing", ck.ConsumerGroupState.STABLE)]
    stable_only = admin.list_consumer_groups(states={ck.ConsumerGroupState.EMPTY}).result(30)
    assert stable_only.valid == []
    desc = admin.describe_consumer_groups(["billing"])["billing"].result(30)
    assert desc.state == ck.ConsumerGroupState.STABLE and desc.partition_assignor == "range"
    assert [m.client_id for m in desc.members] == ["billing-1"]
    assert sorted(tp.partition for tp in desc.members[0].assignment.topic_partitions) == [0, 1]
    assert kafka_error(admin.delete_consumer_groups(["billing"])["billing"]).code() == ck.KafkaError.NON_EMPTY_GROUP

    kp = kp_admin.describe_groups(["billing"])["billing"]
    assert kp["group_state"] == "Stable" and kp["protocol_type"] == "consumer"
    assert [g["group_id"] for g in kp_admin.list_groups()] == ["billing"]

    consumer.close()
    wait_for(lambda: admin.describe_consumer_groups(["billing"])["billing"].result(30).state
             == ck.ConsumerGroupState.EMPTY, what="group empty after close")
    assert admin.list_consumer_group_offsets([ck.ConsumerGroupTopicPartitions("billing")])["billing"].result(30)
    admin.delete_consumer_groups(["billing"])["billing"].result(30)
    assert admin.list_consumer_groups().result(30).valid == []
    assert kp_admin.delete_groups(["billing"]) == {"billing": "GroupIdNotFoundError"}
    # An unknown group: Dead with no error up to DescribeGroups v5 (librdkafka's), and from v6
    # (KIP-1043) GROUP_ID_NOT_FOUND.
    assert admin.describe_consumer_groups(["billing"])["billing"].result(30).state == ck.ConsumerGroupState.DEAD
    port = sandbox.cluster.coordinator_for("billing").port
    body = roundtrip(port, request_bytes(15, 6, 11, groups=["billing"], include_authorized_operations=False))
    group = RESPONSES[15].decode(body, version=6, header=True).groups[0]
    assert (group.error_code, group.group_state) == (69, "Dead") and "not found" in group.error_message


# --------------------------------------------------------------------------- transactions

def test_list_and_describe_transactions(sandbox: Sandbox, admin: AdminClient, kp_admin: KafkaAdminClient) -> None:
    admin.create_topics([NewTopic("ledger", 2, 3)])["ledger"].result(30)
    producer = ck.Producer({"bootstrap.servers": sandbox.bootstrap_servers, "transactional.id": "ledger-writer",
                            "transaction.timeout.ms": 60_000, "log_level": 0})
    producer.init_transactions(30)
    producer.begin_transaction()
    producer.produce("ledger", b"debit", partition=0)
    producer.produce("ledger", b"credit", partition=1)
    producer.flush(30)

    listed = [t for listings in kp_admin.list_transactions().values() for t in listings]
    assert [(t.transactional_id, t.state) for t in listed] == [("ledger-writer", "Ongoing")]
    assert kp_admin.list_transactions(state_filters=["CompleteCommit"]) == {1: [], 2: [], 3: []}
    described = kp_admin.describe_transactions(["ledger-writer"])["ledger-writer"]
    assert described.state == "Ongoing" and described.transaction_timeout_ms == 60_000
    assert sorted((tp.topic, tp.partition) for tp in described.topic_partitions) == [("ledger", 0), ("ledger", 1)]
    assert abs(described.transaction_start_time_ms - time.time() * 1000) < 120_000
    # DescribeProducers: every replica knows the producer and where its open transaction starts.
    from kafka import TopicPartition as KpTopicPartition
    tp = KpTopicPartition("ledger", 0)
    for broker in sandbox.replicas("ledger", 0):
        state = kp_admin.describe_producers([tp], broker_id=broker)[tp]
        (active,) = state.active_producers
        assert (active.producer_id, active.current_transaction_start_offset) == (described.producer_id, 0)
    producer.commit_transaction(30)
    wait_for(lambda: kp_admin.describe_transactions(["ledger-writer"])["ledger-writer"].state == "CompleteCommit",
             what="transaction completed")
    from kafka.errors import TransactionalIdNotFoundError
    with pytest.raises(TransactionalIdNotFoundError):
        kp_admin.describe_transactions(["nobody"])


def test_a_transaction_over_a_deleted_topic_still_completes(sandbox: Sandbox, admin: AdminClient) -> None:
    admin.create_topics([NewTopic("keep", 1, 3), NewTopic("drop", 1, 3)])["drop"].result(30)
    wait_for(lambda: {"keep", "drop"} <= set(admin.list_topics(timeout=30).topics), what="both topics")
    producer = ck.Producer({"bootstrap.servers": sandbox.bootstrap_servers, "transactional.id": "t-del",
                            "log_level": 0})
    producer.init_transactions(30)
    producer.begin_transaction()
    producer.produce("keep", b"a", partition=0)
    producer.produce("drop", b"b", partition=0)
    assert producer.flush(30) == 0
    admin.delete_topics(["drop"])["drop"].result(30)
    producer.commit_transaction(60)
    # The marker for the deleted partition is dropped, so the transaction completes (not retried forever).
    wait_for(lambda: sandbox.cluster.transaction_state.get("t-del").state.value == "CompleteCommit",
             timeout=30, what="the transaction to complete")
    assert [r.value for r in sandbox.records("keep")] == [b"a"]

