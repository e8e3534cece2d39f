"""Handlers for the cluster, produce and fetch APIs (the non-group part of KafkaApis)."""

from __future__ import annotations

import asyncio
import struct
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kafka.record.default_records import DefaultRecordBatch

from engine.sandbox.server.controller import NO_LEADER, TopicError, topic_name_error
from engine.sandbox.server.topic_configs import (MIN_INSYNC_REPLICAS, InvalidConfig, is_compacted,
                                                 resolve_topic_configs, validate_topic_configs)
from engine.sandbox.common.records import InvalidRecordBatch, iter_headers
from engine.sandbox.server.admin_apis import CLUSTER_OPERATIONS, TOPIC_OPERATIONS
from engine.sandbox.common.errors import Errors
from engine.sandbox.common.layouts import (EncodedBody, FetchPartition, ProducePartition, fetch_response,
                                           produce_response)
from engine.sandbox.log.unified_log import UNDEFINED_EPOCH, UNDEFINED_OFFSET
from engine.sandbox.common.protocol import RequestHeader, api_versions_body, response_class
from engine.sandbox.replication.partition import AppendResult
from engine.sandbox.replication.replica_manager import READ_COMMITTED

if TYPE_CHECKING:
    from engine.sandbox.server.kafka_apis import KafkaApis

EARLIEST_TIMESTAMP = -2
LATEST_TIMESTAMP = -1
MAX_TIMESTAMP = -3


