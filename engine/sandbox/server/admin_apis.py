"""Handlers for the admin half of the protocol, what AdminClient and Kafka's own tools
(kafka-topics, kafka-consumer-groups, kafka-configs, kafka-transactions, kafka-delete-records)
send: topics (DeleteTopics, CreatePartitions, DescribeConfigs, DeleteRecords), the cluster
(DescribeCluster), consumer groups (ListGroups, DescribeGroups, DeleteGroups) and transactions
(ListTransactions, DescribeTransactions, DescribeProducers). Each answers as a Kafka 4 broker does; the group and
transaction ones ask this broker's coordinators, so they answer NOT_COORDINATOR for what another
broker coordinates (clients find the right one with FindCoordinator, or ask every broker).
"""

from __future__ import annotations

import re
import time
import uuid
from typing import TYPE_CHECKING, Any

from engine.sandbox.common.errors import Errors
from engine.sandbox.common.protocol import RequestHeader, response_class
from engine.sandbox.coordinator.group.group_coordinator import GroupDescription
from engine.sandbox.server.controller import TopicError
from engine.sandbox.server.topic_configs import ConfigSource, broker_configs, resolve_topic_configs

if TYPE_CHECKING:
    from engine.sandbox.server.kafka_apis import KafkaApis

# AuthorizedOperations when the client did not ask for them (Integer.MIN_VALUE on the wire; the
# codec takes a bitfield as the set of its bit numbers, None for that value).
OPERATIONS_NOT_REQUESTED = None
# AclOperation codes: with no authorizer every operation on the resource is allowed.
READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, \
    IDEMPOTENT_WRITE = 3, 4, 5, 6, 7, 8, 9, 10, 11, 12
GROUP_OPERATIONS = {READ, DESCRIBE, DELETE}
TOPIC_OPERATIONS = {READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS}
CLUSTER_OPERATIONS = {CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE}

# DescribeConfigs resource types (org.apache.kafka.common.config.ConfigResource.Type).
RESOURCE_TOPIC = 2
RESOURCE_BROKER = 4
RESOURCE_BROKER_LOGGER = 8

# DescribeCluster's EndpointType (KIP-919): brokers answer for brokers only.
ENDPOINT_BROKERS = 1

# Kafka serves a host as its InetAddress prints, with a leading slash.
CLIENT_HOST = "/127.0.0.1"


# --------------------------------------------------------------------------- topics

