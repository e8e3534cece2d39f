"""A lesson's claim and a client that reports the same run differently (engine.runs.client_differences)."""

from __future__ import annotations

from pathlib import Path

from engine.runs.client_differences import KAFKA_CLIENTS, PYTHON, check_claims, client_of
from engine.runs.outcome import ClientReport, ReportLine, compute_outcome
from engine.runs.scenario import Expectation


def _outcome(failed: dict[str, str], log: list[str]):
    """Ten clicks sent and acknowledged unless `failed`; `log` is what a reader finds."""
    report = ClientReport()
    for i in range(1, 11):
        report.add(ReportLine("sent", f"click-{i}"))
        mid = f"click-{i}"
        report.add(ReportLine("failed", mid, error=failed[mid]) if mid in failed else ReportLine("acked", mid))
    return compute_outcome(report, log)


NO_FAILURE = Expectation("failed", "==", 0)


def test_the_client_is_told_by_the_language() -> None:
    assert client_of(Path("fire-and-forget.py")) == PYTHON
    assert {client_of(Path(f"x{ext}")) for ext in (".java", ".kt", ".scala", ".clj")} == {KAFKA_CLIENTS}


def test_kafka_clients_reporting_a_cut_connection_still_shows_the_silent_loss() -> None:
    # click-4 failed loudly, click-5 and click-6 vanished without a word: the lesson's point stands.
    o = _outcome({"click-4": "NetworkException"}, [f"click-{i}" for i in (1, 2, 3, 7, 8, 9, 10)])
    checks, allowed = check_claims([NO_FAILURE, Expectation("lost", ">", 0)], o, KAFKA_CLIENTS)
    assert [(str(e), actual, ok) for e, actual, ok in checks] == [("failed == 0", 1, True), ("lost > 0", 2, True)]
    assert set(allowed) == {"failed"} and "NetworkException" in allowed["failed"]


def test_the_same_report_from_librdkafka_misses_the_claim() -> None:
    o = _outcome({"click-4": "NetworkException"}, [f"click-{i}" for i in (1, 2, 3, 7, 8, 9, 10)])
    checks, allowed = check_claims([NO_FAILURE], o, PYTHON)
    assert checks == [(NO_FAILURE, 1, False)] and allowed == {}


def test_other_errors_or_no_silent_loss_are_not_excused() -> None:
    every_click = [f"click-{i}" for i in range(1, 11) if i != 4]
    timed_out = _outcome({"click-4": "TimeoutException"}, [c for c in every_click if c != "click-5"])
    nothing_silent = _outcome({"click-4": "NetworkException"}, every_click)
    for o in (timed_out, nothing_silent):
        checks, allowed = check_claims([NO_FAILURE], o, KAFKA_CLIENTS)
        assert checks == [(NO_FAILURE, 1, False)] and allowed == {}
