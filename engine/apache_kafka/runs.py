"""A lesson example run on real Kafka, and the same example compared on the sandbox and on Kafka.

    result = run_on_kafka(script, scenario)                 # starts (and stops) a cluster for it
    result = run_on_kafka(script, scenario, cluster=kc)     # or reuses one, reset first
    both = compare_example(script, scenario)                # sandbox first, then Kafka
    print(format_comparison(both))
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.apache_kafka.cluster import KafkaCluster, KafkaUnavailable
from engine.runs.outcome import Outcome
from engine.runs.runner import ClusterUnreachable, RunResult, run_example
from engine.runs.scenario import Expectation, Scenario

# The counts shown side by side, in the order of `course run`'s report.
METRICS = ("sent", "acknowledged", "failed", "in_log", "lost", "duplicates", "log_duplicates",
           "reordered", "processed", "unprocessed")
# Where the sandbox and Kafka must agree on zero or not: the delivery guarantee itself. Exact counts
# may differ (how many records a lost batch held depends on the client's batching and timing).
GUARANTEES = ("failed", "lost", "duplicates", "log_duplicates", "unprocessed")


def run_on_kafka(script: Path, scenario: Scenario | None = None, *, cluster: KafkaCluster | None = None,
                 **kwargs: Any) -> RunResult:
    """Run the example on real Kafka with its scenario's faults injected through the proxies."""
    scenario = scenario or Scenario(title=Path(script).stem)
    if cluster is not None:
        cluster.reset()
        return run_example(script, scenario, backend=cluster, **kwargs)
    kc = KafkaCluster(brokers=scenario.brokers)
    try:
        kc.start()
    except KafkaUnavailable as exc:  # said in one line by `course run`, like an unreachable cluster
        raise ClusterUnreachable(f"real Kafka did not start: {str(exc).splitlines()[0]}") from exc
    try:
        return run_example(script, scenario, backend=kc, **kwargs)
    finally:
        kc.close()


@dataclass(frozen=True)
class Comparison:
    script: Path
    scenario: Scenario
    sandbox: RunResult
    kafka: RunResult

    def claims(self, metric: str) -> list[Expectation]:
        return [e for e in self.scenario.expect if e.metric == metric]

    def differences(self) -> list[str]:
        """Where the two disagree on what matters: the run itself, the lesson's claims, and
        whether anything was lost, duplicated, failed or left unprocessed."""
        found = []
        s, k = self.sandbox, self.kafka
        if (s.exit_code, s.timed_out) != (k.exit_code, k.timed_out):
            found.append(f"the example ended differently: sandbox exit {s.exit_code}"
                         f"{' (timed out)' if s.timed_out else ''}, Kafka exit {k.exit_code}"
                         f"{' (timed out)' if k.timed_out else ''}")
        for (e, sv, sok), (_, kv, kok) in zip(s.checks, k.checks):
            if sok != kok:
                found.append(f"the lesson's claim {e} holds on {'the sandbox' if sok else 'Kafka'} only "
                             f"(sandbox {sv}, Kafka {kv})")
        for metric in GUARANTEES:
            sv, kv = s.outcome.get(metric), k.outcome.get(metric)
            if (sv == 0) != (kv == 0):
                found.append(f"{metric}: sandbox {sv}, Kafka {kv}")
        return found

    @property
    def agree(self) -> bool:
        return not self.differences()


def compare_example(script: Path, scenario: Scenario | None = None, *, cluster: KafkaCluster | None = None,
                    **kwargs: Any) -> Comparison:
    """The example on a fresh sandbox, then on real Kafka (the given cluster, reset, or a new one)."""
    scenario = scenario or Scenario(title=Path(script).stem)
    on_sandbox = run_example(script, scenario, **kwargs)
    on_kafka = run_on_kafka(script, scenario, cluster=cluster, **kwargs)
    return Comparison(Path(script), scenario, on_sandbox, on_kafka)


def _ended(result: RunResult) -> str:
    return "killed at the timeout" if result.timed_out else f"exit {result.exit_code}"


def format_comparison(c: Comparison, kafka_name: str = "Kafka") -> str:
    """One table: each count on the sandbox and on Kafka, and what the lesson claims about it."""
    s, k = c.sandbox.outcome, c.kafka.outcome
    lines = [f"{c.script.name}: {c.scenario.title}",
             f"{'':16s}{'sandbox':>9s}{kafka_name:>9s}  the lesson says"]
    for metric in METRICS:
        sv, kv = s.get(metric), k.get(metric)
        claims = c.claims(metric)
        if not (sv or kv or claims) and metric in ("reordered", "processed", "unprocessed", "log_duplicates"):
            continue
        said = "; ".join(f"{e.op} {e.value} ({_marks(e, sv, kv)})" for e in claims)
        lines.append(f"  {metric.replace('_', ' '):14s}{sv:>9d}{kv:>9d}  {said}".rstrip())
    lines.append(f"  {'run':14s}{_ended(c.sandbox):>9s}{_ended(c.kafka):>9s}"
                 f"  {c.sandbox.duration:.1f} s / {c.kafka.duration:.1f} s")
    if c.sandbox.faults or c.kafka.faults:
        lines.append("faults: sandbox " + ("; ".join(c.sandbox.faults) or "none")
                     + " | Kafka " + ("; ".join(c.kafka.faults) or "none"))
    diffs = c.differences()
    lines.append("they agree" if not diffs else "they differ: " + "; ".join(diffs))
    return "\n".join(lines)


def _marks(e: Expectation, sandbox_value: int, kafka_value: int) -> str:
    def mark(v: int) -> str:
        return "yes" if e.holds(v) else "NO"
    return f"sandbox {mark(sandbox_value)}, Kafka {mark(kafka_value)}"


def outcome_summary(outcome: Outcome) -> str:
    """A short line for tables: lost/dup/failed/in_log."""
    return (f"in_log={outcome.in_log} lost={outcome.lost} dup={outcome.duplicates} failed={outcome.failed}"
            + (f" unproc={outcome.unprocessed}" if outcome.unprocessed else ""))
