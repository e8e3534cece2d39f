"""End to end in a real browser: `course serve`, headless Chromium (Debian's) driven by Playwright.

The page draws the app with xterm.js on a canvas, so the screen is read from xterm's own buffer:
the test serves the page's script with one addition that keeps a reference to each terminal
(`window.__courseTerminals`). Nothing else of the page or the app is changed.

Every process the test starts carries COURSE_SERVE_TEST=<id> in its environment (the server, and
through it each tab's app and its examples; the browser and its helpers), so `ps` can tell at the
end that none of them is left.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Iterator

import pytest
from engine.learner.progress import ProgressStore
from tests.paths import FIXTURES

CHROMIUM = Path("/usr/bin/chromium")
FIXTURE_COURSE = FIXTURES / "app_course"
MARK = "COURSE_SERVE_TEST"
WAIT = 45.0  # generous: two cores shared with other work
TERMINAL_HOOK = "this.terminal.open(e)"  # in textual-serve 1.1.3's textual.js, where the terminal is made
# Nothing leaves this machine: every host name fails to resolve (the page links a web font).
CHROMIUM_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--enable-unsafe-swiftshader", "--disable-dev-shm-usage"]

pytestmark = pytest.mark.slow


def need(ok: bool, reason: str) -> None:
    """Skip with `reason` unless ok; under CI=true the browser test must run, so fail instead."""
    if ok:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (under CI the browser test may not skip: `make test` installs Chromium)")
    pytest.skip(reason)


# ---------------------------------------------------------------- the server


class Served:
    """`course serve --port 0` in a process group of its own, its output read line by line."""

    def __init__(self, course: Path, data: Path, mark: str, extra_env: dict[str, str]) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        env.update({"XDG_DATA_HOME": str(data), MARK: mark, "PYTHONUNBUFFERED": "1", **extra_env})
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "course", "serve", "--port", "0", "--course", str(course)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
            start_new_session=True)
        self.output: list[str] = []
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.url = self.wait_line(r"Serving the course on (http://\S+)").group(1)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line.rstrip("\n"))
            self._lines.put(line.rstrip("\n"))

    def wait_line(self, pattern: str, timeout: float = WAIT) -> re.Match[str]:
        """The first line from now on that matches `pattern`."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"course serve never printed {pattern!r}; it printed:\n"
                                     + "\n".join(self.output)) from None
            if match := re.search(pattern, line):
                return match

    def stop(self) -> int:
        """Ctrl-C, as a person would; the exit code."""
        self.proc.send_signal(signal.SIGINT)
        return self.proc.wait(timeout=60)

    def kill(self) -> None:
        """After a failure: whatever is left of the server's group."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)


# ---------------------------------------------------------------- the page


class Screen:
    """What the page's terminal shows, and keys typed into it."""

    READ = """() => {
        const t = (window.__courseTerminals || [])[0];
        if (!t) return null;
        const b = t.buffer.active, rows = [];
        for (let y = 0; y < t.rows; y++) {
            const line = b.getLine(b.viewportY + y);
            rows.push(line ? line.translateToString(true) : "");
        }
        return rows.join("\\n");
    }"""

    def __init__(self, page) -> None:
        self.page = page

    def text(self) -> str:
        return self.page.evaluate(self.READ) or ""

    def wait_for(self, *texts: str, timeout: float = WAIT) -> str:
        """The screen once it shows every one of `texts`."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.text().replace("\u00a0", " ")  # the tally keeps each expectation on one line with non-breaking spaces
            if all(t in screen for t in texts):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"the page never showed {texts!r}; it shows:\n{screen}")
            self.page.wait_for_timeout(200)

    def keys(self, *keys: str) -> None:
        for key in keys:
            self.page.keyboard.press(key)


def serve_page(route, origin: str) -> None:
    """Let only the server's own URLs through; hand out the page script with the terminal hook."""
    url = route.request.url
    if not url.startswith(origin):
        route.abort()
    elif url.split("?")[0].endswith("/static/js/textual.js"):
        response = route.fetch()
        script = response.text()
        assert script.count(TERMINAL_HOOK) == 1, "textual-serve's textual.js changed: update TERMINAL_HOOK"
        script = script.replace(
            TERMINAL_HOOK, TERMINAL_HOOK + ",(window.__courseTerminals=window.__courseTerminals||[]).push(this.terminal)")
        route.fulfill(response=response, body=script)
    else:
        route.continue_()


# ---------------------------------------------------------------- processes


def marked_processes(mark: str) -> list[str]:
    """`ps` lines (pid and command) of live processes whose environment holds the test's mark."""
    out = subprocess.run(["ps", "-e", "-ww", "-o", "pid=,stat=,args=", "e"], capture_output=True, text=True,
                         check=True).stdout
    left = []
    for line in out.splitlines():
        fields = line.split(None, 2)
        if len(fields) == 3 and f"{MARK}={mark}" in fields[2] and int(fields[0]) != os.getpid():
            if not fields[1].startswith("Z"):  # a zombie is gone, only not yet reaped by its parent
                left.append(f"{fields[0]} {fields[2].split(f' {MARK}=')[0][:200]}")
    return left


