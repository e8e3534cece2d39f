"""Start-up imports only what the outline needs (benchmarks/startup.py measures the time).

Plain `course` opens the app without importing the CLI's commands, and the app module brings in
neither the other screens nor what they use (Markdown, the runner, the sandbox, the Kafka clients):
those are imported when a lesson, a quiz or the help is first opened.
"""

from __future__ import annotations

import json
import subprocess
import sys

from tests.paths import ROOT

NOT_AT_START = [
    "course.screens.lesson", "course.screens.quiz", "course.screens.help", "course.widgets.run_panel",
    "course.widgets.mermaid", "course.commands", "engine.runs.runner", "engine.sandbox", "engine.content.course",
    "kafka", "confluent_kafka", "markdown_it",
]

# Runs `course` (course.cli.main with no arguments) up to the point where it would start the app.
PROBE = """
import json, sys
import course.app
course.app.run_app = lambda **options: 0  # stop where the app would start
from course.cli import main
assert main([]) == 0
print(json.dumps(sorted(sys.modules)))
"""


def modules_at_start() -> set[str]:
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.splitlines()[-1]))


def test_course_starts_without_the_other_screens_the_runner_or_kafka() -> None:
    loaded = modules_at_start()
    assert "course.screens.outline" in loaded  # the probe did import the app
    early = sorted(name for name in loaded for heavy in NOT_AT_START if name == heavy or name.startswith(heavy + "."))
    assert early == [], f"imported before the outline needs them: {early}"
