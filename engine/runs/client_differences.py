"""Where a lesson's claim meets a client that reports the same run differently.

The lessons' claims are written for what librdkafka (confluent-kafka, the Python examples) tells its
caller. Kafka's Java client (kafka-clients, which the Java, Kotlin, Scala and Clojure twins use)
sees the same broker behaviour but can report more of it. One such difference is known and true:

    acks=0 and a cut connection   librdkafka reports nothing; kafka-clients fails the sends it was
                                  still writing on that connection with a NetworkException.

A run whose only departure from a claim is such a report has still shown the lesson's point, so the
claim counts as met, with the reason said beside it (`RunResult.allowed`), never silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from engine.runs.outcome import Outcome
from engine.runs.scenario import Expectation

PYTHON = "confluent-kafka"
KAFKA_CLIENTS = "kafka-clients"


def client_of(script: Path) -> str:
    """The Kafka client library an example uses, told as the runner tells how to start it
    (runner.launch_command): a Python script uses confluent-kafka, anything else is a JVM twin."""
    return PYTHON if script.suffix == ".py" else KAFKA_CLIENTS


@dataclass(frozen=True)
class Difference:
    """A report one client gives and the lessons' reference client does not, on the same facts."""

    client: str
    metric: str
    applies: Callable[[Outcome], bool]
    why: str  # said beside the claim it lets pass


def _only_cut_connections(outcome: Outcome) -> bool:
    # Every reported failure is a cut connection, and the client was still told of no more failures
    # than records were lost: the reports are true and the silent losses are still there to see.
    return set(outcome.error_counts) <= {"NetworkException"} and 0 < outcome.failed <= outcome.lost


DIFFERENCES = (
    Difference(KAFKA_CLIENTS, "failed", _only_cut_connections,
               "kafka-clients reports the sends it was writing when the connection was cut (NetworkException)"),
)


def allowed_difference(claim: Expectation, outcome: Outcome, client: str) -> str | None:
    """Why `claim`, not met as written, is met for this client; None when no known difference applies."""
    for d in DIFFERENCES:
        if d.client == client and d.metric == claim.metric and d.applies(outcome):
            return d.why
    return None


def check_claims(claims: list[Expectation], outcome: Outcome,
                 client: str) -> tuple[list[tuple[Expectation, int, bool]], dict[str, str]]:
    """Each claim with its actual value and whether it holds, and the reasons for those that hold only
    through a known client difference (metric -> why)."""
    checks: list[tuple[Expectation, int, bool]] = []
    allowed: dict[str, str] = {}
    for claim in claims:
        actual = outcome.get(claim.metric)
        ok = claim.holds(actual)
        if not ok and (why := allowed_difference(claim, outcome, client)) is not None:
            ok, allowed[claim.metric] = True, why
        checks.append((claim, actual, ok))
    return checks, allowed
