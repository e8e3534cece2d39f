"""Scenario files and outcome counting: the parts of the runner that need no cluster."""

from __future__ import annotations

import pytest

from engine.runs.outcome import ClientReport, compute_outcome, parse_report_line
from engine.problems import ContentError
from engine.runs.scenario import parse_scenario

GOOD = """\
title: Acknowledged, then lost
brokers: 3
timeout: 30
topics:
  - {name: orders, partitions: 2, replication_factor: 3, min_insync_replicas: 2}
faults:
  - {when: start, do: pause_replication}
  - {when: {records: 50, topic: orders}, do: stop_broker, broker: leader, partition: 1}
  - {when: {acked: 10}, do: lose_acks, count: 2}
expect:
  lost: ">0"
  duplicates: 0
"""


def test_scenario_reads_topics_faults_and_expectations() -> None:
    s = parse_scenario(GOOD, "good.yaml")
    assert s.title == "Acknowledged, then lost"
    assert s.timeout == 30
    assert [(t.name, t.partitions, t.min_insync_replicas) for t in s.topics] == [("orders", 2, 2)]
    assert [f.action for f in s.faults] == ["pause_replication", "stop_broker", "lose_acks"]
    stop = s.faults[1]
    assert (stop.when.kind, stop.when.value, stop.broker, stop.partition, stop.line) == ("records", 50, "leader", 1, 8)
    assert s.faults[2].count == 2 and s.faults[2].api == "Produce"
    assert [str(e) for e in s.expect] == ["lost > 0", "duplicates == 0"]
    assert s.counted_topics == ["orders"]


def test_every_problem_is_reported_with_its_line_and_a_fix() -> None:
    bad = "title: x\ntopics: [orders]\nfaults:\n  - {when: soon, do: pause_replication}\n" \
          "  - {when: start, do: lose_acks, broker: 2}\nexpect: {lots: 1, lost: many}\n"
    with pytest.raises(ContentError) as err:
        parse_scenario(bad, "bad.yaml")
    text = [str(p) for p in err.value.problems]
    assert text[0].startswith("bad.yaml:4:") and "`when:` is `start`" in text[0]
    assert text[1].startswith("bad.yaml:5:") and "remove `broker`" in text[1]
    assert text[2].startswith("bad.yaml:6:") and "`lots` is not counted" in text[2]
    assert text[3].startswith("bad.yaml:6:") and 'lost: ">0"' in text[3]


def test_a_measurement_is_said_with_true_or_false() -> None:
    assert parse_scenario("title: x\ntopics: [t]\nmeasurement: true\n", "m.yaml").measurement is True
    assert parse_scenario("title: x\ntopics: [t]\n", "m.yaml").measurement is False
    with pytest.raises(ContentError) as err:
        parse_scenario("title: x\ntopics: [t]\nmeasurement: often\n", "m.yaml")
    assert [str(p) for p in err.value.problems] == \
        ["m.yaml:3:14: error: `measurement:` is `true` (the example times the cluster) or `false`"]


def test_a_misspelt_name_is_answered_with_the_one_meant() -> None:
    bad = ("title: x\ntopic: [orders]\ntopics: [{name: orders, partitons: 2}]\nfaults:\n"
           "  - {when: start, do: drop_request, count: 2, api: Produce}\n"
           "  - {when: start, do: lose_acks, cuont: 2}\n  - {when: start}\n")
    with pytest.raises(ContentError) as err:
        parse_scenario(bad, "typo.yaml")
    text = [str(p) for p in err.value.problems]
    assert text[0].startswith("typo.yaml:2:") and "unknown field `topic` (did you mean `topics`?)" in text[0]
    assert text[1].startswith("typo.yaml:3:") and "`partitons` (did you mean `partitions`?)" in text[1]
    assert text[2].startswith("typo.yaml:5:") and "`do: drop_request` is not a fault (did you mean `drop_requests`?)" \
        in text[2] and "lose_acks" in text[2]
    assert text[3].startswith("typo.yaml:6:") and "remove `cuont` (did you mean `count`?)" in text[3]
    assert text[4].startswith("typo.yaml:7:") and "a fault needs `do:`" in text[4]


