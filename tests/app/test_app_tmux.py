"""End to end: the real app in a real terminal (tmux, 100x32), driven by keys, read from the screen."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from tests.app.apphelpers import FIXTURE_COURSE

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


class Terminal:
    """One tmux session on a private server socket, so nothing else's sessions are touched."""

    def __init__(self, command: str) -> None:
        self.socket = f"course-test-{uuid.uuid4().hex[:8]}"
        self.tmux("-f", "/dev/null", "new-session", "-d", "-x", "100", "-y", "32", "-s", "app", command)

    def tmux(self, *args: str) -> str:
        out = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=30)
        return out.stdout

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "app")

    def wait_for(self, text: str, timeout: float = 90) -> str:
        """The screen, once it shows `text` (the machine may be loaded: a generous bound)."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if text in screen:
                return screen
            if time.monotonic() > deadline:
                size = self.tmux("display", "-p", "-t", "app", "#{window_width}x#{window_height}").strip()
                raise AssertionError(f"the screen ({size}) never showed {text!r}; it shows:\n{screen}")
            time.sleep(0.2)

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "app", *keys)

    def alive(self) -> bool:
        return "app" in self.tmux("list-sessions", "-F", "#{session_name}")

    def close(self) -> None:
        self.tmux("kill-server")


@pytest.fixture
def terminal_factory(tmp_path: Path):
    course = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, course)
    data = tmp_path / "data"
    opened: list[Terminal] = []

    def start() -> Terminal:
        # pytest's environment holds COLUMNS=80 LINES=24, which Textual would obey over the pane's size.
        # `; sleep` keeps the pane after the app exits, so a crash's traceback can be read.
        command = (f"env -u COLUMNS -u LINES XDG_DATA_HOME={data} {sys.executable} -m course --course {course}; "
                   "echo APP-EXITED; sleep 60")
        terminal = Terminal(command)
        opened.append(terminal)
        return terminal

    yield start
    for terminal in opened:
        terminal.close()


def test_learner_reads_takes_the_quiz_quits_and_resumes(terminal_factory) -> None:
    term = terminal_factory()
    screen = term.wait_for("Acknowledgements")
    assert "Lessons" in screen and "0 of 3 lessons done" in screen
    assert "First steps" in screen and "⚠ 03-broken" in screen

    term.keys("Down", "Down", "Enter")  # the cursor starts on the first lesson
    term.wait_for("What acks=0, 1 and all promise.")
    screen = term.wait_for("│ Producer │")  # the flowchart, drawn (diagrams come after the first screenful of text)
    assert "▼" in screen

    term.keys("t")
    term.wait_for("Question 1 of 3")
    term.keys("h")
    term.wait_for("Think of the strongest one.")
    term.keys("Down", "Down", "Space", "s")
    screen = term.wait_for("Correct.")
    assert "Yes: the whole ISR." in screen

    term.keys("n")
    term.wait_for("Question 2 of 3")
    term.keys("Space", "Down", "Space", "s")
    term.wait_for("Explanation.")
    term.keys("n")
    screen = term.wait_for("Question 3 of 3")
    assert "Move up" in screen
    term.keys("s")  # the shuffled order, as it comes: wrong
    term.wait_for("belongs here:")
    term.keys("n")
    screen = term.wait_for("passing grade is 60%")
    assert "2 / 3" in screen and "Passed" in screen

    term.keys("Escape")
    term.wait_for("What acks=0, 1 and all promise.")
    term.keys("q")
    term.wait_for("APP-EXITED")
    term.close()

    again = terminal_factory()
    screen = again.wait_for("What acks=0, 1 and all promise.")  # resumed in the same lesson
    again.keys("Escape")
    screen = again.wait_for("quiz 2/3 ✓")
    assert "✓ Acknowledgements" in screen  # passing the quiz finished the lesson
    assert "1 of 3 lessons done" in screen
    again.keys("q")
    again.wait_for("APP-EXITED")
