"""Suite-wide hooks (this file is loaded by the pytest-xdist controller too, unlike the conftest
files of subfolders, so a terminal summary hook works here under `make test`)."""

from __future__ import annotations

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