def test_broken_yaml_names_line_and_column() -> None:
    with pytest.raises(ContentError) as err:
        parse_scenario("title: x\ntopics: [orders,\nfaults: []\n", "broken.yaml")
    (problem,) = err.value.problems
    assert (problem.file, problem.line) == ("broken.yaml", 4)
    assert "flow sequence that starts at line 2" in problem.message


def test_report_lines_are_parsed_and_other_output_is_not() -> None:
    assert parse_report_line("acked order-7 2 41").offset == 41
    assert parse_report_line("failed order-8 KafkaError{code=_MSG_TIMED_OUT}").error.startswith("KafkaError")
    assert parse_report_line("sent order-9").verb == "sent"
    assert parse_report_line("Sending 200 messages...") is None
    assert parse_report_line("acknowledged everything") is None


def test_outcome_counts_loss_and_duplicates_from_the_log() -> None:
    report = ClientReport()
    for i in range(5):
        report.add(parse_report_line(f"sent m{i}"))
    for i in (0, 1, 2, 3):
        report.add(parse_report_line(f"acked m{i} 0 {i}"))
    report.add(parse_report_line("failed m4 _MSG_TIMED_OUT"))
    # m1 was acknowledged but is not in the log; m2 is there twice; m4 failed yet was written.
    outcome = compute_outcome(report, ["m0", "m2", "m2", "m3", "m4"])
    assert (outcome.sent, outcome.acknowledged, outcome.failed) == (5, 4, 1)
    assert (outcome.in_log, outcome.lost, outcome.duplicates) == (4, 1, 1)
    assert outcome.lost_ids == ["m1"] and outcome.duplicate_ids == ["m2"]
    assert outcome.unprocessed == 0 and outcome.processed == 0 and outcome.reordered == 0


def test_a_consumer_reading_twice_is_a_duplicate_and_skipping_is_unprocessed() -> None:
    report = ClientReport()
    for mid in ["a", "b", "b", "c"]:
        report.add(parse_report_line(f"processed {mid}"))
    outcome = compute_outcome(report, ["a", "b", "c", "d", "e"])
    assert (outcome.processed, outcome.duplicates, outcome.unprocessed) == (3, 1, 2)
    assert outcome.duplicate_ids == ["b"] and outcome.log_duplicates == 0


def test_reordering_is_counted_per_partition_against_the_send_order() -> None:
    report = ClientReport()
    for mid in ["m1", "m2", "m3", "m4", "m5"]:
        report.add(parse_report_line(f"sent {mid}"))
    # Partition 0 got m3 before m1 (one reordered); partition 1 is in order; a retried
    # copy of m2 at the end is a duplicate, not a reordering.
    log = {("t", 0): ["m3", "m1", "m5"], ("t", 1): ["m2", "m4", "m2"]}
    outcome = compute_outcome(report, log)
    assert (outcome.reordered, outcome.duplicates, outcome.in_log) == (1, 1, 5)


def test_broker_ids_are_the_sandboxes_own() -> None:
    base = "title: x\nbrokers: 3\ntopics: [orders]\nfaults:\n  - {when: start, do: stop_broker, broker: %s}\n"
    assert parse_scenario(base % 3, "ok.yaml").faults[0].broker == 3
    with pytest.raises(ContentError, match="broker id from 1 to 3"):
        parse_scenario(base % 0, "zero.yaml")


def test_lost_and_duplicated_ids_sort_as_people_count() -> None:
    report = ClientReport()
    for i in (10, 2, 1, 33, 9):
        report.add(parse_report_line(f"acked order-{i} 0 {i}"))
    outcome = compute_outcome(report, ["order-1", "x-10", "x-10", "x-9", "x-9"])
    assert outcome.lost_ids == ["order-2", "order-9", "order-10", "order-33"]
    assert outcome.duplicate_ids == ["x-9", "x-10"]
