"""The hand-written Produce and Fetch response layouts, byte for byte against kafka-python's codec,
for every version the API table serves."""

from __future__ import annotations

import pytest

from engine.sandbox.common import layouts
from engine.sandbox.common.layouts import FetchPartition, ProducePartition
from engine.sandbox.common.protocol import REQUESTS, RESPONSES, decode_request, encode_response, peek_header
from engine.sandbox.server.api_handlers import API_HANDLERS

SERVED = {h.name: (h.min_version, h.max_version) for h in API_HANDLERS}


def test_the_layouts_cover_every_version_served() -> None:
    for name, layout in (("Produce", layouts.PRODUCE_VERSIONS), ("Fetch", layouts.FETCH_VERSIONS)):
        low, high = SERVED[name]
        assert layout[0] <= low and high <= layout[1], f"{name} v{low}-{high} served, layout v{layout}"


def joined(chunks: list) -> bytes:
    return b"".join(bytes(c) for c in chunks)


PRODUCE_TOPICS = [
    ("orders", [ProducePartition(0, 0, 41, 0),
                ProducePartition(3, 87, -1, 5, record_errors=[(2, "no key"), (7, None)], error_message="Compacted é"),
                ProducePartition(1, 19, -1, 0)]),
    ("t" * 200, [ProducePartition(2, 0, 1 << 40, 1 << 33)]),
]


@pytest.mark.parametrize("version", range(SERVED["Produce"][0], SERVED["Produce"][1] + 1))
def test_produce_response_matches_the_codec(version: int) -> None:
    R = RESPONSES[0]
    Part = R.TopicProduceResponse.PartitionProduceResponse
    fields = dict(throttle_time_ms=0, responses=[
        R.TopicProduceResponse(name=name, partition_responses=[
            Part(index=p.index, error_code=p.error, base_offset=p.base_offset, log_append_time_ms=-1,
                 log_start_offset=p.log_start_offset, error_message=p.error_message,
                 record_errors=[Part.BatchIndexAndErrorMessage(batch_index=i, batch_index_error_message=m)
                                for i, m in p.record_errors])
            for p in parts])
        for name, parts in PRODUCE_TOPICS])
    body = layouts.produce_response(version, PRODUCE_TOPICS)
    assert joined(body.framed(1234)) == encode_response(0, version, 1234, fields)
    assert body.errors == {87, 19}
    assert body.size == len(joined(body.chunks))


def fetch_topics(records: bytes) -> list:
    return [
        ("bench", [FetchPartition(0, 0, 300, 290, 0, None, [records[:100], bytearray(records[100:250])]),
                   FetchPartition(1, 0, 5, 5, 0, [], []),
                   FetchPartition(2, 1, -1, -1, -1, None, [])]),
        ("txn", [FetchPartition(0, 0, 9, 7, 2, [(1000, 3), (1001, 1 << 35)], [memoryview(records)[:300]])]),
    ]


@pytest.mark.parametrize("version", range(SERVED["Fetch"][0], SERVED["Fetch"][1] + 1))
def test_fetch_response_matches_the_codec(version: int) -> None:
    records = bytes(range(256)) * 2
    topics = fetch_topics(records)
    R = RESPONSES[1]
    Data = R.FetchableTopicResponse.PartitionData
    fields = dict(throttle_time_ms=0, error_code=0, session_id=0, responses=[
        R.FetchableTopicResponse(topic=name, partitions=[
            Data(partition_index=p.index, error_code=p.error, high_watermark=p.high_watermark,
                 last_stable_offset=p.last_stable_offset, log_start_offset=p.log_start_offset,
                 aborted_transactions=None if p.aborted is None else [
                     Data.AbortedTransaction(producer_id=pid, first_offset=o) for pid, o in p.aborted],
                 preferred_read_replica=-1, records=joined(list(p.records)))
            for p in parts])
        for name, parts in topics])
    body = layouts.fetch_response(version, topics)
    assert joined(body.framed(99)) == encode_response(1, version, 99, fields)
    assert body.errors == {1}
    assert body.size == len(joined(body.chunks))
    # the batches go out as they are: the very objects the log holds, not copies
    assert any(c is topics[0][1][0].records[1] for c in body.chunks)


def test_versions_without_a_layout_are_refused() -> None:
    with pytest.raises(ValueError, match="Fetch response v13"):
        layouts.fetch_response(13, [])
    with pytest.raises(ValueError, match="Produce response v2"):
        layouts.produce_response(2, [])


def test_uvarint() -> None:
    assert [layouts.uvarint(v) for v in (0, 1, 127, 128, 300, 1 << 21)] == [
        b"\x00", b"\x01", b"\x7f", b"\x80\x01", b"\xac\x02", b"\x80\x80\x80\x01"]


def produce_request_frame(version: int, transactional_id: str | None, topics: list) -> bytes:
    P = REQUESTS[0]
    Data = P.TopicProduceData
    req = P(version=version, transactional_id=transactional_id, acks=-1, timeout_ms=30000, topic_data=[
        Data(name=name, partition_data=[Data.PartitionProduceData(index=i, records=r) for i, r in parts])
        for name, parts in topics])
    req.with_header(correlation_id=77, client_id="rdkafka é")
    return bytes(req.encode(header=True, framed=True))[4:]


@pytest.mark.parametrize("version", range(SERVED["Produce"][0], SERVED["Produce"][1] + 1))
def test_produce_request_decodes_as_the_codec_does_with_records_left_in_the_frame(version: int) -> None:
    topics = [("orders", [(0, b"\x01" * 70), (5, None)]), ("o" * 300, [(2, bytes(range(256)) * 600)])]
    frame = bytearray(produce_request_frame(version, "txn-1" if version % 2 else None, topics))
    request = decode_request(peek_header(frame), frame)
    reference = REQUESTS[0].decode(bytes(frame), version=version, header=True)
    assert request.header.client_id == reference.header.client_id == "rdkafka é"
    assert (request.transactional_id, request.acks, request.timeout_ms) == \
        (reference.transactional_id, reference.acks, reference.timeout_ms)
    got = [(t.name, [(p.index, None if p.records is None else bytes(p.records)) for p in t.partition_data])
           for t in request.topic_data]
    assert got == [(t.name, [(p.index, p.records) for p in t.partition_data]) for t in reference.topic_data]
    records = request.topic_data[1].partition_data[0].records
    assert isinstance(records, memoryview) and records.obj is frame and not records.readonly


def test_a_truncated_produce_request_is_refused() -> None:
    frame = produce_request_frame(9, None, [("t", [(0, b"x" * 100)])])
    with pytest.raises(ValueError, match="past the end"):
        layouts.decode_produce_request(bytearray(frame[:-20]), 9)
