"""The classic consumer-group protocol's coordinator, modelled on Kafka's
kafka.coordinator.group.GroupCoordinator: JoinGroup, SyncGroup, Heartbeat, LeaveGroup,
OffsetCommit, TxnOffsetCommit, OffsetFetch. Wire-independent: plain values in, dataclasses with
Kafka error codes (`engine.sandbox.common.errors.Errors`) out.

One `GroupCoordinator` per broker; all of them share the cluster-owned
`GroupMetadataManager` (committed and transactional offsets, stored memberships). A group belongs
to the coordinator elected for its `__consumer_offsets` partition
(`manager.partition_for(group_id)`); any other broker's coordinator answers NOT_COORDINATOR.

Setting up (`Broker` does this; `Cluster` re-elects on membership changes):

    manager = GroupMetadataManager(num_partitions=50)            # one per cluster
    gc = GroupCoordinator(broker_id, manager, emit=functools.partial(events.emit, broker_id))
    gc.on_election(partitions)      # this broker now leads these __consumer_offsets partitions
    gc.on_resignation(partitions)   # it no longer does (or call gc.shutdown() when it stops):
                                    # parked JoinGroup/SyncGroup answer NOT_COORDINATOR, timers stop
    gc.is_coordinator_for(group_id) -> bool   # for FindCoordinator: key -> partition -> its leader

Request handlers (all must run on the cluster's asyncio loop):

    JoinGroup   r = await gc.join_group(group_id, member_id, group_instance_id, client_id,
                                        protocol_type, [(name, metadata), ...], session_timeout_ms,
                                        rebalance_timeout_ms,   # v0: pass session_timeout_ms
                                        require_known_member_id=version >= 4)
                -> JoinResult(error, member_id, generation_id, protocol_type, protocol_name,
                              leader_id, members=[JoinGroupMember(member_id, group_instance_id, metadata)])
                   (members is non-empty only for the leader). The call parks until the rebalance's
                   join phase completes: keep serving the connection's other requests meanwhile.
    SyncGroup   r = await gc.sync_group(group_id, generation_id, member_id, group_instance_id,
                                        protocol_type, protocol_name,   # None before v5
                                        {member_id: assignment bytes})  # {} from followers
                -> SyncResult(error, protocol_type, protocol_name, assignment)
    Heartbeat   gc.heartbeat(group_id, member_id, group_instance_id, generation_id) -> Errors
    LeaveGroup  gc.leave_group(group_id, [(member_id, group_instance_id), ...])
                -> LeaveResult(error, members=[LeaveMemberResult(member_id, group_instance_id, error)])
                   (v0-2: one member; answer with `r.error` if set, else that member's error)
    OffsetCommit gc.commit_offsets(group_id, member_id, generation_id,
                                   {(topic, partition): (offset, metadata, leader_epoch)},
                                   group_instance_id=None) -> {(topic, partition): Errors}
                   (the handler itself answers UNKNOWN_TOPIC_OR_PARTITION for partitions it does
                   not know and leaves them out of the call)
    TxnOffsetCommit: go through TransactionCoordinator.txn_offset_commit (it checks the
                   transaction, then calls gc.txn_commit_offsets)
    OffsetFetch gc.fetch_offsets(group_id, [(topic, partition), ...] | None, require_stable=False)
                -> OffsetFetchResult(error, {(topic, partition): PartitionOffset(offset,
                                             leader_epoch, metadata, error)})

Events (via `emit(kind, **details)`, every one with `group=`): group_join, group_rebalance_start,
group_join_complete, group_sync, group_rebalance_complete, group_member_removed (reason),
offset_commit, txn_offset_commit, group_loaded / group_unloaded (coordinator moved),
group_static_member_replaced (instance_id, old_member, member), group_deleted.

Timers: `timer=` defaults to `SystemTimer()` (the running asyncio loop); pass a
`coordinator.timer.ManualTimer` to drive session/rebalance timeouts by hand (tests). Call
`on_election` on the loop: loading a group arms its members' session timers.

Static membership (KIP-345): a member joining with a `group.instance.id` the group already
holds takes the old member's place under a new member id, keeping its assignment; a Stable group
does not rebalance for it (unless the group's protocol would change). Requests from the replaced
member id answer FENCED_INSTANCE_ID. A static member leaves on LeaveGroup or session timeout only.

Admin:
    ListGroups      gc.list_groups(states) -> [GroupListing(group_id, protocol_type, state)]
    DescribeGroups  gc.describe_group(group_id) -> GroupDescription | Errors
    DeleteGroups    gc.delete_groups([group_id, ...]) -> {group_id: Errors}

Not modelled: offset retention/expiry.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from engine.sandbox.coordinator.timer import SystemTimer, Timer, TimerHandle
from engine.sandbox.common.errors import Errors
from engine.sandbox.coordinator.group.group_metadata import GroupMetadata, GroupState, MemberMetadata
from engine.sandbox.coordinator.group.group_metadata_manager import (GroupMetadataManager, OffsetAndMetadata, PartitionOffset,
                                                   StoredGroup, StoredMember, TopicPartition)

Emit = Callable[..., Any]
UNKNOWN_MEMBER_ID = ""
NO_GENERATION = -1


@dataclass
class GroupConfig:
    # Kafka's group.initial.rebalance.delay.ms is 3 s; a short delay keeps the course snappy
    # while still letting consumers started together land in one generation.
    """The group coordinator's broker configs (group.* settings), scaled down for the course."""

    initial_rebalance_delay_ms: int = 100
    # group.min/max.session.timeout.ms, Kafka's own defaults and not scaled down: a JoinGroup whose
    # session.timeout.ms lies outside them gets INVALID_SESSION_TIMEOUT, so an example that joins
    # here also joins on a real broker.
    min_session_timeout_ms: int = 6_000
    max_session_timeout_ms: int = 1_800_000
    new_member_join_timeout_ms: int = 300_000  # Kafka's GroupCoordinator.NewMemberJoinTimeoutMs
    max_size: int | None = None                # group.max.size (Kafka: unlimited)
    offset_metadata_max_bytes: int = 4096      # offset.metadata.max.bytes


