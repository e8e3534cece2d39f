"""Response events name the errors a response carries, however deep (the picture draws them)."""

from __future__ import annotations

from engine.sandbox.server.kafka_apis import _errors_in
from engine.sandbox.common.protocol import response_class


def test_partition_level_errors_of_a_produce_response_are_named() -> None:
    R = response_class(0)  # Produce
    partition = R.TopicProduceResponse.PartitionProduceResponse(
        index=0, error_code=19, base_offset=-1, log_append_time_ms=-1, log_start_offset=0,
        record_errors=[], error_message=None)
    fine = R.TopicProduceResponse.PartitionProduceResponse(
        index=1, error_code=0, base_offset=7, log_append_time_ms=-1, log_start_offset=0,
        record_errors=[], error_message=None)
    fields = {"responses": [R.TopicProduceResponse(name="orders", partition_responses=[partition, fine])],
              "throttle_time_ms": 0}
    assert _errors_in(fields) == ["NOT_ENOUGH_REPLICAS"]


def test_a_clean_response_has_no_errors() -> None:
    R = response_class(0)
    ok = R.TopicProduceResponse.PartitionProduceResponse(
        index=0, error_code=0, base_offset=0, log_append_time_ms=-1, log_start_offset=0,
        record_errors=[], error_message=None)
    assert _errors_in({"responses": [R.TopicProduceResponse(name="t", partition_responses=[ok])]}) == []