async def api_versions(apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
    """ApiVersions: the API table's version ranges, what clients negotiate every request version from."""
    return api_versions_body(apis.supported_versions())


async def metadata(apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
    """Metadata: brokers, controller, each partition's leader, epoch, replicas and ISR (auto-creating topics)."""
    R = response_class(3)
    cluster = apis.cluster
    controller = cluster.controller
    if req.topics is None:
        names = sorted(controller.topics)
    else:
        names = [t.name for t in req.topics if t.name]
    allow_auto = bool(getattr(req, "allow_auto_topic_creation", True))
    # With no authorizer every operation is allowed; v8-10 report them when asked (KIP-430).
    topic_ops = TOPIC_OPERATIONS if getattr(req, "include_topic_authorized_operations", False) else None
    cluster_ops = CLUSTER_OPERATIONS if getattr(req, "include_cluster_authorized_operations", False) else None
    topics = []
    for name in names:
        topic = controller.topics.get(name)
        if topic is None and topic_name_error(name):
            topics.append(R.MetadataResponseTopic(error_code=Errors.INVALID_TOPIC_EXCEPTION, name=name,
                                                  is_internal=False, partitions=[]))
            continue
        if topic is None and allow_auto and cluster.config.auto_create_topics_enable:
            topic = auto_create(apis, name)
        if topic is None:
            topics.append(R.MetadataResponseTopic(error_code=Errors.UNKNOWN_TOPIC_OR_PARTITION, name=name,
                                                  is_internal=False, partitions=[]))
            continue
        partitions = []
        for p in topic.partitions:
            offline = [b for b in p.replicas if b not in controller.live]
            partitions.append(R.MetadataResponseTopic.MetadataResponsePartition(
                error_code=Errors.LEADER_NOT_AVAILABLE if p.leader == NO_LEADER else Errors.NONE,
                partition_index=p.index, leader_id=p.leader, leader_epoch=p.leader_epoch,
                replica_nodes=list(p.replicas), isr_nodes=list(p.isr), offline_replicas=offline))
        topics.append(R.MetadataResponseTopic(error_code=Errors.NONE, name=name, topic_id=topic.topic_id,
                                              is_internal=False, partitions=partitions,
                                              authorized_operations=topic_ops))
    brokers = [R.MetadataResponseBroker(node_id=b.broker_id, host=b.host, port=b.port, rack=None)
               for b in cluster.registered_brokers()]
    live = sorted(controller.live)
    return dict(throttle_time_ms=0, brokers=brokers, cluster_id=controller.cluster_id,
                controller_id=live[0] if live else -1, topics=topics, authorized_operations=cluster_ops)


def auto_create(apis: "KafkaApis", name: str) -> Any:
    """auto.create.topics.enable: create a topic a client asked Metadata for (None if the name is refused)."""
    cluster = apis.cluster
    try:
        return cluster.controller.create_topic(
            name, cluster.config.num_partitions, cluster.default_replication_factor(),
            cluster.config.min_insync_replicas)
    except TopicError:
        return None


async def create_topics(apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
    """CreateTopics: partitions, replication factor and topic configs (an unknown config name or
    a bad value is INVALID_CONFIG; validate_only checks everything and creates nothing)."""
    R = response_class(19)
    cluster = apis.cluster
    results = []
    for t in req.topics:
        partitions = t.num_partitions if t.num_partitions > 0 else cluster.config.num_partitions
        rf = t.replication_factor if t.replication_factor > 0 else cluster.default_replication_factor()
        error, message, topic = Errors.NONE, None, None
        try:
            configs = validate_topic_configs({c.name: c.value for c in (t.configs or [])})
            min_isr = int(configs.get(MIN_INSYNC_REPLICAS, cluster.config.min_insync_replicas))
            if t.assignments:
                raise TopicError(Errors.INVALID_REQUEST, "manual replica assignment is not supported here")
            topic = cluster.controller.create_topic(t.name, partitions, rf, min_isr, configs,
                                                    validate_only=bool(req.validate_only))
        except TopicError as exc:
            error, message = exc.error, str(exc)
        except InvalidConfig as exc:
            error, message = Errors.INVALID_CONFIG, str(exc)
        created = topic is not None and not req.validate_only
        # v5+ (KIP-525): the topic's configs as DescribeConfigs would list them.
        Config = R.CreatableTopicResult.CreatableTopicConfigs
        configs = [Config(name=c.definition.name, value=c.value, read_only=False, config_source=c.source,
                          is_sensitive=False)
                   for c in resolve_topic_configs(topic.configs, cluster.config)] if topic is not None else []
        results.append(R.CreatableTopicResult(
            name=t.name, topic_id=topic.topic_id if created else None, error_code=error, error_message=message,
            num_partitions=partitions if not error else -1, replication_factor=rf if not error else -1,
            configs=configs))
    return dict(throttle_time_ms=0, topics=results)


async def produce(apis: "KafkaApis", header: RequestHeader, req: Any) -> EncodedBody | None:
    """Produce: append each partition's batches with the request's acks; no response at all for acks=0.

    Every partition is appended first, in request order; acks=all then waits once for all of
    them to reach the ISR (Kafka's one DelayedProduce per request), up to the request's timeout."""
    rm = apis.broker.replica_manager
    acks = req.acks
    keys = []
    results: list[AppendResult] = []
    waiting: list[tuple[str, int, AppendResult, asyncio.Future[Errors]]] = []
    for td in req.topic_data:
        for pd in td.partition_data:
            keys.append((td.name, pd.index))
            if acks not in (0, 1, -1):
                result = AppendResult(Errors.INVALID_REQUIRED_ACKS)
            elif pd.records is None:
                result = AppendResult(Errors.CORRUPT_MESSAGE)
            elif (refused := _keyless_in_compacted(apis, td.name, pd.index, pd.records)) is not None:
                result = refused
            else:
                result, waiter = rm.append_to_leader(td.name, pd.index, pd.records, acks)
                if waiter is not None:
                    waiting.append((td.name, pd.index, result, waiter))
            results.append(result)
    if waiting:
        await rm.wait_for_isr(waiting, req.timeout_ms)
    if acks == 0:
        return None     # acks=0: the producer never reads a response
    by_topic: dict[str, list[ProducePartition]] = {}
    for (name, index), result in zip(keys, results):
        by_topic.setdefault(name, []).append(ProducePartition(
            index, result.error, result.base_offset, result.log_start_offset,
            getattr(result, "record_errors", ()), result.message))
    return produce_response(header.api_version, list(by_topic.items()))


@dataclass
class _RefusedRecords(AppendResult):
    """A produce refused for some of its records: which ones (index in their batch) and why."""

    record_errors: list[tuple[int, str]] = field(default_factory=list)


def _keyless_in_compacted(apis: "KafkaApis", topic_name: str, index: int, records: bytes) -> AppendResult | None:
    """Kafka's LogValidator: a compacted topic keeps the latest record per key, so a record
    without a key is refused (INVALID_RECORD, naming the record). None when all is well."""
    topic = apis.cluster.controller.topics.get(topic_name)
    if topic is None or not is_compacted(topic.configs):
        return None
    try:
        headers = list(iter_headers(records))
    except InvalidRecordBatch:
        return None      # the append reports the corrupt batch
    message = f"Compacted topic cannot accept message without key in topic partition {topic_name}-{index}."
    bad = []
    for h in headers:
        if h.is_control:
            continue
        batch = DefaultRecordBatch(bytes(records[h.position:h.position + h.size]))
        bad += [(i, message) for i, record in enumerate(batch) if record.key is None]
    if not bad:
        return None
    return _RefusedRecords(Errors.INVALID_RECORD, message=message, record_errors=bad)


async def fetch(apis: "KafkaApis", header: RequestHeader, req: Any) -> EncodedBody:
    """Fetch: read from the leader up to the HW (or the LSO for read_committed), long-polling up to max_wait_ms."""
    rm = apis.broker.replica_manager
    deadline = time.monotonic() + max(req.max_wait_ms, 0) / 1000
    isolation = req.isolation_level
    while True:
        waits = []
        topics: list[tuple[str, list[FetchPartition]]] = []
        total = 0
        any_error = False
        budget = req.max_bytes if req.max_bytes > 0 else 1 << 30
        for ft in req.topics:
            parts = []
            for fp in ft.partitions:
                partition = rm.partition(ft.topic, fp.partition)
                if partition is not None:
                    waits.append(partition.changed())
                max_bytes = max(min(fp.partition_max_bytes, budget), 1)
                result = rm.read(ft.topic, fp.partition, fp.fetch_offset, max_bytes, isolation,
                                 getattr(fp, "current_leader_epoch", -1))
                entries = result.entries
                # KIP-74: only the first partition with data may go past the response's max_bytes
                # (one oversized batch, so a consumer always progresses); after it, a partition
                # whose next batch does not fit in what is left gets no records this time.
                if total > 0 and entries and entries[0].header.size > budget:
                    entries = []
                size = sum(e.header.size for e in entries)
                total += size
                budget -= size
                any_error = any_error or result.error != Errors.NONE
                aborted = result.aborted if isolation == READ_COMMITTED else None
                parts.append(FetchPartition(fp.partition, result.error, result.high_watermark,
                                            result.last_stable_offset, result.log_start_offset, aborted,
                                            [e.data for e in entries]))
            topics.append((ft.topic, parts))
        remaining = deadline - time.monotonic()
        if total >= max(req.min_bytes, 1) or any_error or remaining <= 0 or not apis.broker.running:
            return fetch_response(header.api_version, topics)
        await _wait_any(waits, remaining)


async def _wait_any(events: list[asyncio.Event], timeout: float) -> None:
    if not events:
        await asyncio.sleep(timeout)
        return
    waiters = [asyncio.ensure_future(e.wait()) for e in {id(e): e for e in events}.values()]
    try:
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()


async def list_offsets(apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
    """ListOffsets: earliest, latest (HW, or LSO for read_committed) or by timestamp, per partition."""
    R = response_class(2)
    rm = apis.broker.replica_manager
    isolation = getattr(req, "isolation_level", 0)
    out = []
    for t in req.topics:
        parts = []
        for p in t.partitions:
            error, partition = rm.leader_partition(t.name, p.partition_index)
            offset, timestamp, epoch = -1, -1, -1
            current = getattr(p, "current_leader_epoch", -1)
            if partition is not None and current >= 0 and current != partition.leader_epoch:
                error = Errors.FENCED_LEADER_EPOCH if current < partition.leader_epoch else Errors.UNKNOWN_LEADER_EPOCH
            elif partition is not None:
                epoch = partition.leader_epoch
                if p.timestamp == EARLIEST_TIMESTAMP:
                    offset = partition.log.log_start_offset
                elif p.timestamp == LATEST_TIMESTAMP:
                    offset = partition.last_stable_offset() if isolation == READ_COMMITTED else partition.high_watermark
                else:
                    upper = partition.last_stable_offset() if isolation == READ_COMMITTED else partition.high_watermark
                    offset, timestamp = _offset_for_timestamp(partition, p.timestamp, upper)
            parts.append(R.ListOffsetsTopicResponse.ListOffsetsPartitionResponse(
                partition_index=p.partition_index, error_code=error, timestamp=timestamp, offset=offset,
                leader_epoch=epoch))
        out.append(R.ListOffsetsTopicResponse(name=t.name, partitions=parts))
    return dict(throttle_time_ms=0, topics=out)


def _offset_for_timestamp(partition: Any, timestamp: int, upper_bound: int) -> tuple[int, int]:
    """Kafka's fetchOffsetByTimestamp, to the record: the first record (below `upper_bound`)
    whose timestamp reaches `timestamp`, or for MAX_TIMESTAMP (-3) the first record with the
    largest timestamp. Batch headers pick the batches worth decoding (their max timestamp)."""
    best = (-1, -1)
    for entry in partition.log.read(partition.log.log_start_offset, 1 << 62, upper_bound):
        if entry.header.is_control:
            continue
        max_ts, = struct.unpack_from(">q", entry.data, 35)
        if timestamp == MAX_TIMESTAMP:
            if max_ts <= best[1]:
                continue
        elif max_ts < timestamp:
            continue
        for record in DefaultRecordBatch(bytes(entry.data)):
            if record.offset >= upper_bound:
                break
            if timestamp == MAX_TIMESTAMP:
                if record.timestamp > best[1]:
                    best = (record.offset, record.timestamp)
            elif record.timestamp >= timestamp:
                return record.offset, record.timestamp
    return best


async def offset_for_leader_epoch(apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
    """OffsetForLeaderEpoch (KIP-101): where an epoch ended, so a replica or consumer detects divergence."""
    R = response_class(23)
    rm = apis.broker.replica_manager
    out = []
    for t in req.topics:
        parts = []
        for p in t.partitions:
            error, partition = rm.leader_partition(t.topic, p.partition)
            epoch, end = UNDEFINED_EPOCH, UNDEFINED_OFFSET
            if partition is not None:
                current = p.current_leader_epoch
                if current >= 0 and current != partition.leader_epoch:
                    error = (Errors.FENCED_LEADER_EPOCH if current < partition.leader_epoch
                             else Errors.UNKNOWN_LEADER_EPOCH)
                else:
                    epoch, end = partition.log.end_offset_for_epoch(p.leader_epoch)
            parts.append(R.OffsetForLeaderTopicResult.EpochEndOffset(
                error_code=error, partition=p.partition, leader_epoch=epoch, end_offset=end))
        out.append(R.OffsetForLeaderTopicResult(topic=t.topic, partitions=parts))
    return dict(throttle_time_ms=0, topics=out)


async def find_coordinator(apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
    """FindCoordinator: the broker leading the internal-topic partition of a group or transactional id."""
    R = response_class(10)
    cluster = apis.cluster
    keys = list(req.coordinator_keys) if header.api_version >= 4 else [req.key]
    found = []
    for key in keys:
        broker = cluster.coordinator_for(key)
        if broker is None:
            found.append((key, Errors.COORDINATOR_NOT_AVAILABLE, -1, "", -1))
        else:
            found.append((key, Errors.NONE, broker.broker_id, broker.host, broker.port))
    if header.api_version >= 4:
        return dict(throttle_time_ms=0, coordinators=[
            R.Coordinator(key=k, node_id=n, host=h, port=p, error_code=e, error_message=None)
            for k, e, n, h, p in found])
    k, e, n, h, p = found[0]
    return dict(throttle_time_ms=0, error_code=e, error_message=None, node_id=n, host=h, port=p)
