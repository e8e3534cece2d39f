"""Wire handlers for the classic consumer-group APIs, each over the receiving broker's
`GroupCoordinator` (FindCoordinator for groups lives in core_apis and asks
`Cluster.coordinator_for`; the coordinators themselves are built by `Broker` and re-elected by
`Cluster`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.sandbox.common.errors import Errors
from engine.sandbox.common.protocol import RequestHeader, response_class
from engine.sandbox.coordinator.group.group_coordinator import GroupCoordinator

if TYPE_CHECKING:
    from engine.sandbox.server.kafka_apis import KafkaApis


def _coordinator(apis: "KafkaApis") -> GroupCoordinator:
    return apis.broker.group_coordinator


async def join_group(apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
    """JoinGroup: parked until the rebalance's join phase ends; the leader gets every member's subscription."""
    R = response_class(11)
    v = header.api_version
    result = await _coordinator(apis).join_group(
        req.group_id, req.member_id, getattr(req, "group_instance_id", None) if v >= 5 else None,
        req.header.client_id or "", req.protocol_type, [(p.name, p.metadata) for p in req.protocols],
        req.session_timeout_ms, req.rebalance_timeout_ms if v >= 1 else req.session_timeout_ms,
        require_known_member_id=v >= 4)
    members = [R.JoinGroupResponseMember(member_id=m.member_id, group_instance_id=m.group_instance_id,
                                         metadata=m.metadata) for m in result.members]
    return dict(throttle_time_ms=0, error_code=result.error, generation_id=result.generation_id,
                protocol_type=result.protocol_type, protocol_name=result.protocol_name or "",
                leader=result.leader_id, member_id=result.member_id, members=members)


async def sync_group(apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
    """SyncGroup: the leader sends the assignment; each member gets its partitions."""
    v = header.api_version
    result = await _coordinator(apis).sync_group(
        req.group_id, req.generation_id, req.member_id,
        getattr(req, "group_instance_id", None) if v >= 3 else None,
        req.protocol_type if v >= 5 else None, req.protocol_name if v >= 5 else None,
        {a.member_id: a.assignment for a in req.assignments or []})
    return dict(throttle_time_ms=0, error_code=result.error, protocol_type=result.protocol_type,
                protocol_name=result.protocol_name, assignment=result.assignment)


async def heartbeat(apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
    """Heartbeat: keeps the member in the group; REBALANCE_IN_PROGRESS asks it to rejoin."""
    error = _coordinator(apis).heartbeat(
        req.group_id, req.member_id, getattr(req, "group_instance_id", None) if header.api_version >= 3 else None,
        req.generation_id)
    return dict(throttle_time_ms=0, error_code=error)


async def leave_group(apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
    """LeaveGroup: members leave at once (v3+ in a batch, KIP-345)."""
    R = response_class(13)
    v = header.api_version
    members = [(req.member_id, None)] if v < 3 else [(m.member_id, m.group_instance_id) for m in req.members]
    result = _coordinator(apis).leave_group(req.group_id, members)
    if v < 3:
        error = result.error or (result.members[0].error if result.members else Errors.NONE)
        return dict(throttle_time_ms=0, error_code=error)
    return dict(throttle_time_ms=0, error_code=result.error, members=[
        R.MemberResponse(member_id=m.member_id, group_instance_id=m.group_instance_id, error_code=m.error)
        for m in result.members])


async def offset_commit(apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
    """OffsetCommit: store a generation's consumed positions (unknown partitions refused one by one)."""
    R = response_class(8)
    controller = apis.cluster.controller
    v = header.api_version
    errors: dict[tuple[str, int], Errors] = {}
    offsets: dict[tuple[str, int], tuple[int, str | None, int]] = {}
    for t in req.topics:
        for p in t.partitions:
            tp = (t.name, p.partition_index)
            if controller.partition(*tp) is None:
                errors[tp] = Errors.UNKNOWN_TOPIC_OR_PARTITION
            else:
                epoch = p.committed_leader_epoch if v >= 6 else -1
                offsets[tp] = (p.committed_offset, p.committed_metadata, epoch)
    if offsets:
        errors.update(_coordinator(apis).commit_offsets(
            req.group_id, req.member_id, req.generation_id_or_member_epoch, offsets,
            getattr(req, "group_instance_id", None) if v >= 7 else None))
    Topic = R.OffsetCommitResponseTopic
    return dict(throttle_time_ms=0, topics=[
        Topic(name=t.name, partitions=[
            Topic.OffsetCommitResponsePartition(partition_index=p.partition_index,
                                                error_code=errors[(t.name, p.partition_index)])
            for p in t.partitions])
        for t in req.topics])


async def offset_fetch(apis: "KafkaApis", header: RequestHeader, req: Any) -> dict[str, Any]:
    """OffsetFetch: the group's committed offsets, where a consumer resumes (require_stable from v7, KIP-447)."""
    R = response_class(9)
    v = header.api_version
    wanted = None if req.topics is None else [(t.name, i) for t in req.topics for i in t.partition_indexes]
    result = _coordinator(apis).fetch_offsets(req.group_id, wanted, require_stable=bool(getattr(req, "require_stable", False))
                                              if v >= 7 else False)
    by_topic: dict[str, list[Any]] = {}
    Topic = R.OffsetFetchResponseTopic
    for (topic, index), po in sorted(result.partitions.items()):
        by_topic.setdefault(topic, []).append(Topic.OffsetFetchResponsePartition(
            partition_index=index, committed_offset=po.offset, committed_leader_epoch=po.leader_epoch,
            metadata=po.metadata, error_code=po.error))
    error = result.error
    if v < 2 and error != Errors.NONE:   # before v2 the error is per partition only
        for parts in by_topic.values():
            for part in parts:
                part.error_code = error
    return dict(throttle_time_ms=0, error_code=error,
                topics=[Topic(name=n, partitions=p) for n, p in by_topic.items()])
