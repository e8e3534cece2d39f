"""One sandbox run of each lesson example per test session, shared by every test that needs it.

Three suites look at the same run of a Python example under its scenario: the course content
tests (does the lesson's claim hold?), the JVM twins (does the Java twin reach the same
outcome?) and the real-Kafka oracle (does Kafka agree?). Running the example once and handing
the same result to all three keeps the suite inside its time budget without weakening any of
them: each still asserts on a real run, made in this session from the current sources.

pytest-xdist runs tests in several worker processes, so the result is kept on disk, in the
session's shared temporary folder, under a lock: the first worker to need an example runs it,
the others wait for it and read it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pickle
from pathlib import Path

import pytest

from engine.runs.runner import RunResult, run_example
from engine.runs.scenario import load_scenario


def session_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder every xdist worker of this session shares (the parent of the workers' own)."""
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = root / "example-runs"
    folder.mkdir(exist_ok=True)
    return folder


class ExampleRuns:
    """Each example's sandbox run, made once per session (events recorded, as the app runs it)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._mine: dict[str, RunResult] = {}

    def get(self, script: Path) -> RunResult:
        scenario_file = script.with_suffix(".yaml")
        key = hashlib.sha256(script.read_bytes() + b"\0" + scenario_file.read_bytes()).hexdigest()[:20]
        if key in self._mine:
            return self._mine[key]
        stored = self.folder / f"{script.stem}-{key}.pickle"
        with open(self.folder / f"{script.stem}-{key}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # another worker running this example: wait for its result
            if stored.exists():
                result = pickle.loads(stored.read_bytes())
            else:
                result = run_example(script, load_scenario(scenario_file))
                partial = stored.with_suffix(".partial")
                partial.write_bytes(pickle.dumps(result))
                partial.replace(stored)
        self._mine[key] = result
        return result