async def delete_topics(apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
    """DeleteTopics: by name (v1-5) or by name or topic id (v6); every replica drops its log and
    the groups' committed offsets for the topic go too."""
    R = response_class(20)
    cluster = apis.cluster
    controller = cluster.controller
    v = header.api_version
    wanted: list[tuple[str | None, uuid.UUID | None]]
    if v >= 6:
        wanted = [(t.name, t.topic_id if t.topic_id and t.topic_id != uuid.UUID(int=0) else None)
                  for t in req.topics]
    else:
        wanted = [(name, None) for name in req.topic_names]
    results = []
    for name, topic_id in wanted:
        error, message = Errors.NONE, None
        if topic_id is not None and name is None:
            topic = controller.topic_by_id(topic_id)
            if topic is None:
                error, message = Errors.UNKNOWN_TOPIC_ID, f"Topic id {topic_id} does not exist."
            name = topic.name if topic is not None else None
        if not error:
            try:
                topic = controller.delete_topic(name or "")
                topic_id = topic.topic_id
                cluster.group_metadata.delete_topic_offsets(topic.name)
            except TopicError as exc:
                error, message = exc.error, str(exc)
        fields: dict[str, Any] = dict(name=name, error_code=error)
        if v >= 5:
            fields["error_message"] = message
        if v >= 6:
            fields["topic_id"] = topic_id or uuid.UUID(int=0)
        results.append(R.DeletableTopicResult(**fields))
    return dict(throttle_time_ms=0, responses=results)


async def create_partitions(apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
    """CreatePartitions: grow topics (never shrink); the new partitions are placed as CreateTopics places them."""
    R = response_class(37)
    controller = apis.cluster.controller
    names = [t.name for t in req.topics]
    results = []
    for t in req.topics:
        error, message = Errors.NONE, None
        try:
            if names.count(t.name) > 1:
                raise TopicError(Errors.INVALID_REQUEST, f"Duplicate topic in request: {t.name}")
            if t.assignments:
                raise TopicError(Errors.INVALID_REPLICA_ASSIGNMENT,
                                 "manual replica assignment is not supported here: omit it")
            controller.create_partitions(t.name, t.count, validate_only=bool(req.validate_only))
        except TopicError as exc:
            error, message = exc.error, str(exc)
        results.append(R.CreatePartitionsTopicResult(name=t.name, error_code=error, error_message=message))
    return dict(throttle_time_ms=0, results=results)


async def describe_configs(apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
    """DescribeConfigs: every topic config (the topic's override or the default, with where it
    comes from) or this broker's configs; `configuration_keys` narrows the list."""
    R = response_class(32)
    Result = R.DescribeConfigsResult
    Entry = Result.DescribeConfigsResourceResult
    Synonym = Entry.DescribeConfigsSynonym
    v = header.api_version
    synonyms_wanted = bool(getattr(req, "include_synonyms", False))
    docs_wanted = v >= 3 and bool(getattr(req, "include_documentation", False))
    cluster = apis.cluster
    results = []
    for res in req.resources:
        keys = None if res.configuration_keys is None else set(res.configuration_keys)
        entries = []
        error, message = Errors.NONE, None
        if res.resource_type == RESOURCE_TOPIC:
            topic = cluster.controller.topics.get(res.resource_name)
            if topic is None:
                error, message = Errors.UNKNOWN_TOPIC_OR_PARTITION, f"Topic {res.resource_name!r} does not exist."
            else:
                for c in resolve_topic_configs(topic.configs, cluster.config):
                    if keys is not None and c.definition.name not in keys:
                        continue
                    synonyms = [Synonym(name=n, value=v, source=src) for n, v, src in c.synonyms]
                    entries.append(Entry(name=c.definition.name, value=c.value, read_only=False,
                                         config_source=c.source, is_default=c.source is ConfigSource.DEFAULT_CONFIG,
                                         is_sensitive=False, synonyms=synonyms if synonyms_wanted else [],
                                         config_type=c.definition.type,
                                         documentation=c.definition.doc if docs_wanted else None))
        elif res.resource_type == RESOURCE_BROKER:
            broker_id = apis.broker.broker_id
            if res.resource_name not in ("", str(broker_id)):
                error, message = Errors.INVALID_REQUEST, (f"Unexpected broker id, expected {broker_id} "
                                                          f"or empty string, but received {res.resource_name}")
            else:
                for name, (value, config_type) in broker_configs(cluster.config, broker_id).items():
                    if keys is not None and name not in keys:
                        continue
                    source = ConfigSource.STATIC_BROKER_CONFIG
                    entries.append(Entry(name=name, value=value, read_only=True, config_source=source,
                                         is_default=False, is_sensitive=False,
                                         synonyms=[Synonym(name=name, value=value, source=source)]
                                         if synonyms_wanted else [],
                                         config_type=config_type, documentation=None))
        elif res.resource_type == RESOURCE_BROKER_LOGGER:
            error, message = Errors.INVALID_REQUEST, "broker loggers are not modelled by the sandbox"
        else:
            error, message = Errors.INVALID_REQUEST, f"Unsupported resource type {res.resource_type}"
        results.append(Result(error_code=error, error_message=message, resource_type=res.resource_type,
                              resource_name=res.resource_name, configs=entries))
    return dict(throttle_time_ms=0, results=results)


async def delete_records(apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
    """DeleteRecords: move a partition's log start offset up to `offset` (-1: the high watermark);
    records below it can no longer be fetched. Answered by the leader, with the new low watermark."""
    R = response_class(21)
    Topic = R.DeleteRecordsTopicResult
    rm = apis.broker.replica_manager
    cluster = apis.cluster
    out = []
    for t in req.topics:
        parts = []
        for p in t.partitions:
            error, partition = rm.leader_partition(t.name, p.partition_index)
            low = -1
            if partition is not None:
                hw = partition.high_watermark
                target = hw if p.offset == -1 else p.offset
                if target < 0 or target > hw:
                    error = Errors.OFFSET_OUT_OF_RANGE
                else:
                    log = partition.log
                    if target > log.log_start_offset:
                        # Kafka's followers learn the new log start offset from their next fetch;
                        # here every replica moves with the leader.
                        for broker_id in partition.state.replicas:
                            manager = cluster.running_replica_manager(broker_id)
                            replica = manager.partition(t.name, p.partition_index) if manager else None
                            if replica is not None:
                                replica.log.log_start_offset = max(replica.log.log_start_offset,
                                                                   min(target, replica.log.log_end_offset))
                        apis.events.emit(apis.broker.broker_id, "records_deleted", topic=t.name,
                                         partition=p.partition_index, log_start_offset=log.log_start_offset)
                    low = log.log_start_offset
            parts.append(Topic.DeleteRecordsPartitionResult(partition_index=p.partition_index,
                                                           low_watermark=low, error_code=error))
        out.append(Topic(name=t.name, partitions=parts))
    return dict(throttle_time_ms=0, topics=out)


async def describe_producers(apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
    """DescribeProducers: the idempotent and transactional producers a partition's replica knows
    (epoch, last sequence, the first offset of an open transaction): what kafka-transactions
    describe-producers and find-hanging read."""
    R = response_class(61)
    Topic = R.TopicResponse
    Part = Topic.PartitionResponse
    rm = apis.broker.replica_manager
    out = []
    for t in req.topics:
        parts = []
        for index in t.partition_indexes:
            # Any replica answers (Kafka's activeProducerState): find-hanging asks every broker.
            partition = rm.partition(t.name, index)
            if apis.cluster.controller.partition(t.name, index) is None:
                error, partition = Errors.UNKNOWN_TOPIC_OR_PARTITION, None
            else:
                error = Errors.NONE if partition is not None else Errors.NOT_LEADER_OR_FOLLOWER
            producers = []
            if partition is not None:
                state = partition.producer_state
                for pid, entry in sorted(state.producers.items()):
                    producers.append(Part.ProducerState(
                        producer_id=pid, producer_epoch=entry.epoch, last_sequence=entry.last_seq,
                        last_timestamp=getattr(entry, "last_timestamp", -1), coordinator_epoch=-1,
                        current_txn_start_offset=state.ongoing.get(pid, -1)))
            parts.append(Part(partition_index=index, error_code=error, error_message=None,
                              active_producers=producers))
        out.append(Topic(name=t.name, partitions=parts))
    return dict(throttle_time_ms=0, topics=out)


# --------------------------------------------------------------------------- cluster

async def describe_cluster(apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
    """DescribeCluster: cluster id, controller and brokers (a stopped broker still registered
    is fenced: listed only with include_fenced_brokers, v2)."""
    R = response_class(60)
    cluster = apis.cluster
    v = header.api_version
    endpoint = getattr(req, "endpoint_type", ENDPOINT_BROKERS) if v >= 1 else ENDPOINT_BROKERS
    if endpoint != ENDPOINT_BROKERS:
        return dict(throttle_time_ms=0, error_code=Errors.MISMATCHED_ENDPOINT_TYPE,
                    error_message="The request was sent to an endpoint of type BROKER, but we wanted "
                                  "an endpoint of type CONTROLLER",
                    endpoint_type=endpoint, cluster_id=cluster.controller.cluster_id, controller_id=-1,
                    brokers=[], authorized_operations=OPERATIONS_NOT_REQUESTED)
    include_fenced = v >= 2 and bool(getattr(req, "include_fenced_brokers", False))
    brokers = []
    for b in cluster.registered_brokers():
        fenced = not b.running
        if fenced and not include_fenced:
            continue
        fields: dict[str, Any] = dict(broker_id=b.broker_id, host=b.host, port=b.port, rack=None)
        if v >= 2:
            fields["is_fenced"] = fenced
        brokers.append(R.DescribeClusterBroker(**fields))
    live = sorted(cluster.controller.live)
    ops = CLUSTER_OPERATIONS if req.include_cluster_authorized_operations else OPERATIONS_NOT_REQUESTED
    return dict(throttle_time_ms=0, error_code=Errors.NONE, error_message=None, endpoint_type=endpoint,
                cluster_id=cluster.controller.cluster_id, controller_id=live[0] if live else -1,
                brokers=brokers, authorized_operations=ops)


# --------------------------------------------------------------------------- groups

async def list_groups(apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
    """ListGroups: the groups this broker coordinates (an admin client asks every broker);
    states filter from v4 (KIP-518), types filter from v5 (all groups here are classic)."""
    R = response_class(16)
    v = header.api_version
    states = list(req.states_filter or []) if v >= 4 else None
    types = {t.lower() for t in (req.types_filter or [])} if v >= 5 else set()
    groups = []
    if not types or "classic" in types:
        for g in apis.broker.group_coordinator.list_groups(states):
            fields: dict[str, Any] = dict(group_id=g.group_id, protocol_type=g.protocol_type)
            if v >= 4:
                fields["group_state"] = g.state
            if v >= 5:
                fields["group_type"] = "classic"
            groups.append(R.ListedGroup(**fields))
    return dict(throttle_time_ms=0, error_code=Errors.NONE, groups=groups)


async def describe_groups(apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
    """DescribeGroups: state, protocol and members of each group (metadata and assignments only
    while Stable). An unknown group is Dead with no error before v6, GROUP_ID_NOT_FOUND from v6."""
    R = response_class(15)
    Group = R.DescribedGroup
    Member = Group.DescribedGroupMember
    v = header.api_version
    ops = GROUP_OPERATIONS if v >= 3 and req.include_authorized_operations else OPERATIONS_NOT_REQUESTED
    out = []
    for group_id in req.groups:
        described = apis.broker.group_coordinator.describe_group(group_id)
        fields: dict[str, Any] = dict(group_id=group_id, authorized_operations=ops)
        if isinstance(described, GroupDescription):
            members = [Member(member_id=m.member_id, group_instance_id=m.group_instance_id, client_id=m.client_id,
                              client_host=CLIENT_HOST, member_metadata=m.metadata, member_assignment=m.assignment)
                       for m in described.members]
            fields.update(error_code=Errors.NONE, error_message=None, group_state=described.state,
                          protocol_type=described.protocol_type, protocol_data=described.protocol_name,
                          members=members)
        elif described is Errors.GROUP_ID_NOT_FOUND and v < 6:
            fields.update(error_code=Errors.NONE, error_message=None, group_state="Dead", protocol_type="",
                          protocol_data="", members=[])
        else:
            message = f"Group {group_id} not found." if described is Errors.GROUP_ID_NOT_FOUND else None
            fields.update(error_code=described, error_message=message, group_state="Dead", protocol_type="",
                          protocol_data="", members=[])
        out.append(Group(**fields))
    return dict(throttle_time_ms=0, groups=out)


async def delete_groups(apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
    """DeleteGroups: groups with no members go, with their committed offsets."""
    R = response_class(42)
    results = apis.broker.group_coordinator.delete_groups(list(req.groups_names))
    return dict(throttle_time_ms=0, results=[R.DeletableGroupResult(group_id=g, error_code=e)
                                             for g, e in results.items()])


# --------------------------------------------------------------------------- transactions

def _wall_clock_ms(timer_time: float, now: float) -> int:
    """A coordinator timer reading (monotonic seconds) as epoch milliseconds."""
    return int(time.time() * 1000 - (now - timer_time) * 1000)


async def list_transactions(apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
    """ListTransactions: the transactional ids this broker coordinates, filtered by state, producer
    id, how long the transaction has run (v1) and an id pattern (v2)."""
    R = response_class(66)
    v = header.api_version
    tc = apis.broker.transaction_coordinator
    known_states = {"Empty", "Ongoing", "PrepareCommit", "PrepareAbort", "CompleteCommit", "CompleteAbort",
                    "PrepareEpochFence", "Dead"}
    state_filters = set(req.state_filters or [])
    unknown = sorted(s for s in state_filters if s not in known_states)
    producer_filters = set(req.producer_id_filters or [])
    duration = req.duration_filter if v >= 1 else -1
    pattern = None
    if v >= 2 and req.transactional_id_pattern:
        try:
            pattern = re.compile(req.transactional_id_pattern)
        except re.error as exc:
            return dict(throttle_time_ms=0, error_code=Errors.INVALID_REGULAR_EXPRESSION,
                        unknown_state_filters=[], transaction_states=[])
    now = tc.timer.time()
    out = []
    for partition in sorted(tc.owned):
        for txn in tc.state.in_partition(partition):
            if state_filters and txn.state.value not in state_filters:
                continue
            if producer_filters and txn.producer_id not in producer_filters:
                continue
            if duration >= 0 and (txn.txn_start_time < 0 or (now - txn.txn_start_time) * 1000 < duration):
                continue
            if pattern is not None and not pattern.fullmatch(txn.transactional_id):
                continue
            out.append(R.TransactionState(transactional_id=txn.transactional_id, producer_id=txn.producer_id,
                                          transaction_state=txn.state.value))
    return dict(throttle_time_ms=0, error_code=Errors.NONE, unknown_state_filters=unknown, transaction_states=out)


async def describe_transactions(apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
    """DescribeTransactions: each transactional id's state, producer id and epoch, timeout,
    start time and the partitions in its open transaction (asked of its coordinator)."""
    R = response_class(65)
    State = R.TransactionState
    tc = apis.broker.transaction_coordinator
    now = tc.timer.time()
    out = []
    for tid in req.transactional_ids:
        txn = tc.state.get(tid) if tc.is_coordinator_for(tid) else None
        if not tc.is_coordinator_for(tid):
            error = Errors.NOT_COORDINATOR
        elif txn is None:
            error = Errors.TRANSACTIONAL_ID_NOT_FOUND
        else:
            error = Errors.NONE
        if txn is None:
            out.append(State(error_code=error, transactional_id=tid, transaction_state="",
                             transaction_timeout_ms=0, transaction_start_time_ms=-1, producer_id=-1,
                             producer_epoch=-1, topics=[]))
            continue
        by_topic: dict[str, list[int]] = {}
        for topic, index in sorted(txn.partitions):
            by_topic.setdefault(topic, []).append(index)
        start = _wall_clock_ms(txn.txn_start_time, now) if txn.txn_start_time >= 0 else -1
        out.append(State(error_code=error, transactional_id=tid, transaction_state=txn.state.value,
                         transaction_timeout_ms=txn.txn_timeout_ms, transaction_start_time_ms=start,
                         producer_id=txn.producer_id, producer_epoch=txn.producer_epoch,
                         topics=[State.TopicData(topic=t, partitions=p) for t, p in by_topic.items()]))
    return dict(throttle_time_ms=0, transaction_states=out)
