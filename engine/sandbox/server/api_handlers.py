"""The broker's API table: every request KafkaApis answers, with its version range and handler.

Like the `match` in Kafka's `KafkaApis.handle` and librdkafka's mock-cluster handler table
(`rdkafka_mock_handlers.c`), this is one literal list: ApiVersions advertises exactly these ranges,
and a request for any other API or version closes the connection. Each range is checked against
the message schema's `validVersions` when this module is imported, so a typo cannot advertise a
version the codec cannot read or write.

A handler is `async fn(apis, header, request) -> dict | EncodedBody | None`: the response's fields
(the codec adds the header), a body already in wire form (Produce and Fetch, `common.layouts`),
or None for no response at all (Produce with acks=0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from engine.sandbox.common.layouts import EncodedBody
from engine.sandbox.common.protocol import API_KEYS, RequestHeader, schema_versions
from engine.sandbox.server import admin_apis, config_apis, core_apis, group_apis, transaction_apis

if TYPE_CHECKING:
    from engine.sandbox.server.kafka_apis import KafkaApis

HandlerFn = Callable[["KafkaApis", RequestHeader, Any], Awaitable[dict[str, Any] | EncodedBody | None]]


@dataclass(frozen=True)
class ApiHandler:
    """One row of the table: an API by its protocol name, the versions served, and the handler."""

    name: str
    min_version: int
    max_version: int
    fn: HandlerFn
    api_key: int = field(init=False)

    def __post_init__(self) -> None:
        if self.name not in API_KEYS:
            raise ValueError(f"no Kafka API is named {self.name!r} in the protocol schemas")
        api_key = API_KEYS[self.name]
        low, high = schema_versions(api_key)
        if not low <= self.min_version <= self.max_version <= high:
            raise ValueError(f"{self.name} v{self.min_version}-{self.max_version} is outside its "
                             f"schema's validVersions v{low}-{high}")
        object.__setattr__(self, "api_key", api_key)


# Versions follow what the handlers implement and both course clients drive: librdkafka 2.x and
# kafka-python 3 (the transaction APIs stop before KIP-890's versions, which add server-side
# partition verification).
API_HANDLERS: tuple[ApiHandler, ...] = (
    ApiHandler("ApiVersions", 0, 3, core_apis.api_versions),
    ApiHandler("Metadata", 0, 12, core_apis.metadata),
    ApiHandler("CreateTopics", 2, 7, core_apis.create_topics),
    ApiHandler("Produce", 3, 9, core_apis.produce),
    ApiHandler("Fetch", 4, 12, core_apis.fetch),
    ApiHandler("ListOffsets", 1, 7, core_apis.list_offsets),
    ApiHandler("OffsetForLeaderEpoch", 2, 4, core_apis.offset_for_leader_epoch),
    ApiHandler("FindCoordinator", 0, 4, core_apis.find_coordinator),
    ApiHandler("JoinGroup", 0, 7, group_apis.join_group),
    ApiHandler("SyncGroup", 0, 5, group_apis.sync_group),
    ApiHandler("Heartbeat", 0, 4, group_apis.heartbeat),
    ApiHandler("LeaveGroup", 0, 4, group_apis.leave_group),
    ApiHandler("OffsetCommit", 2, 8, group_apis.offset_commit),
    ApiHandler("OffsetFetch", 1, 7, group_apis.offset_fetch),
    ApiHandler("InitProducerId", 0, 4, transaction_apis.init_producer_id),
    ApiHandler("AddPartitionsToTxn", 0, 3, transaction_apis.add_partitions_to_txn),
    ApiHandler("AddOffsetsToTxn", 0, 3, transaction_apis.add_offsets_to_txn),
    ApiHandler("TxnOffsetCommit", 0, 3, transaction_apis.txn_offset_commit),
    ApiHandler("EndTxn", 0, 3, transaction_apis.end_txn),
    # The admin APIs, at the versions a Kafka 4 broker serves.
    ApiHandler("DeleteTopics", 1, 6, admin_apis.delete_topics),
    ApiHandler("CreatePartitions", 0, 3, admin_apis.create_partitions),
    ApiHandler("DescribeConfigs", 1, 4, admin_apis.describe_configs),
    ApiHandler("DeleteRecords", 0, 2, admin_apis.delete_records),
    ApiHandler("DescribeProducers", 0, 0, admin_apis.describe_producers),
    ApiHandler("DescribeCluster", 0, 2, admin_apis.describe_cluster),
    ApiHandler("ListGroups", 0, 5, admin_apis.list_groups),
    ApiHandler("DescribeGroups", 0, 6, admin_apis.describe_groups),
    ApiHandler("DeleteGroups", 0, 2, admin_apis.delete_groups),
    ApiHandler("ListTransactions", 0, 2, admin_apis.list_transactions),
    ApiHandler("DescribeTransactions", 0, 0, admin_apis.describe_transactions),
    ApiHandler("AlterConfigs", 0, 2, config_apis.alter_configs),
    ApiHandler("IncrementalAlterConfigs", 0, 1, config_apis.incremental_alter_configs),
)


def handlers_by_key(table: tuple[ApiHandler, ...]) -> dict[int, ApiHandler]:
    """Index a handler table by API key, refusing an API listed twice (which row would win?)."""
    by_key: dict[int, ApiHandler] = {}
    for handler in table:
        if handler.api_key in by_key:
            raise ValueError(f"{handler.name} appears twice in the API table")
        by_key[handler.api_key] = handler
    return by_key


HANDLERS: dict[int, ApiHandler] = handlers_by_key(API_HANDLERS)