def wait_until(condition, what: str, timeout: float = WAIT):
    """condition()'s first true value."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)
    return value


def wait_for_process(mark: str, text: str, timeout: float = WAIT) -> int:
    """The pid of a marked process whose command holds `text`, once there is one."""
    deadline = time.monotonic() + timeout
    while True:
        for line in marked_processes(mark):
            pid, command = line.split(" ", 1)
            if text in command:
                return int(pid)
        assert time.monotonic() < deadline, f"no process runs {text!r}"
        time.sleep(0.2)


def wait_gone(pid: int, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while Path(f"/proc/{pid}").exists() and "Z" not in _state(pid):
        assert time.monotonic() < deadline, f"process {pid} is still running"
        time.sleep(0.2)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "Z"


# ---------------------------------------------------------------- the test


SLOW_SECOND_RUN = """import os
import time

print("hello from", os.environ.get("BOOTSTRAP_SERVERS"), flush=True)
ran_once = os.environ["COURSE_SERVE_TEST_RAN_ONCE"]
if os.path.exists(ran_once):
    time.sleep(120)  # the second run lingers: the test closes the tab meanwhile
else:
    open(ran_once, "w").close()
"""


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Served, str, Path]]:
    need(CHROMIUM.is_file(), f"{CHROMIUM} is missing (Debian's `chromium` package; `make test` installs it as root)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        need(False, "playwright is not installed (pip install -e '.[test]')")
    course = tmp_path / "course"
    shutil.copytree(FIXTURE_COURSE, course)
    examples = course / "lessons" / "01-first-steps" / "examples"
    (examples / "hello.py").write_text(SLOW_SECOND_RUN)
    scenario = examples / "hello.yaml"
    scenario.write_text(scenario.read_text().replace("timeout: 10", "timeout: 300"))
    data = tmp_path / "data"
    data.mkdir()
    mark = uuid.uuid4().hex
    server = Served(course, data, mark, extra_env={"COURSE_SERVE_TEST_RAN_ONCE": str(tmp_path / "ran-once")})
    try:
        yield server, mark, data
    finally:
        if server.proc.poll() is None:
            server.kill()


def test_the_course_in_a_browser_tab(served: tuple[Served, str, Path], tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from playwright.sync_api import sync_playwright

    server, mark, data = served
    origin = server.url.rstrip("/")
    assert origin.startswith("http://127.0.0.1:"), server.url  # loopback unless --host says otherwise
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                     env={**os.environ, MARK: mark})
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            page.route("**/*", lambda route: serve_page(route, origin))
            page.goto(server.url + "?fontsize=14")
            app_pid = int(server.wait_line(r"session 1 started \(pid (\d+)").group(1))
            screen = Screen(page)

            # The outline, then the first lesson, opened with the keyboard.
            screen.wait_for("First steps", "Acknowledgements", "0 of 3 lessons done")
            page.evaluate("() => window.__courseTerminals[0].focus()")
            screen.keys("ArrowDown", "Enter")
            screen.wait_for("Where a message goes.")

            # Its example, run in the Examples tab against this tab's own sandbox.
            screen.keys("e")
            screen.wait_for("▶ Run", 'print("hello from"')  # the panel, with the example loaded
            screen.keys("Control+r")
            shown = screen.wait_for("finished: exit code 0", "lost == 0 ✓")
            assert "Say hello" in shown
            page.screenshot(path=str(tmp_path / "run-panel-in-browser.png"))

            # The next lesson's quiz: one question answered.
            screen.keys("n")
            screen.wait_for("What acks=0, 1 and all promise.")
            screen.keys("t")
            screen.wait_for("Question 1 of 3")
            screen.keys("ArrowDown", "ArrowDown", "Space", "s")
            shown = screen.wait_for("Correct.")
            assert "Yes: the whole ISR." in shown
            page.screenshot(path=str(tmp_path / "course-in-browser.png"))

            # Progress is the local app's: the learner's data folder holds the lesson visited (in
            # the folder of the course served, as the app keeps every course apart).
            monkeypatch.setenv("XDG_DATA_HOME", str(data))
            store = ProgressStore.for_course(tmp_path / "course")  # saved by a worker: it may lag
            assert store.path.parent.parent == data / "kafka-semantics-course" / "courses"
            assert wait_until(lambda: store.load().current_lesson, "the progress to be saved") == "02-acks"

            # Back to the first lesson, its example run again: this time it lingers.
            screen.keys("Escape")
            screen.wait_for("What acks=0, 1 and all promise.")
            screen.keys("p")
            screen.wait_for("Where a message goes.")
            screen.keys("e")
            screen.wait_for("▶ Run", 'print("hello from"')
            screen.keys("Control+r")
            screen.wait_for("running…")
            example = wait_for_process(mark, "hello.py")
            running = marked_processes(mark)  # what the check at the end must find gone: the browser too
            assert any(line.startswith(f"{app_pid} ") for line in running), running
            assert any("chromium" in line for line in running), running

            # Closing the tab ends its app, which stops the example and its sandbox on the way out.
            page.close()
            server.wait_line(rf"session ended \(pid {app_pid}\)")
            wait_gone(app_pid)
            wait_gone(example)
            assert not any("did not quit" in line for line in server.output), server.output
        finally:
            browser.close()
    assert server.stop() == 0, "\n".join(server.output)
    assert "server stopped" in server.output
    left = marked_processes(mark)
    assert not left, "left behind:\n" + "\n".join(left)
    assert (tmp_path / "course-in-browser.png").stat().st_size > 10_000
