"""One consumer group's live membership, as Kafka's GroupMetadata / MemberMetadata hold it.

States and the transitions allowed between them are Kafka's (kafka.coordinator.group.GroupState):

    Empty ──join──► PreparingRebalance ──all joined / rebalance timeout──► CompletingRebalance
      ▲                ▲       │ (no member left)                              │ leader's SyncGroup
      └────────────────┼───────┘                                               ▼
                       └──── member joins, leaves, times out ───────────── Stable
    any ──coordinator moves away──► Dead

Only the group coordinator mutates this; the committed offsets live in the cluster-owned
`GroupMetadataManager`, so they outlive any coordinator.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from engine.sandbox.coordinator.timer import TimerHandle


class GroupState(Enum):
    """A classic consumer group's state (Kafka's GroupState); see the diagram above."""

    EMPTY = "Empty"
    PREPARING_REBALANCE = "PreparingRebalance"
    COMPLETING_REBALANCE = "CompletingRebalance"
    STABLE = "Stable"
    DEAD = "Dead"


# Kafka's GroupState.validPreviousStates.
VALID_PREVIOUS_STATES: dict[GroupState, frozenset[GroupState]] = {
    GroupState.EMPTY: frozenset({GroupState.PREPARING_REBALANCE}),
    GroupState.PREPARING_REBALANCE: frozenset(
        {GroupState.STABLE, GroupState.COMPLETING_REBALANCE, GroupState.EMPTY}),
    GroupState.COMPLETING_REBALANCE: frozenset({GroupState.PREPARING_REBALANCE}),
    GroupState.STABLE: frozenset({GroupState.COMPLETING_REBALANCE}),
    GroupState.DEAD: frozenset(GroupState),
}


class IllegalGroupTransition(RuntimeError):
    """A state change Kafka's GroupState.validPreviousStates forbids: a coordinator bug, never a client error."""


@dataclass
class MemberMetadata:
    """One group member (Kafka's MemberMetadata): its ids, timeouts, protocols, assignment and parked request."""

    member_id: str
    group_instance_id: str | None
    client_id: str
    rebalance_timeout_ms: int
    session_timeout_ms: int
    protocol_type: str
    supported_protocols: list[tuple[str, bytes]]   # (name, metadata), in the member's preference order
    assignment: bytes = b""
    # A parked JoinGroup / SyncGroup: the future the request handler is awaiting.
    awaiting_join: asyncio.Future[Any] | None = None
    awaiting_sync: asyncio.Future[Any] | None = None
    # True until the member's first join completes: only new members can expire while joining.
    is_new: bool = False
    heartbeat_satisfied: bool = False
    heartbeat_timer: TimerHandle | None = None

    @property
    def is_awaiting_join(self) -> bool:
        """Whether the member's JoinGroup is parked until the join phase of the rebalance completes."""
        return self.awaiting_join is not None

    @property
    def is_awaiting_sync(self) -> bool:
        """Whether the member's SyncGroup is parked until the leader sends the assignment."""
        return self.awaiting_sync is not None

    def protocol_names(self) -> list[str]:
        """The assignment protocols (e.g. range, roundrobin) the member supports, preferred first."""
        return [name for name, _ in self.supported_protocols]

    def metadata(self, protocol: str) -> bytes:
        """The member's subscription metadata for one assignment protocol."""
        for name, meta in self.supported_protocols:
            if name == protocol:
                return meta
        raise KeyError(protocol)

    def matches(self, protocols: list[tuple[str, bytes]]) -> bool:
        """Same protocols with the same metadata, in the same order (Kafka's MemberMetadata.matches)."""
        return [(n, bytes(m)) for n, m in protocols] == [(n, bytes(m)) for n, m in self.supported_protocols]

    def vote(self, candidates: set[str]) -> str:
        """The member's most preferred protocol among those every member supports."""
        for name in self.protocol_names():
            if name in candidates:
                return name
        raise ValueError(f"member {self.member_id} supports none of {sorted(candidates)}")

    def has_satisfied_heartbeat(self) -> bool:
        # Kafka: a new member can expire while joining; a known member parked in JoinGroup or
        # SyncGroup is kept alive by the rebalance (the rebalance timeout handles it instead).
        """Whether the member is alive at its session-timeout check (heartbeat seen, or kept alive by the rebalance)."""
        if self.is_new:
            return self.heartbeat_satisfied
        if self.is_awaiting_join or self.is_awaiting_sync:
            return True
        return self.heartbeat_satisfied