@dataclass(frozen=True)
class JoinGroupMember:
    """One member as the JoinGroup response lists it to the leader: its id and subscription metadata."""

    member_id: str
    group_instance_id: str | None
    metadata: bytes


@dataclass(frozen=True)
class JoinResult:
    """A JoinGroup answer: member id, generation, chosen protocol, leader (members: for the leader only)."""

    error: Errors
    member_id: str
    generation_id: int = NO_GENERATION
    protocol_type: str | None = None
    protocol_name: str | None = None
    leader_id: str = ""
    members: tuple[JoinGroupMember, ...] = ()


@dataclass(frozen=True)
class SyncResult:
    """A SyncGroup answer: the member's partition assignment, as the leader computed it."""

    error: Errors
    protocol_type: str | None = None
    protocol_name: str | None = None
    assignment: bytes = b""


@dataclass(frozen=True)
class LeaveMemberResult:
    """One member's outcome in a LeaveGroup (v3+ batches members, KIP-345)."""

    member_id: str
    group_instance_id: str | None
    error: Errors


@dataclass(frozen=True)
class LeaveResult:
    """A LeaveGroup answer: a group-level error, or one result per member."""

    error: Errors
    members: tuple[LeaveMemberResult, ...] = ()


@dataclass(frozen=True)
class GroupListing:
    """One group as ListGroups lists it."""

    group_id: str
    protocol_type: str
    state: str


@dataclass(frozen=True)
class MemberDescription:
    """One member as DescribeGroups shows it (metadata and assignment only while Stable)."""

    member_id: str
    group_instance_id: str | None
    client_id: str
    metadata: bytes
    assignment: bytes


@dataclass(frozen=True)
class GroupDescription:
    """A group as DescribeGroups shows it: state, protocol type, protocol (while Stable), members."""

    group_id: str
    state: str
    protocol_type: str
    protocol_name: str
    members: tuple[MemberDescription, ...]


@dataclass(frozen=True)
class OffsetFetchResult:
    """An OffsetFetch answer: the committed offset of each partition asked for (-1 when none)."""

    error: Errors
    partitions: dict[TopicPartition, PartitionOffset] = field(default_factory=dict)


def _resolve(fut: asyncio.Future[Any] | None, result: Any) -> None:
    if fut is not None and not fut.done():
        fut.set_result(result)


