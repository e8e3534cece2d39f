"""Suite-wide hooks (this file is loaded by the pytest-xdist controller too, unlike the conftest
files of subfolders, so a terminal summary hook works here under `make test`)."""

from __future__ import annotations

from typing import Any, Iterator

import pytest

from tests.example_runs import ExampleRuns, session_folder


@pytest.fixture(scope="session")
def example_runs(tmp_path_factory: pytest.TempPathFactory) -> ExampleRuns:
    """Each lesson example's sandbox run, made once per session and shared by the tests that read it."""
    return ExampleRuns(session_folder(tmp_path_factory))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Show the figures tests attach with `record_property("figures", ...)` (the chaos test's),
    also when the tests ran in pytest-xdist workers."""
    for outcome in ("passed", "failed"):
        for report in terminalreporter.stats.get(outcome, []):
            for name, value in getattr(report, "user_properties", []):
                if name == "figures" and report.when == "call":
                    terminalreporter.write_line(f"{report.nodeid} [{outcome}]: {value}")


@pytest.fixture(scope="session")
def kafka_cluster() -> Iterator[Any]:
    """One real Apache Kafka cluster (3 brokers) per test process, for the oracle tests
    (tests/apache_kafka) and the app's run on Kafka (tests/app/test_app_kafka.py), which share the
    `apache_kafka` xdist group and so a worker; stopped at the end with a check that no JVM it
    started is left. Without java/mvn it skips naming what to install (fails under CI=true)."""
    from engine.apache_kafka import KafkaCluster
    from tests.apache_kafka.conftest import alive, require_kafka_tools

    require_kafka_tools()
    kc = KafkaCluster(brokers=3)
    kc.start()
    started: set[int] = set(kc.pids)
    unsubscribe = kc.subscribe(lambda e: started.update(kc.pids) if e.kind == "broker_started" else None)
    try:
        yield kc
    finally:
        unsubscribe()
        directory = kc.directory
        kc.close()
        left = alive(sorted(started))
        assert not left, f"JVMs left running after the session: {left}"
        assert directory is None or not directory.exists(), f"{directory} left behind"