@dataclass
class GroupMetadata:
    """One consumer group's live state on its coordinator (Kafka's GroupMetadata): generation, leader, members."""

    group_id: str
    state: GroupState = GroupState.EMPTY
    generation_id: int = 0
    protocol_type: str | None = None
    protocol_name: str | None = None
    leader_id: str | None = None
    members: dict[str, MemberMetadata] = field(default_factory=dict)   # join order kept
    # Member ids handed out with MEMBER_ID_REQUIRED that have not joined with them yet (KIP-394).
    pending_members: dict[str, TimerHandle | None] = field(default_factory=dict)
    # Members of the current generation that have not sent SyncGroup yet.
    pending_sync_members: set[str] = field(default_factory=set)
    # Set when a member joins during the first rebalance: the initial delay is extended.
    new_member_added: bool = False
    supported_protocols: Counter[str] = field(default_factory=Counter)
    # Static members (KIP-345): group.instance.id -> the member id it holds now.
    static_members: dict[str, str] = field(default_factory=dict)

    # ------------------------------------------------------------------ state

    def is_(self, state: GroupState) -> bool:
        """Whether the group is in `state`."""
        return self.state is state

    def transition_to(self, target: GroupState) -> None:
        """Move to `target`, refusing a transition Kafka's state machine does not allow."""
        if self.state not in VALID_PREVIOUS_STATES[target]:
            raise IllegalGroupTransition(
                f"group {self.group_id}: {self.state.value} -> {target.value} is not a valid transition")
        self.state = target

    def can_rebalance(self) -> bool:
        """Whether a rebalance may start from the current state (Stable, CompletingRebalance or Empty)."""
        return self.state in VALID_PREVIOUS_STATES[GroupState.PREPARING_REBALANCE]

    # ------------------------------------------------------------------ members

    def has(self, member_id: str) -> bool:
        """Whether `member_id` is a member of the current group."""
        return member_id in self.members

    def get(self, member_id: str) -> MemberMetadata:
        """The member with this id (KeyError if it is not a member)."""
        return self.members[member_id]

    def is_leader(self, member_id: str) -> bool:
        """Whether this member leads the group (it computes the assignment in SyncGroup)."""
        return self.leader_id == member_id

    def is_pending_member(self, member_id: str) -> bool:
        """Whether this id was handed out with MEMBER_ID_REQUIRED and has not joined yet (KIP-394)."""
        return member_id in self.pending_members

    def add(self, member: MemberMetadata) -> None:
        """Add a joined member; the first member becomes leader and sets the group's protocol type."""
        if not self.members:
            self.protocol_type = member.protocol_type
        if self.leader_id is None:
            self.leader_id = member.member_id   # the first member to join leads
        self.members[member.member_id] = member
        if member.group_instance_id is not None:
            self.static_members[member.group_instance_id] = member.member_id
        self.supported_protocols.update(member.protocol_names())
        timer = self.pending_members.pop(member.member_id, None)
        if timer is not None:
            timer.cancel()

    def remove(self, member_id: str) -> MemberMetadata | None:
        """Remove a member (left or session timed out); the leadership passes to the next member."""
        member = self.members.pop(member_id, None)
        if member is not None:
            self.supported_protocols.subtract(member.protocol_names())
            self.supported_protocols += Counter()   # drop zero counts
            if member.group_instance_id is not None and self.static_members.get(member.group_instance_id) == member_id:
                del self.static_members[member.group_instance_id]
        self.pending_sync_members.discard(member_id)
        if self.is_leader(member_id):
            self.leader_id = next(iter(self.members), None)
        return member

    def static_member_id(self, group_instance_id: str | None) -> str | None:
        """The member id a group.instance.id holds now (None: not a static member of this group)."""
        return None if group_instance_id is None else self.static_members.get(group_instance_id)

    def is_static_member_fenced(self, member_id: str, group_instance_id: str | None) -> bool:
        """KIP-345: a request naming a group.instance.id whose place a newer member id has taken
        comes from a zombie (the old instance); Kafka answers it FENCED_INSTANCE_ID."""
        current = self.static_member_id(group_instance_id)
        return current is not None and current != member_id

    def replace_static_member(self, group_instance_id: str, new_member_id: str) -> MemberMetadata:
        """A static member came back under a new member id: it takes the old one's place (same
        assignment, leadership if it led); the old id is gone."""
        old_member_id = self.static_members[group_instance_id]
        member = self.members.pop(old_member_id)
        member.member_id = new_member_id
        self.members[new_member_id] = member
        self.static_members[group_instance_id] = new_member_id
        if self.leader_id == old_member_id:
            self.leader_id = new_member_id
        if old_member_id in self.pending_sync_members:
            self.pending_sync_members.discard(old_member_id)
            self.pending_sync_members.add(new_member_id)
        return member

    def update_member_protocols(self, member: MemberMetadata, protocols: list[tuple[str, bytes]]) -> None:
        """Replace a rejoining member's protocols, keeping the group's protocol counts right."""
        self.supported_protocols.subtract(member.protocol_names())
        self.supported_protocols += Counter()
        member.supported_protocols = list(protocols)
        self.supported_protocols.update(member.protocol_names())

    def num_awaiting_join(self) -> int:
        """How many members have a JoinGroup parked in this rebalance."""
        return sum(1 for m in self.members.values() if m.is_awaiting_join)

    def has_all_members_joined(self) -> bool:
        """Whether the join phase can complete: every member rejoined and no pending member is outstanding."""
        return len(self.members) == self.num_awaiting_join() and not self.pending_members

    def not_yet_rejoined_members(self) -> list[MemberMetadata]:
        """The members that have not rejoined this rebalance (removed when it times out)."""
        return [m for m in self.members.values() if not m.is_awaiting_join]

    def maybe_elect_new_joined_leader(self) -> bool:
        """If the leader did not rejoin, let a member that did lead (Kafka does the same)."""
        if self.leader_id is not None and self.members[self.leader_id].is_awaiting_join:
            return True
        for member in self.members.values():
            if member.is_awaiting_join:
                self.leader_id = member.member_id
                return True
        return False

    def rebalance_timeout_ms(self) -> int:
        """The join phase's deadline: the largest rebalance.timeout.ms (max.poll.interval.ms) of the members."""
        return max((m.rebalance_timeout_ms for m in self.members.values()), default=0)

    # ------------------------------------------------------------------ protocols

    def supports_protocols(self, protocol_type: str, protocols: list[tuple[str, bytes]]) -> bool:
        """A joiner is compatible if the group is empty, or if its type matches and it shares
        at least one protocol with every current member."""
        names = [name for name, _ in protocols]
        if self.is_(GroupState.EMPTY) or not self.members:
            return bool(protocol_type) and bool(names)
        return self.protocol_type == protocol_type and any(
            self.supported_protocols[n] == len(self.members) for n in names)

    def candidate_protocols(self) -> set[str]:
        """The assignment protocols every member supports."""
        return {name for name, count in self.supported_protocols.items() if count == len(self.members)}

    def select_protocol(self) -> str:
        """Every member votes for its most preferred common protocol; the most votes win.
        Kafka breaks ties arbitrarily (hash order); here the earliest-joined member's vote wins,
        so the outcome is the same on every run."""
        candidates = self.candidate_protocols()
        votes = [m.vote(candidates) for m in self.members.values()]
        tally = Counter(votes)
        best = max(tally.values())
        return next(v for v in votes if tally[v] == best)

    def init_next_generation(self) -> None:
        """End the join phase: bump the generation and pick the protocol (CompletingRebalance), or go Empty."""
        self.generation_id += 1
        if self.members:
            self.protocol_name = self.select_protocol()
            self.pending_sync_members = set(self.members)
            self.transition_to(GroupState.COMPLETING_REBALANCE)
        else:
            self.protocol_name = None
            self.protocol_type = None
            self.pending_sync_members = set()
            self.transition_to(GroupState.EMPTY)
