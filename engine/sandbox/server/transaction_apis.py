"""Wire handlers for the transaction APIs (KIP-98), each over the receiving broker's
`TransactionCoordinator` (FindCoordinator for transactional ids lives in core_apis and asks
`Cluster.coordinator_for`; the coordinators are built by `Broker` and re-elected by `Cluster`,
which also writes their markers).

InitProducerId is here for both kinds of producer, as in Kafka's KafkaApis: an idempotent
producer (no transactional id) gets a fresh producer id at epoch 0 from any broker; a
transactional one goes to its transaction coordinator, which fences its predecessor.

Versions served (see `api_handlers`): AddPartitionsToTxn, AddOffsetsToTxn, EndTxn and
TxnOffsetCommit v0-3, the pre-KIP-890 protocol both clients drive (librdkafka: AddPartitionsToTxn
v0, EndTxn v1, TxnOffsetCommit v3; kafka-python 3: v3 of each).

Events: the coordinator's txn_* kinds (see transaction_coordinator), each with the broker that
coordinates the transaction; `producer_id` for an idempotent producer's id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.sandbox.common.errors import Errors
from engine.sandbox.common.protocol import RequestHeader, response_class
from engine.sandbox.coordinator.transaction.transaction_coordinator import TransactionCoordinator

if TYPE_CHECKING:
    from engine.sandbox.server.kafka_apis import KafkaApis


def _coordinator(apis: "KafkaApis") -> TransactionCoordinator:
    return apis.broker.transaction_coordinator


async def init_producer_id(apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
    """InitProducerId: a producer id and epoch for an idempotent producer (KIP-98), or, with a
    transactional.id, the transaction coordinator's bump of that id's epoch (KIP-360)."""
    if req.transactional_id is None:
        # Without a transactional id Kafka always hands out a fresh producer id, epoch 0.
        producer_id = apis.cluster.next_producer_id()
        apis.events.emit(apis.broker.broker_id, "producer_id", producer_id=producer_id, producer_epoch=0)
        return dict(throttle_time_ms=0, error_code=Errors.NONE, producer_id=producer_id, producer_epoch=0)
    v = header.api_version
    result = await _coordinator(apis).init_producer_id(
        req.transactional_id, req.transaction_timeout_ms,
        req.producer_id if v >= 3 else -1, req.producer_epoch if v >= 3 else -1, version=v)
    return dict(throttle_time_ms=0, error_code=result.error, producer_id=result.producer_id,
                producer_epoch=result.producer_epoch)


async def add_partitions_to_txn(apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
    """AddPartitionsToTxn (v0-3): register the partitions a transaction writes; all refused if one is unknown."""
    R = response_class(24)
    controller = apis.cluster.controller
    wanted = [(t.name, p) for t in req.v3_and_below_topics for p in t.partitions]
    unknown = {tp for tp in wanted if controller.partition(*tp) is None}
    if unknown:
        # Kafka refuses the whole request: the unknown ones say why, the rest were not attempted.
        errors = {tp: Errors.UNKNOWN_TOPIC_OR_PARTITION if tp in unknown else Errors.OPERATION_NOT_ATTEMPTED
                  for tp in wanted}
    else:
        errors = _coordinator(apis).add_partitions_to_txn(
            req.v3_and_below_transactional_id, req.v3_and_below_producer_id, req.v3_and_below_producer_epoch,
            wanted, version=header.api_version).errors
    Result = R.AddPartitionsToTxnTopicResult
    return dict(throttle_time_ms=0, results_by_topic_v3_and_below=[
        Result(name=t.name, results_by_partition=[
            Result.AddPartitionsToTxnPartitionResult(partition_index=p, partition_error_code=errors[(t.name, p)])
            for p in t.partitions])
        for t in req.v3_and_below_topics])


async def add_offsets_to_txn(apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
    """AddOffsetsToTxn: the consumer group whose offsets the transaction will commit."""
    result = _coordinator(apis).add_offsets_to_txn(req.transactional_id, req.producer_id, req.producer_epoch,
                                                   req.group_id, version=header.api_version)
    return dict(throttle_time_ms=0, error_code=result.error)


async def txn_offset_commit(apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
    """TxnOffsetCommit, at the group's coordinator: offsets staged until the transaction's markers."""
    R = response_class(28)
    v = header.api_version
    controller = apis.cluster.controller
    errors: dict[tuple[str, int], Errors] = {}
    offsets: dict[tuple[str, int], tuple[int, str | None, int]] = {}
    for t in req.topics:
        for p in t.partitions:
            tp = (t.name, p.partition_index)
            if controller.partition(*tp) is None:
                errors[tp] = Errors.UNKNOWN_TOPIC_OR_PARTITION
            else:
                offsets[tp] = (p.committed_offset, p.committed_metadata,
                               p.committed_leader_epoch if v >= 2 else -1)
    if offsets:
        errors.update(_coordinator(apis).txn_offset_commit(
            req.transactional_id, req.group_id, req.producer_id, req.producer_epoch,
            req.member_id if v >= 3 else "", req.group_instance_id if v >= 3 else None,
            req.generation_id if v >= 3 else -1, offsets))
    Topic = R.TxnOffsetCommitResponseTopic
    return dict(throttle_time_ms=0, topics=[
        Topic(name=t.name, partitions=[
            Topic.TxnOffsetCommitResponsePartition(partition_index=p.partition_index,
                                                   error_code=errors[(t.name, p.partition_index)])
            for p in t.partitions])
        for t in req.topics])


async def end_txn(apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
    """EndTxn: commit or abort; answered once the markers are written (see TransactionConfig)."""
    result = await _coordinator(apis).end_txn(req.transactional_id, req.producer_id, req.producer_epoch,
                                              bool(req.committed), version=header.api_version)
    return dict(throttle_time_ms=0, error_code=result.error)
