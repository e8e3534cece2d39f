"""Wire handlers for the transaction APIs, over `transaction_coordinator.TransactionCoordinator`
(FindCoordinator for transactional ids lives in core_handlers and asks `cluster.coordinator_for`;
core_handlers' InitProducerId hands a transactional id to `cluster.transaction_coordinator`).

`attach(cluster)` gives every broker its TransactionCoordinator, all sharing one
TransactionStateManager (what `__transaction_state` would hold, so a transaction outlives its
coordinator's broker), and re-elects the coordinator partitions whenever a broker starts or
stops: a stopped broker's transactions move to the broker that now leads their partition, which
finishes any caught between Prepare* and Complete* (markers resent: never half-applied) and
aborts any left open past `transaction.timeout.ms`.

Versions advertised: AddPartitionsToTxn, AddOffsetsToTxn, EndTxn and TxnOffsetCommit v0-3, the
pre-KIP-890 protocol both clients drive (librdkafka 2.16: AddPartitionsToTxn v0, EndTxn v1,
TxnOffsetCommit v3; kafka-python 3: v3 of each). Markers go through `Cluster.write_markers`
(appended to each partition's leader, acknowledged once replicated to the ISR).

Events: the coordinator's txn_* kinds (see transaction_coordinator), each with the broker that
coordinates the transaction.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from engine.sandbox.cluster import COORDINATOR_PARTITIONS
from engine.sandbox.coordinator.timer import partition_for
from engine.sandbox.common.errors import Errors
from engine.sandbox.common.protocol import RequestHeader, response_class
from engine.sandbox.server.api_handlers import handles
from engine.sandbox.coordinator.transaction.transaction_coordinator import MarkerWriteError, TransactionCoordinator
from engine.sandbox.coordinator.transaction.transaction_state_manager import ProducerIdManager, TransactionStateManager

if TYPE_CHECKING:
    from engine.sandbox.cluster import Cluster
    from engine.sandbox.server.kafka_apis import KafkaApis

# How long one attempt at writing markers waits for replication before the coordinator retries
# the partitions that did not make it (a leader that stopped fails its waits at once).
MARKER_ATTEMPT_TIMEOUT_S = 10.0


class ClusterTransactions:
    """`cluster.transaction_coordinator`: the cluster-wide face of the per-broker coordinators."""

    def __init__(self, cluster: "Cluster", state: TransactionStateManager) -> None:
        self.cluster = cluster
        self.state = state

    def coordinator(self, broker_id: int) -> TransactionCoordinator:
        return self.cluster.brokers[broker_id].transaction_coordinator

    async def handle_init_producer_id(self, apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
        v = header.api_version
        result = await _coordinator(apis).init_producer_id(
            req.transactional_id, req.transaction_timeout_ms,
            req.producer_id if v >= 3 else -1, req.producer_epoch if v >= 3 else -1, version=v)
        return dict(throttle_time_ms=0, error_code=result.error, producer_id=result.producer_id,
                    producer_epoch=result.producer_epoch)


def attach(cluster: "Cluster") -> None:
    state = TransactionStateManager(num_partitions=COORDINATOR_PARTITIONS, partitioner=partition_for,
                                    producer_ids=ProducerIdManager(source=cluster.next_producer_id))

    async def write_markers(producer_id: int, producer_epoch: int, commit: bool,
                            partitions: list[tuple[str, int]], coordinator_epoch: int) -> None:
        failed = await cluster.write_markers(producer_id, producer_epoch, commit, partitions, coordinator_epoch,
                                             timeout_s=MARKER_ATTEMPT_TIMEOUT_S)
        if failed:
            raise MarkerWriteError(failed)

    for broker_id, broker in cluster.brokers.items():
        broker.transaction_coordinator = TransactionCoordinator(
            broker_id, state, write_markers, broker.group_coordinator,
            emit=functools.partial(cluster.events.emit, broker_id))
    cluster.transaction_coordinator = ClusterTransactions(cluster, state)

    def elect() -> None:
        owned_now = {broker_id: cluster.coordinator_partitions(broker_id) if broker.running else set()
                     for broker_id, broker in cluster.brokers.items()}
        # Every resignation first, so no two brokers ever own a partition at once.
        for broker_id, broker in cluster.brokers.items():
            tc: TransactionCoordinator = broker.transaction_coordinator
            lost = set(tc.owned) - owned_now[broker_id]
            if not broker.running:
                tc.shutdown()
            elif lost:
                tc.on_resignation(lost)
        for broker_id, broker in cluster.brokers.items():
            tc = broker.transaction_coordinator
            if not broker.running:
                continue
            if not tc._running:
                tc.startup()
            gained = owned_now[broker_id] - set(tc.owned)
            if gained:
                tc.on_election(gained)

    cluster.membership_listeners.append(elect)
    elect()


def _coordinator(apis: "KafkaApis") -> TransactionCoordinator:
    return apis.broker.transaction_coordinator


@handles("AddPartitionsToTxn", 0, 3)
async def add_partitions_to_txn(apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
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


@handles("AddOffsetsToTxn", 0, 3)
async def add_offsets_to_txn(apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
    result = _coordinator(apis).add_offsets_to_txn(req.transactional_id, req.producer_id, req.producer_epoch,
                                                   req.group_id, version=header.api_version)
    return dict(throttle_time_ms=0, error_code=result.error)


@handles("TxnOffsetCommit", 0, 3)
async def txn_offset_commit(apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
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


@handles("EndTxn", 0, 3)
async def end_txn(apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
    result = await _coordinator(apis).end_txn(req.transactional_id, req.producer_id, req.producer_epoch,
                                              bool(req.committed), version=header.api_version)
    return dict(throttle_time_ms=0, error_code=result.error)