class GroupCoordinator:
    """One broker's consumer-group coordinator (Kafka's GroupCoordinator); see the module docstring."""

    def __init__(self, broker_id: int, manager: GroupMetadataManager, emit: Emit | None = None,
                 timer: Timer | None = None, config: GroupConfig | None = None) -> None:
        self.broker_id = broker_id
        self.manager = manager
        self.config = config or GroupConfig()
        self.timer: Timer = timer or SystemTimer()
        self._emit_fn = emit
        self.owned_partitions: set[int] = set()
        self.groups: dict[str, GroupMetadata] = {}
        # The pending join-phase completion per group (Kafka's DelayedJoin in the rebalance purgatory).
        self._join_timers: dict[str, TimerHandle] = {}
        self._sync_timers: dict[str, TimerHandle] = {}
        # Groups in Kafka's InitialDelayedJoin: their join phase ends only when the delay expires.
        self._initial_delay_groups: set[str] = set()

    # ------------------------------------------------------------------ ownership

    def is_coordinator_for(self, group_id: str) -> bool:
        """Whether this broker leads the __consumer_offsets partition of `group_id`."""
        return self.manager.partition_for(group_id) in self.owned_partitions

    def on_election(self, partitions: Any) -> None:
        """Become coordinator for these __consumer_offsets partitions: load their groups as
        stored (members with assignments come back Stable, their session timers restarted)."""
        for partition in partitions:
            if partition in self.owned_partitions:
                continue
            self.owned_partitions.add(partition)
            for group_id in self.manager.group_ids_in(partition):
                stored = self.manager.stored_group(group_id)
                if stored is not None:
                    self._load_group(stored)

    def on_resignation(self, partitions: Any) -> None:
        """Give up these __consumer_offsets partitions: their groups unload, parked calls get NOT_COORDINATOR."""
        for partition in list(partitions):
            self.owned_partitions.discard(partition)
        for group_id, group in list(self.groups.items()):
            if not self.is_coordinator_for(group_id):
                self._unload_group(group)

    def shutdown(self) -> None:
        """The broker stopped: resign every partition it coordinated."""
        self.on_resignation(list(self.owned_partitions))

    def group(self, group_id: str) -> GroupMetadata | None:
        """The live state of a group this coordinator holds (None if not loaded here)."""
        return self.groups.get(group_id)

    def _load_group(self, stored: StoredGroup) -> None:
        group = GroupMetadata(stored.group_id, generation_id=stored.generation_id,
                              protocol_type=stored.protocol_type, protocol_name=stored.protocol_name)
        for sm in stored.members:
            group.add(MemberMetadata(sm.member_id, sm.group_instance_id, sm.client_id,
                                     sm.rebalance_timeout_ms, sm.session_timeout_ms, sm.protocol_type,
                                     list(sm.supported_protocols), sm.assignment))
        group.leader_id = stored.leader_id if stored.leader_id in group.members else group.leader_id
        group.protocol_type = stored.protocol_type
        if group.members:
            group.state = GroupState.STABLE   # Kafka loads a group with members as Stable
        self.groups[group.group_id] = group
        for member in group.members.values():
            self._schedule_heartbeat_expiry(group, member)
        self._emit("group_loaded", group, generation=group.generation_id, state=group.state.value,
                   members=list(group.members))

    def _unload_group(self, group: GroupMetadata) -> None:
        """Kafka's onGroupUnloaded: the group is Dead here; parked requests learn the
        coordinator moved so the clients look it up again."""
        previous = group.state
        group.state = GroupState.DEAD
        self._initial_delay_groups.discard(group.group_id)
        for handle in (self._join_timers.pop(group.group_id, None), self._sync_timers.pop(group.group_id, None)):
            if handle is not None:
                handle.cancel()
        for timer in group.pending_members.values():
            if timer is not None:
                timer.cancel()
        for member in group.members.values():
            if member.heartbeat_timer is not None:
                member.heartbeat_timer.cancel()
            if member.awaiting_join is not None:
                _resolve(member.awaiting_join, JoinResult(Errors.NOT_COORDINATOR, member.member_id))
                member.awaiting_join = None
            if member.awaiting_sync is not None:
                _resolve(member.awaiting_sync, SyncResult(Errors.NOT_COORDINATOR))
                member.awaiting_sync = None
        del self.groups[group.group_id]
        self._emit("group_unloaded", group, previous_state=previous.value)

    def _validate(self, group_id: str | None, allow_empty_id: bool = False) -> Errors | None:
        if group_id is None or (group_id == "" and not allow_empty_id):
            return Errors.INVALID_GROUP_ID
        if not self.is_coordinator_for(group_id):
            return Errors.NOT_COORDINATOR
        return None

    # ------------------------------------------------------------------ JoinGroup

    async def join_group(self, group_id: str, member_id: str, group_instance_id: str | None, client_id: str,
                         protocol_type: str, protocols: list[tuple[str, bytes]], session_timeout_ms: int,
                         rebalance_timeout_ms: int, require_known_member_id: bool) -> JoinResult:
        """JoinGroup: add or update the member and park the call until the rebalance's join phase completes."""
        error = self._validate(group_id)
        if error is not None:
            return JoinResult(error, member_id)
        if not self.config.min_session_timeout_ms <= session_timeout_ms <= self.config.max_session_timeout_ms:
            return JoinResult(Errors.INVALID_SESSION_TIMEOUT, member_id)
        protocols = [(name, bytes(meta)) for name, meta in protocols]
        group = self.groups.get(group_id)
        if group is None:
            if member_id != UNKNOWN_MEMBER_ID:
                # A member id the coordinator never gave (or the group is gone): start over.
                return JoinResult(Errors.UNKNOWN_MEMBER_ID, member_id)
            group = self.groups[group_id] = GroupMetadata(group_id)
        if (self.config.max_size is not None and len(group.members) >= self.config.max_size
                and not group.has(member_id) and not group.is_pending_member(member_id)):
            return JoinResult(Errors.GROUP_MAX_SIZE_REACHED, member_id)

        fut: asyncio.Future[JoinResult] = asyncio.get_running_loop().create_future()
        if member_id == UNKNOWN_MEMBER_ID:
            self._do_unknown_join(group, group_instance_id, client_id, protocol_type, protocols,
                                  session_timeout_ms, rebalance_timeout_ms, require_known_member_id, fut)
        else:
            self._do_current_member_join(group, member_id, group_instance_id, client_id, protocol_type,
                                         protocols, session_timeout_ms, rebalance_timeout_ms, fut)
        return await fut

    def _do_unknown_join(self, group: GroupMetadata, group_instance_id: str | None, client_id: str,
                         protocol_type: str, protocols: list[tuple[str, bytes]], session_timeout_ms: int,
                         rebalance_timeout_ms: int, require_known_member_id: bool,
                         fut: asyncio.Future[JoinResult]) -> None:
        if group.is_(GroupState.DEAD):
            _resolve(fut, JoinResult(Errors.COORDINATOR_NOT_AVAILABLE, UNKNOWN_MEMBER_ID))
            return
        if not group.supports_protocols(protocol_type, protocols):
            _resolve(fut, JoinResult(Errors.INCONSISTENT_GROUP_PROTOCOL, UNKNOWN_MEMBER_ID))
            return
        prefix = group_instance_id if group_instance_id is not None else client_id
        new_member_id = f"{prefix}-{uuid.uuid4()}"
        if group.static_member_id(group_instance_id) is not None:
            self._update_static_member_and_rebalance(group, group_instance_id, new_member_id, protocols,
                                                     session_timeout_ms, rebalance_timeout_ms, fut)
            return
        if require_known_member_id and group_instance_id is None:
            # (A static member needs no second round trip: its instance id already names it.)
            # KIP-394 (JoinGroup v4+): hand out the id and make the client join again with it,
            # so a client that times out and retries does not leave a ghost member behind.
            group.pending_members[new_member_id] = self.timer.call_later(
                session_timeout_ms / 1000, lambda: self._expire_pending_member(group, new_member_id))
            self._emit("group_join", group, member=new_member_id, client_id=client_id,
                       error=Errors.MEMBER_ID_REQUIRED.name)
            _resolve(fut, JoinResult(Errors.MEMBER_ID_REQUIRED, new_member_id))
            return
        self._add_member_and_rebalance(group, new_member_id, group_instance_id, client_id, protocol_type,
                                       protocols, session_timeout_ms, rebalance_timeout_ms, fut)

    def _update_static_member_and_rebalance(self, group: GroupMetadata, group_instance_id: str,
                                            new_member_id: str, protocols: list[tuple[str, bytes]],
                                            session_timeout_ms: int, rebalance_timeout_ms: int,
                                            fut: asyncio.Future[JoinResult]) -> None:
        """Kafka's updateStaticMemberAndRebalance: the returning instance replaces its old member id;
        whatever the old id had parked is answered FENCED_INSTANCE_ID."""
        current_leader = group.leader_id or ""
        old_member_id = group.static_members[group_instance_id]
        old = group.get(old_member_id)
        fut_join, old.awaiting_join = old.awaiting_join, None
        _resolve(fut_join, JoinResult(Errors.FENCED_INSTANCE_ID, old_member_id))
        fut_sync, old.awaiting_sync = old.awaiting_sync, None
        _resolve(fut_sync, SyncResult(Errors.FENCED_INSTANCE_ID))
        member = group.replace_static_member(group_instance_id, new_member_id)
        group.update_member_protocols(member, protocols)
        member.session_timeout_ms = session_timeout_ms
        member.rebalance_timeout_ms = rebalance_timeout_ms
        self._emit("group_static_member_replaced", group, instance_id=group_instance_id,
                   old_member=old_member_id, member=new_member_id, state=group.state.value)
        if group.is_(GroupState.STABLE):
            if group.select_protocol() == group.protocol_name:
                # No rebalance: the member resumes its assignment. The answer names the leader as
                # it was, so a returning leader does not compute an assignment nobody would get.
                self._store_group(group)
                self._schedule_heartbeat_expiry(group, member)
                _resolve(fut, JoinResult(Errors.NONE, new_member_id, group.generation_id, group.protocol_type,
                                         group.protocol_name, current_leader))
                return
            member.awaiting_join = fut
            self._maybe_prepare_rebalance(
                group, f"static member {group_instance_id} rejoined with a protocol that changes the group's")
        elif group.is_(GroupState.COMPLETING_REBALANCE):
            # It missed this generation's JoinGroup answer: another rebalance gives it one.
            member.awaiting_join = fut
            self._maybe_prepare_rebalance(group, f"static member {group_instance_id} rejoined during a rebalance")
        else:   # PreparingRebalance: it joins this rebalance like any member
            member.awaiting_join = fut
            self._try_complete_join(group)

    def _do_current_member_join(self, group: GroupMetadata, member_id: str, group_instance_id: str | None,
                                client_id: str, protocol_type: str, protocols: list[tuple[str, bytes]],
                                session_timeout_ms: int, rebalance_timeout_ms: int,
                                fut: asyncio.Future[JoinResult]) -> None:
        if group.is_(GroupState.DEAD):
            _resolve(fut, JoinResult(Errors.COORDINATOR_NOT_AVAILABLE, member_id))
            return
        if group.is_static_member_fenced(member_id, group_instance_id):
            _resolve(fut, JoinResult(Errors.FENCED_INSTANCE_ID, member_id))
            return
        if not group.supports_protocols(protocol_type, protocols):
            _resolve(fut, JoinResult(Errors.INCONSISTENT_GROUP_PROTOCOL, member_id))
            return
        if group.is_pending_member(member_id):
            self._add_member_and_rebalance(group, member_id, group_instance_id, client_id, protocol_type,
                                           protocols, session_timeout_ms, rebalance_timeout_ms, fut)
            return
        if not group.has(member_id):
            _resolve(fut, JoinResult(Errors.UNKNOWN_MEMBER_ID, member_id))
            return
        member = group.get(member_id)
        if group.is_(GroupState.PREPARING_REBALANCE):
            self._update_member_and_rebalance(group, member, protocols, session_timeout_ms,
                                              rebalance_timeout_ms, fut)
        elif group.is_(GroupState.COMPLETING_REBALANCE):
            if member.matches(protocols):
                # It lost our JoinGroup answer and asks again: answer with the current generation.
                _resolve(fut, self._join_result(group, member))
            else:
                self._update_member_and_rebalance(group, member, protocols, session_timeout_ms,
                                                  rebalance_timeout_ms, fut)
        else:  # Stable (a known member in an Empty group is impossible: Empty has no members)
            if group.is_leader(member_id) or not member.matches(protocols):
                # The leader rejoining (e.g. its subscription's metadata changed) or a changed
                # subscription starts a rebalance; a follower's plain retry does not.
                self._update_member_and_rebalance(group, member, protocols, session_timeout_ms,
                                                  rebalance_timeout_ms, fut)
            else:
                _resolve(fut, JoinResult(Errors.NONE, member_id, group.generation_id, group.protocol_type,
                                         group.protocol_name, group.leader_id or ""))

    def _add_member_and_rebalance(self, group: GroupMetadata, member_id: str, group_instance_id: str | None,
                                  client_id: str, protocol_type: str, protocols: list[tuple[str, bytes]],
                                  session_timeout_ms: int, rebalance_timeout_ms: int,
                                  fut: asyncio.Future[JoinResult]) -> None:
        member = MemberMetadata(member_id, group_instance_id, client_id, rebalance_timeout_ms,
                                session_timeout_ms, protocol_type, list(protocols), is_new=True)
        member.awaiting_join = fut
        if group.is_(GroupState.PREPARING_REBALANCE) and group.generation_id == 0:
            group.new_member_added = True
        group.add(member)
        self._emit("group_join", group, member=member_id, client_id=client_id, new=True,
                   protocols=member.protocol_names())
        # A new member cannot heartbeat before its first join completes; if it never comes back
        # for the answer, it expires after the new-member join timeout.
        self._schedule_heartbeat_expiry(group, member, self.config.new_member_join_timeout_ms)
        self._maybe_prepare_rebalance(group, f"member {member_id} joined")
        self._try_complete_join(group)

    def _update_member_and_rebalance(self, group: GroupMetadata, member: MemberMetadata,
                                     protocols: list[tuple[str, bytes]], session_timeout_ms: int,
                                     rebalance_timeout_ms: int, fut: asyncio.Future[JoinResult]) -> None:
        group.update_member_protocols(member, protocols)
        member.session_timeout_ms = session_timeout_ms
        member.rebalance_timeout_ms = rebalance_timeout_ms
        if member.awaiting_join is not None and member.awaiting_join is not fut:
            # A duplicate JoinGroup from the same member: the older request is superseded.
            _resolve(member.awaiting_join, JoinResult(Errors.REBALANCE_IN_PROGRESS, member.member_id))
        member.awaiting_join = fut
        self._emit("group_join", group, member=member.member_id, client_id=member.client_id, new=False,
                   protocols=member.protocol_names())
        self._maybe_prepare_rebalance(group, f"member {member.member_id} rejoined")
        self._try_complete_join(group)

    def _expire_pending_member(self, group: GroupMetadata, member_id: str) -> None:
        if group.pending_members.pop(member_id, "absent") == "absent":
            return
        self._emit("group_member_removed", group, member=member_id,
                   reason="pending member did not join with its member id within the session timeout")
        if group.is_(GroupState.PREPARING_REBALANCE):
            self._try_complete_join(group)

    # ------------------------------------------------------------------ rebalance

    def _maybe_prepare_rebalance(self, group: GroupMetadata, reason: str) -> None:
        if group.can_rebalance():
            self._prepare_rebalance(group, reason)

    def _prepare_rebalance(self, group: GroupMetadata, reason: str) -> None:
        if group.is_(GroupState.COMPLETING_REBALANCE):
            # Followers parked in SyncGroup will not get this generation's assignment: tell them.
            self._reset_and_propagate_assignment_error(group, Errors.REBALANCE_IN_PROGRESS)
        sync_timer = self._sync_timers.pop(group.group_id, None)
        if sync_timer is not None:
            sync_timer.cancel()
        was_empty = group.is_(GroupState.EMPTY)
        group.transition_to(GroupState.PREPARING_REBALANCE)
        self._emit("group_rebalance_start", group, reason=reason, generation=group.generation_id,
                   members=list(group.members))
        old = self._join_timers.pop(group.group_id, None)
        if old is not None:
            old.cancel()
        if was_empty:
            # Kafka's InitialDelayedJoin: wait a little for more members before the first generation,
            # extending while new ones arrive, up to the rebalance timeout.
            delay = self.config.initial_rebalance_delay_ms
            remaining = max(group.rebalance_timeout_ms() - delay, 0)
            self._schedule_initial_delayed_join(group, delay, remaining)
        else:
            self._join_timers[group.group_id] = self.timer.call_later(
                group.rebalance_timeout_ms() / 1000, lambda: self._complete_join(group))
            self._try_complete_join(group)

    def _schedule_initial_delayed_join(self, group: GroupMetadata, delay_ms: int, remaining_ms: int) -> None:
        def expire() -> None:
            self._join_timers.pop(group.group_id, None)
            if group.new_member_added and remaining_ms != 0:
                group.new_member_added = False
                next_delay = min(self.config.initial_rebalance_delay_ms, remaining_ms)
                self._schedule_initial_delayed_join(group, next_delay, max(remaining_ms - next_delay, 0))
            else:
                self._complete_join(group)
        self._join_timers[group.group_id] = self.timer.call_later(delay_ms / 1000, expire)
        self._initial_delay_groups.add(group.group_id)

    def _try_complete_join(self, group: GroupMetadata) -> None:
        """DelayedJoin.tryComplete: the join phase ends as soon as every known member has
        rejoined (and no MEMBER_ID_REQUIRED member is still expected)."""
        if not group.is_(GroupState.PREPARING_REBALANCE) or group.group_id in self._initial_delay_groups:
            return
        if group.has_all_members_joined():
            handle = self._join_timers.pop(group.group_id, None)
            if handle is not None:
                handle.cancel()
            self._complete_join(group)

    def _complete_join(self, group: GroupMetadata) -> None:
        """Kafka's onCompleteJoin: drop members that did not rejoin, start the next generation
        and answer every parked JoinGroup (the leader gets the members and their metadata)."""
        self._initial_delay_groups.discard(group.group_id)
        self._join_timers.pop(group.group_id, None)
        if not group.is_(GroupState.PREPARING_REBALANCE):
            return
        for member in group.not_yet_rejoined_members():
            self._cancel_heartbeat(member)
            group.remove(member.member_id)
            self._emit("group_member_removed", group, member=member.member_id,
                       reason="did not rejoin within the rebalance timeout")
        group.maybe_elect_new_joined_leader()
        group.init_next_generation()
        if group.is_(GroupState.EMPTY):
            self._store_group(group)
            self._emit("group_join_complete", group, generation=group.generation_id, members=[],
                       state=group.state.value)
            return
        self._emit("group_join_complete", group, generation=group.generation_id, leader=group.leader_id,
                   protocol=group.protocol_name, members=list(group.members), state=group.state.value)
        for member in group.members.values():
            fut, member.awaiting_join = member.awaiting_join, None
            _resolve(fut, self._join_result(group, member))
            member.is_new = False
            self._schedule_heartbeat_expiry(group, member)
        # Members that never send SyncGroup are removed after the rebalance timeout (Kafka 3.x).
        generation = group.generation_id
        self._sync_timers[group.group_id] = self.timer.call_later(
            group.rebalance_timeout_ms() / 1000, lambda: self._expire_pending_sync(group, generation))

    def _join_result(self, group: GroupMetadata, member: MemberMetadata) -> JoinResult:
        members: tuple[JoinGroupMember, ...] = ()
        if group.is_leader(member.member_id):
            members = tuple(JoinGroupMember(m.member_id, m.group_instance_id, m.metadata(group.protocol_name or ""))
                            for m in group.members.values())
        return JoinResult(Errors.NONE, member.member_id, group.generation_id, group.protocol_type,
                          group.protocol_name, group.leader_id or "", members)

    def _expire_pending_sync(self, group: GroupMetadata, generation: int) -> None:
        self._sync_timers.pop(group.group_id, None)
        if group.generation_id != generation or group.state not in (GroupState.COMPLETING_REBALANCE,
                                                                    GroupState.STABLE):
            return
        late = [m for m in group.pending_sync_members if group.has(m)]
        if not late:
            return
        for member_id in late:
            member = group.get(member_id)
            self._cancel_heartbeat(member)
            fut, member.awaiting_sync = member.awaiting_sync, None
            _resolve(fut, SyncResult(Errors.UNKNOWN_MEMBER_ID))
            group.remove(member_id)
            self._emit("group_member_removed", group, member=member_id,
                       reason="did not send SyncGroup within the rebalance timeout")
        self._maybe_prepare_rebalance(group, "members did not sync in time")
        self._try_complete_join(group)

    # ------------------------------------------------------------------ SyncGroup

    async def sync_group(self, group_id: str, generation_id: int, member_id: str,
                         group_instance_id: str | None = None, protocol_type: str | None = None,
                         protocol_name: str | None = None,
                         assignments: dict[str, bytes] | None = None) -> SyncResult:
        """SyncGroup: the leader hands in the assignment; every member's call returns with its own share."""
        error = self._validate(group_id)
        if error is not None:
            return SyncResult(error)
        group = self.groups.get(group_id)
        if group is None:
            return SyncResult(Errors.UNKNOWN_MEMBER_ID)
        if group.is_(GroupState.DEAD):
            return SyncResult(Errors.COORDINATOR_NOT_AVAILABLE)
        if group.is_static_member_fenced(member_id, group_instance_id):
            return SyncResult(Errors.FENCED_INSTANCE_ID)
        if not group.has(member_id):
            return SyncResult(Errors.UNKNOWN_MEMBER_ID)
        if generation_id != group.generation_id:
            return SyncResult(Errors.ILLEGAL_GENERATION)
        if protocol_type is not None and protocol_type != group.protocol_type:
            return SyncResult(Errors.INCONSISTENT_GROUP_PROTOCOL)
        if protocol_name is not None and protocol_name != group.protocol_name:
            return SyncResult(Errors.INCONSISTENT_GROUP_PROTOCOL)
        if group.is_(GroupState.EMPTY):
            return SyncResult(Errors.UNKNOWN_MEMBER_ID)
        if group.is_(GroupState.PREPARING_REBALANCE):
            return SyncResult(Errors.REBALANCE_IN_PROGRESS)
        member = group.get(member_id)
        group.pending_sync_members.discard(member_id)
        self._emit("group_sync", group, member=member_id, generation=generation_id,
                   leader=group.is_leader(member_id))
        if group.is_(GroupState.STABLE):
            # The leader's assignment already arrived: answer at once.
            self._schedule_heartbeat_expiry(group, member)
            return SyncResult(Errors.NONE, group.protocol_type, group.protocol_name, member.assignment)

        fut: asyncio.Future[SyncResult] = asyncio.get_running_loop().create_future()
        if member.awaiting_sync is not None:
            _resolve(member.awaiting_sync, SyncResult(Errors.REBALANCE_IN_PROGRESS))
        member.awaiting_sync = fut
        if group.is_leader(member_id):
            given = {m: bytes(a) for m, a in (assignments or {}).items() if group.has(m)}
            # Members the leader left out get an empty assignment, as Kafka does.
            for m in group.members:
                given.setdefault(m, b"")
            self._set_and_propagate_assignment(group, given)
            group.transition_to(GroupState.STABLE)
            self._store_group(group)
            self._emit("group_rebalance_complete", group, generation=group.generation_id,
                       leader=group.leader_id, protocol=group.protocol_name,
                       assignment={m: len(a) for m, a in given.items()})
        return await fut

    def _set_and_propagate_assignment(self, group: GroupMetadata, assignment: dict[str, bytes]) -> None:
        for member_id, member in group.members.items():
            member.assignment = assignment.get(member_id, b"")
        for member in group.members.values():
            if member.awaiting_sync is not None:
                fut, member.awaiting_sync = member.awaiting_sync, None
                _resolve(fut, SyncResult(Errors.NONE, group.protocol_type, group.protocol_name, member.assignment))
                self._schedule_heartbeat_expiry(group, member)

    def _reset_and_propagate_assignment_error(self, group: GroupMetadata, error: Errors) -> None:
        for member in group.members.values():
            member.assignment = b""
            if member.awaiting_sync is not None:
                fut, member.awaiting_sync = member.awaiting_sync, None
                _resolve(fut, SyncResult(error))
                self._schedule_heartbeat_expiry(group, member)

    def _store_group(self, group: GroupMetadata) -> None:
        self.manager.store_group(StoredGroup(
            group.group_id, group.generation_id, group.protocol_type, group.protocol_name, group.leader_id,
            tuple(StoredMember(m.member_id, m.group_instance_id, m.client_id, m.rebalance_timeout_ms,
                               m.session_timeout_ms, m.protocol_type, tuple(m.supported_protocols), m.assignment)
                  for m in group.members.values())))

    # ------------------------------------------------------------------ Heartbeat

    def heartbeat(self, group_id: str, member_id: str, group_instance_id: str | None,
                  generation_id: int) -> Errors:
        """Heartbeat: keep the member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin."""
        error = self._validate(group_id)
        if error is not None:
            return error
        group = self.groups.get(group_id)
        if group is None:
            return Errors.UNKNOWN_MEMBER_ID
        if group.is_(GroupState.DEAD):
            return Errors.COORDINATOR_NOT_AVAILABLE
        if group.is_static_member_fenced(member_id, group_instance_id):
            return Errors.FENCED_INSTANCE_ID
        if not group.has(member_id):
            return Errors.UNKNOWN_MEMBER_ID
        if generation_id != group.generation_id:
            return Errors.ILLEGAL_GENERATION
        if group.is_(GroupState.EMPTY):
            return Errors.UNKNOWN_MEMBER_ID
        self._schedule_heartbeat_expiry(group, group.get(member_id))
        if group.is_(GroupState.PREPARING_REBALANCE):
            return Errors.REBALANCE_IN_PROGRESS   # how members learn they must rejoin
        return Errors.NONE

    def _cancel_heartbeat(self, member: MemberMetadata) -> None:
        if member.heartbeat_timer is not None:
            member.heartbeat_timer.cancel()
            member.heartbeat_timer = None

    def _schedule_heartbeat_expiry(self, group: GroupMetadata, member: MemberMetadata,
                                   timeout_ms: int | None = None) -> None:
        """Kafka's completeAndScheduleNextExpiration: this heartbeat counts; the next is due
        within the session timeout."""
        self._cancel_heartbeat(member)
        member.heartbeat_satisfied = False
        timeout = member.session_timeout_ms if timeout_ms is None else timeout_ms
        member.heartbeat_timer = self.timer.call_later(
            timeout / 1000, lambda: self._expire_heartbeat(group, member))

    def _expire_heartbeat(self, group: GroupMetadata, member: MemberMetadata) -> None:
        member.heartbeat_timer = None
        if group.members.get(member.member_id) is not member or group.is_(GroupState.DEAD):
            return
        if member.has_satisfied_heartbeat():
            return
        reason = ("new member did not complete its join in time" if member.is_new
                  else "session timeout expired without a heartbeat")
        self._remove_member_and_update_group(group, member, reason)

    # ------------------------------------------------------------------ LeaveGroup

    def leave_group(self, group_id: str, members: list[tuple[str, str | None]]) -> LeaveResult:
        """LeaveGroup: remove members at once (no session timeout to wait), starting a rebalance."""
        error = self._validate(group_id)
        if error is not None:
            return LeaveResult(error)
        group = self.groups.get(group_id)
        if group is None:
            return LeaveResult(Errors.NONE, tuple(LeaveMemberResult(m, i, Errors.UNKNOWN_MEMBER_ID)
                                                  for m, i in members))
        if group.is_(GroupState.DEAD):
            return LeaveResult(Errors.COORDINATOR_NOT_AVAILABLE)
        results = []
        for member_id, instance_id in members:
            if instance_id is not None:
                # KIP-345: a static member leaves by instance id; a member id that is not the
                # one the instance holds now is a zombie's.
                current = group.static_member_id(instance_id)
                if current is None:
                    results.append(LeaveMemberResult(member_id, instance_id, Errors.UNKNOWN_MEMBER_ID))
                    continue
                if member_id != UNKNOWN_MEMBER_ID and member_id != current:
                    results.append(LeaveMemberResult(member_id, instance_id, Errors.FENCED_INSTANCE_ID))
                    continue
                member_id = current
            if group.is_pending_member(member_id):
                timer = group.pending_members.pop(member_id)
                if timer is not None:
                    timer.cancel()
                self._emit("group_member_removed", group, member=member_id, reason="left the group (pending)")
                if group.is_(GroupState.PREPARING_REBALANCE):
                    self._try_complete_join(group)
                results.append(LeaveMemberResult(member_id, instance_id, Errors.NONE))
            elif not group.has(member_id):
                results.append(LeaveMemberResult(member_id, instance_id, Errors.UNKNOWN_MEMBER_ID))
            else:
                self._remove_member_and_update_group(group, group.get(member_id), "left the group")
                results.append(LeaveMemberResult(member_id, instance_id, Errors.NONE))
        return LeaveResult(Errors.NONE, tuple(results))

    def _remove_member_and_update_group(self, group: GroupMetadata, member: MemberMetadata, reason: str) -> None:
        fut, member.awaiting_join = member.awaiting_join, None
        _resolve(fut, JoinResult(Errors.UNKNOWN_MEMBER_ID, member.member_id))
        fut_sync, member.awaiting_sync = member.awaiting_sync, None
        _resolve(fut_sync, SyncResult(Errors.UNKNOWN_MEMBER_ID))
        self._cancel_heartbeat(member)
        group.remove(member.member_id)
        self._emit("group_member_removed", group, member=member.member_id, reason=reason)
        if group.state in (GroupState.STABLE, GroupState.COMPLETING_REBALANCE):
            self._maybe_prepare_rebalance(group, f"member {member.member_id} removed: {reason}")
            self._try_complete_join(group)
        elif group.is_(GroupState.PREPARING_REBALANCE):
            self._try_complete_join(group)

    # ------------------------------------------------------------------ offsets

    def commit_offsets(self, group_id: str, member_id: str, generation_id: int,
                       offsets: dict[TopicPartition, tuple[int, str | None, int]],
                       group_instance_id: str | None = None) -> dict[TopicPartition, Errors]:
        """OffsetCommit, with Kafka's checks: a commit with generation -1 (and no member) is a
        "simple" commit, allowed only while the group is Empty (no live members to disagree);
        otherwise member and generation must be current, and a group between JoinGroup and
        its assignment answers REBALANCE_IN_PROGRESS."""
        def all_(err: Errors) -> dict[TopicPartition, Errors]:
            return {tp: err for tp in offsets}

        error = self._validate(group_id, allow_empty_id=True)
        if error is not None:
            return all_(error)
        group = self.groups.get(group_id)
        if group is None:
            if generation_id >= 0:
                # A generation from a group this coordinator does not know: a stale member.
                return all_(Errors.ILLEGAL_GENERATION)
            group = self.groups[group_id] = GroupMetadata(group_id)
        if group.is_(GroupState.DEAD):
            return all_(Errors.COORDINATOR_NOT_AVAILABLE)
        if group.is_static_member_fenced(member_id, group_instance_id):
            return all_(Errors.FENCED_INSTANCE_ID)
        simple = generation_id < 0 and group.is_(GroupState.EMPTY)
        if not simple:
            if not group.has(member_id):
                return all_(Errors.UNKNOWN_MEMBER_ID)
            if generation_id != group.generation_id:
                return all_(Errors.ILLEGAL_GENERATION)
            if group.is_(GroupState.COMPLETING_REBALANCE):
                return all_(Errors.REBALANCE_IN_PROGRESS)
            # Stable, or PreparingRebalance (the heartbeat tells it to rejoin): a commit counts
            # as a sign of life.
            self._schedule_heartbeat_expiry(group, group.get(member_id))
        return self._store(group, member_id, generation_id, offsets, None)

    def txn_commit_offsets(self, group_id: str, producer_id: int, producer_epoch: int, member_id: str,
                           group_instance_id: str | None, generation_id: int,
                           offsets: dict[TopicPartition, tuple[int, str | None, int]]) -> dict[TopicPartition, Errors]:
        """TxnOffsetCommit's group side (call it through TransactionCoordinator.txn_offset_commit):
        the offsets are staged under the producer id and become committed only when the
        transaction's commit marker arrives (KIP-98); member id and generation are checked only
        when given (KIP-447: v3+ clients send them so a zombie from an old generation is fenced)."""
        def all_(err: Errors) -> dict[TopicPartition, Errors]:
            return {tp: err for tp in offsets}

        error = self._validate(group_id, allow_empty_id=True)
        if error is not None:
            return all_(error)
        group = self.groups.get(group_id)
        if group is None:
            group = self.groups[group_id] = GroupMetadata(group_id)
        if group.is_(GroupState.DEAD):
            return all_(Errors.COORDINATOR_NOT_AVAILABLE)
        if member_id != UNKNOWN_MEMBER_ID and not group.has(member_id):
            return all_(Errors.UNKNOWN_MEMBER_ID)
        if generation_id >= 0 and generation_id != group.generation_id:
            return all_(Errors.ILLEGAL_GENERATION)
        return self._store(group, member_id, generation_id, offsets, (producer_id, producer_epoch))

    def _store(self, group: GroupMetadata, member_id: str, generation_id: int,
               offsets: dict[TopicPartition, tuple[int, str | None, int]],
               producer: tuple[int, int] | None) -> dict[TopicPartition, Errors]:
        now = self.timer.time()
        result: dict[TopicPartition, Errors] = {}
        good: dict[TopicPartition, OffsetAndMetadata] = {}
        for tp, (offset, metadata, leader_epoch) in offsets.items():
            if metadata is not None and len(metadata.encode()) > self.config.offset_metadata_max_bytes:
                result[tp] = Errors.OFFSET_METADATA_TOO_LARGE
            else:
                good[tp] = OffsetAndMetadata(offset, leader_epoch, metadata or "", now)
                result[tp] = Errors.NONE
        if good:
            shown = {f"{t}-{p}": v.offset for (t, p), v in sorted(good.items())}
            if producer is None:
                self.manager.store_offsets(group.group_id, good)
                self._emit("offset_commit", group, member=member_id, generation=generation_id, offsets=shown)
            else:
                error = self.manager.store_txn_offsets(group.group_id, producer[0], producer[1], good)
                if error is not Errors.NONE:
                    return {tp: error for tp in offsets}
                self._emit("txn_offset_commit", group, member=member_id, generation=generation_id,
                           producer_id=producer[0], producer_epoch=producer[1], offsets=shown)
        return result

    def fetch_offsets(self, group_id: str, partitions: list[TopicPartition] | None = None,
                      require_stable: bool = False) -> OffsetFetchResult:
        """OffsetFetch: committed offsets (require_stable: UNSTABLE_OFFSET_COMMIT while a transaction holds one)."""
        error = self._validate(group_id, allow_empty_id=True)
        if error is not None:
            return OffsetFetchResult(error)
        group = self.groups.get(group_id)
        if group is not None and group.is_(GroupState.DEAD):
            return OffsetFetchResult(Errors.NONE, {})
        wanted = None if partitions is None else [(t, p) for t, p in partitions]
        return OffsetFetchResult(Errors.NONE, self.manager.get_offsets(group_id, wanted, require_stable))

    # ------------------------------------------------------------------ admin

    def list_groups(self, states: list[str] | None = None) -> list[GroupListing]:
        """ListGroups: the groups this coordinator holds, including those with only committed
        offsets (listed Empty); `states` (KIP-518) keeps those in the named states, any case."""
        wanted = {s.lower() for s in states} if states else None
        listings = []
        known = set(self.groups)
        for partition in self.owned_partitions:
            known.update(self.manager.group_ids_in(partition))
        for group_id in sorted(known):
            group = self.groups.get(group_id)
            state = group.state.value if group is not None else GroupState.EMPTY.value
            if state == GroupState.DEAD.value or (wanted is not None and state.lower() not in wanted):
                continue
            protocol_type = (group.protocol_type if group is not None else None) or ""
            listings.append(GroupListing(group_id, protocol_type, state))
        return listings

    def describe_group(self, group_id: str) -> GroupDescription | Errors:
        """DescribeGroups: the group's state and members; GROUP_ID_NOT_FOUND for a group this
        coordinator has nothing of (or a coordinator error)."""
        error = self._validate(group_id, allow_empty_id=True)
        if error is not None:
            return error
        group = self.groups.get(group_id)
        if group is None:
            if self.manager.has_group(group_id):
                return GroupDescription(group_id, GroupState.EMPTY.value, "", "", ())
            return Errors.GROUP_ID_NOT_FOUND
        if group.is_(GroupState.DEAD):
            return Errors.GROUP_ID_NOT_FOUND
        stable = group.is_(GroupState.STABLE)
        members = tuple(MemberDescription(
            m.member_id, m.group_instance_id, m.client_id,
            m.metadata(group.protocol_name) if stable and group.protocol_name else b"",
            m.assignment if stable else b"") for m in group.members.values())
        return GroupDescription(group_id, group.state.value, group.protocol_type or "",
                                (group.protocol_name or "") if stable else "", members)

    def delete_groups(self, group_ids: list[str]) -> dict[str, Errors]:
        """DeleteGroups: only a group without members can go (NON_EMPTY_GROUP otherwise); its
        committed offsets go with it."""
        results: dict[str, Errors] = {}
        for group_id in group_ids:
            error = self._validate(group_id, allow_empty_id=True)
            if error is not None:
                results[group_id] = error
                continue
            group = self.groups.get(group_id)
            if group is None or group.is_(GroupState.DEAD):
                if not self.manager.has_group(group_id):
                    results[group_id] = Errors.GROUP_ID_NOT_FOUND
                    continue
            elif not group.is_(GroupState.EMPTY):
                results[group_id] = Errors.NON_EMPTY_GROUP
                continue
            if group is not None:
                group.state = GroupState.DEAD
                del self.groups[group_id]
            self.manager.delete_group(group_id)
            if self._emit_fn is not None:
                self._emit_fn("group_deleted", group=group_id)
            results[group_id] = Errors.NONE
        return results

    # ------------------------------------------------------------------ events

    def _emit(self, kind: str, group: GroupMetadata, **details: Any) -> None:
        if self._emit_fn is not None:
            self._emit_fn(kind, group=group.group_id, **details)
