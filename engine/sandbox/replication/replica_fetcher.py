"""A follower's fetcher for one partition (Kafka's ReplicaFetcherThread, as an asyncio task).

Before fetching from a new leader it truncates its log to where the leader's log diverges
(KIP-101/KIP-279: ask the leader for the end offset of its own latest epoch). Then it fetches
from its log end offset, appends what it gets and takes the leader's high watermark.
It stops fetching while replication is paused (a fault) and when the leader is down.
"""

from __future__ import annotations

import asyncio
from typing import Callable

from engine.sandbox.common.errors import Errors
from engine.sandbox.events import EventLog
from engine.sandbox.log.unified_log import UNDEFINED_EPOCH
from engine.sandbox.replication.partition import Partition

FETCH_MAX_BYTES = 1 << 20
IDLE_WAIT_S = 0.5

LeaderLookup = Callable[[str, int, int], Partition | None]   # (topic, partition, leader id)


def _wake(waiter: "asyncio.Future[None]") -> None:
    if not waiter.done():
        waiter.set_result(None)


class ReplicaFetcher:
    """One follower replica's fetch loop from its leader (Kafka's ReplicaFetcherThread); see above."""

    def __init__(self, replica: Partition, leader_id: int, lookup: LeaderLookup,
                 replication_enabled: asyncio.Event, events: EventLog) -> None:
        self.replica = replica
        self.leader_id = leader_id
        self.lookup = lookup
        self.replication_enabled = replication_enabled
        self.events = events
        self.task = asyncio.get_running_loop().create_task(self._run(), name=f"fetcher-{replica.topic}-{replica.index}")

    def stop(self) -> None:
        """Stop fetching (leadership changed, or the broker stopped)."""
        self.task.cancel()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        replica = self.replica
        truncated = False
        while True:
            if not self.replication_enabled.is_set():
                await self.replication_enabled.wait()
                continue
            leader = self.lookup(replica.topic, replica.index, self.leader_id)
            if leader is None or not leader.is_leader or leader.leader_epoch != replica.leader_epoch:
                await asyncio.sleep(0.05)     # the controller will replace this fetcher
                continue
            if not truncated:
                self._truncate_to_leader(leader)
                truncated = True
            fetch_offset = replica.log.log_end_offset
            fetched = leader.fetch_for_follower(replica.broker_id, fetch_offset, FETCH_MAX_BYTES)
            # Counted after the fetch (nothing runs in between): the wait below ends at whatever
            # comes after what this fetch saw, including a high watermark this very fetch moved
            # (already in it).
            seen = leader.changes
            if fetched.error == Errors.OFFSET_OUT_OF_RANGE:
                # Retention deleted what we need next: start over at the leader's log start.
                replica.truncate_fully_and_start_at(
                    fetched.log_start_offset,
                    reason=f"leader {self.leader_id} log starts at {fetched.log_start_offset}")
                continue
            if fetched.error != Errors.NONE:
                await asyncio.sleep(0.05)
                continue
            replica.append_as_follower(fetched)
            if fetched.entries:
                self.events.emit(replica.broker_id, "replicate", topic=replica.topic, partition=replica.index,
                                 leader=self.leader_id, fetch_offset=fetch_offset,
                                 log_end_offset=replica.log.log_end_offset, high_watermark=replica.high_watermark)
                continue          # fetch again at once: that is how the leader learns our new LEO
            # A future of our own, set by the leader's next change or after IDLE_WAIT_S: no task,
            # Event or timeout context per wait (a follower waits after every produce).
            waiter = loop.create_future()
            leader.add_change_waiter(waiter, seen)
            timer = loop.call_later(IDLE_WAIT_S, _wake, waiter)
            try:
                await waiter
            finally:
                timer.cancel()

    def _truncate_to_leader(self, leader: Partition) -> None:
        replica = self.replica
        epoch = replica.log.latest_epoch
        if epoch == UNDEFINED_EPOCH:
            replica.truncate_to(0, reason="empty log")
            return
        leader_epoch, leader_end = leader.log.end_offset_for_epoch(epoch)
        if leader_epoch == UNDEFINED_EPOCH:
            offset = 0
        else:
            offset = min(leader_end, replica.log.end_offset_for_epoch(leader_epoch)[1])
        replica.truncate_to(offset, reason=f"leader {self.leader_id} epoch {leader_epoch} ends at {leader_end}")
