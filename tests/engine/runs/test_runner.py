"""The runner end to end: real confluent-kafka examples against a real sandbox, faults on triggers."""

from __future__ import annotations

import json
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from engine.runs.exercises import Workspace, check, load_exercise
from engine.runs.runner import RunEvent, run_example
from engine.runs.scenario import load_scenario

from tests.paths import FIXTURES


def test_a_scenario_that_loses_messages_reports_them_lost() -> None:
    script = FIXTURES / "runner" / "fire_and_forget.py"
    seen: list[RunEvent] = []
    result = run_example(script, load_scenario(script.with_suffix(".yaml")), listener=seen.append)
    o = result.outcome
    assert result.exit_code == 0 and not result.timed_out
    assert o.sent == 300 and o.acknowledged == 300  # acks=0: every delivery report says "fine"
    assert o.lost > 0 and o.in_log == 300 - o.lost and o.duplicates == 0
    assert result.faults == ["drop_requests x2 on Produce after 60 records in events"]
    assert result.expectations_met
    (entries,) = result.log.values()
    assert [e.value for e in entries] == [f"e-{i}" for i in range(300) if f"e-{i}" not in o.lost_ids]
    assert all(e.committed and e.copy == 1 for e in entries)
    kinds = {e.kind for e in seen}
    assert {"started", "report", "fault", "sandbox", "exited"} <= kinds
    # The fault shows up among the sandbox's own events too (for the pictures).
    assert any(e.kind == "sandbox" and e.data["event"] == "fault" for e in seen)


def test_a_hanging_example_is_killed_at_its_timeout_and_nothing_is_left_listening() -> None:
    script = FIXTURES / "runner" / "hangs.py"
    ports: list[int] = []

    def listener(event: RunEvent) -> None:
        if event.kind == "started":
            ports.extend(int(a.rsplit(":", 1)[1]) for a in event.data["bootstrap_servers"].split(","))

    result = run_example(script, load_scenario(script.with_suffix(".yaml")), listener=listener)
    assert result.timed_out and result.exit_code is not None and result.exit_code < 0
    assert 2 <= result.duration < 15
    assert result.output[0] == "started"
    assert any(e.kind == "timeout" for e in result.events)
    for port in ports:
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still listening"


def test_a_self_check_fails_on_the_start_and_passes_on_the_solution(tmp_path: Path) -> None:
    exercise = load_exercise(FIXTURES / "course_ex" / "exercises" / "no-loss")
    first = check(exercise, exercise.start)
    assert not first.passed
    assert first.run.outcome.lost > 0
    assert "with acks=0 it never waits" in " ".join(first.feedback)
    assert first.feedback[0].startswith(f"{first.run.outcome.lost} messages never reached the log")
    second = check(exercise, exercise.solution)
    assert second.passed, second.feedback
    assert second.run.outcome.lost == 0 and second.run.outcome.duplicates == 0
    assert second.to_json()["passed"] is True


def test_course_check_json_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "COURSE_WORKSPACE": str(tmp_path / "ws"), "PATH": "/usr/bin:/bin"}
    course = str(FIXTURES / "course_ex")
    out = subprocess.run([sys.executable, "-m", "course", "--course", course, "check", "no-loss", "--json"],
                         capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 1, out.stderr
    row = json.loads(out.stdout.strip().splitlines()[-1])
    assert set(row) == {"exercise", "passed", "sent", "acknowledged", "lost", "duplicates", "feedback"}
    assert row["exercise"] == "no-loss" and row["passed"] is False and row["lost"] > 0
    # The solution stays locked until a pass; hints come one at a time.
    locked = subprocess.run([sys.executable, "-m", "course", "--course", course, "solution", "no-loss"],
                            capture_output=True, text=True, timeout=60, env=env)
    assert locked.returncode == 1 and "Pass `no-loss` first" in locked.stderr
    hint = subprocess.run([sys.executable, "-m", "course", "--course", course, "hint", "no-loss"],
                          capture_output=True, text=True, timeout=60, env=env)
    assert hint.stdout.startswith("Hint 1/2:") and "Hint 2/2" not in hint.stdout
    # The learner fixes their copy in the workspace; the next check passes.
    ws = tmp_path / "ws" / "no-loss.py"
    ws.write_text((FIXTURES / "course_ex" / "exercises" / "no-loss" / "solution.py").read_text())
    out = subprocess.run([sys.executable, "-m", "course", "--course", course, "check", "no-loss", "--json"],
                         capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1])["passed"] is True
    shown = subprocess.run([sys.executable, "-m", "course", "--course", course, "solution", "no-loss"],
                           capture_output=True, text=True, timeout=60, env=env)
    assert shown.returncode == 0 and "enable.idempotence" in shown.stdout


def test_workspace_reset_keeps_the_learners_version(tmp_path: Path) -> None:
    exercise = load_exercise(FIXTURES / "course_ex" / "exercises" / "no-loss")
    ws = Workspace(tmp_path)
    copy = ws.ensure(exercise)
    copy.write_text("# my attempt\n")
    backup = ws.reset(exercise)
    assert backup is not None and backup.read_text() == "# my attempt\n"
    assert copy.read_text() == exercise.start.read_text()


def test_check_watch_grades_again_when_the_learner_saves(tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "COURSE_WORKSPACE": str(tmp_path / "ws"), "PATH": "/usr/bin:/bin"}
    course = str(FIXTURES / "course_ex")
    watcher = subprocess.Popen([sys.executable, "-m", "course", "--course", course, "check", "no-loss", "--watch",
                                "--json"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in watcher.stdout], daemon=True).start()
    try:
        first = json.loads(lines.get(timeout=120))
        assert first["passed"] is False
        # Saving the fixed script is all it takes: the watcher notices and checks again.
        (tmp_path / "ws" / "no-loss.py").write_text(
            (FIXTURES / "course_ex" / "exercises" / "no-loss" / "solution.py").read_text())
        second = json.loads(lines.get(timeout=120))  # queue.Empty here: the save went unnoticed
        assert second["exercise"] == "no-loss" and second["passed"] is True
    finally:
        watcher.kill()
        watcher.wait(timeout=30)


def test_on_a_real_cluster_nothing_is_injected_and_only_this_runs_messages_count() -> None:
    from engine.sandbox import Sandbox

    script = FIXTURES / "runner" / "fire_and_forget.py"
    scenario = load_scenario(script.with_suffix(".yaml"))
    with Sandbox(brokers=3) as cluster:  # stands in for the learner's own cluster
        for _ in range(2):  # the second run finds the first run's messages already there
            notes: list[RunEvent] = []
            result = run_example(script, scenario, bootstrap_servers=cluster.bootstrap_servers,
                                 listener=lambda e: notes.append(e) if e.kind == "note" else None)
            o = result.outcome
            assert result.target == cluster.bootstrap_servers and result.faults == [] and result.log == {}
            assert (o.sent, o.acknowledged, o.in_log, o.lost, o.duplicates) == (300, 300, 300, 0, 0)
            (note,) = notes
            assert "faults are not injected" in note.text and "drop_requests" in note.text
        assert len(cluster.records("events", 0)) == 600


def test_course_run_takes_the_examples_in_the_order_the_lesson_lists_them() -> None:
    from engine.content.course import load_course
    from engine.content.examples import find_example
    from engine.paths import course_dir

    lesson = next(l for l in load_course(course_dir()).lessons() if len(l.examples) > 1)
    first, second = lesson.examples[:2]
    assert find_example(lesson.id) == (first.script, first.scenario)
    assert find_example(lesson.id, second.name) == (second.script, second.scenario)


def test_on_a_real_cluster_every_partition_the_cluster_has_is_counted() -> None:
    """The scenario declares `orders` with one partition; the learner's cluster has three.
    Messages keyed onto partitions 1 and 2 are in the log, not lost."""
    from engine.sandbox import Sandbox

    script = FIXTURES / "runner" / "keyed.py"
    scenario = load_scenario(script.with_suffix(".yaml"))
    assert [t.partitions for t in scenario.topics] == [1]
    with Sandbox(brokers=3) as cluster:  # as after `course sandbox --brokers 3 --topic orders:3`
        cluster.create_topic("orders", partitions=3, replication_factor=3)
        result = run_example(script, scenario, bootstrap_servers=cluster.bootstrap_servers)
        o = result.outcome
        assert result.exit_code == 0, result.output
        assert (o.sent, o.acknowledged, o.in_log, o.lost, o.duplicates) == (120, 120, 120, 0, 0)
        per_partition = [len(cluster.records("orders", p)) for p in range(3)]
        assert sum(per_partition) == 120 and per_partition[1] + per_partition[2] > 0  # beyond partition 0
        assert result.expectations_met


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("command", [["run", str(FIXTURES / "runner" / "fire_and_forget.py")],
                                     ["--course", str(FIXTURES / "course_ex"), "check", "no-loss"]])
def test_an_unreachable_cluster_is_one_line_and_a_non_zero_exit(tmp_path: Path, command: list[str]) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "COURSE_WORKSPACE": str(tmp_path / "ws"), "PATH": "/usr/bin:/bin"}
    bootstrap = f"127.0.0.1:{_free_port()}"  # nothing listens there
    out = subprocess.run([sys.executable, "-m", "course", *command, "--bootstrap-servers", bootstrap],
                         capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 2, out.stdout + out.stderr
    assert out.stderr.strip().splitlines() == [out.stderr.strip()]  # one line, no librdkafka log, no traceback
    assert f"cannot reach the Kafka cluster at {bootstrap}" in out.stderr
    assert "Traceback" not in out.stdout + out.stderr


def _example_pid(runner: subprocess.Popen, script: Path | None, timeout: float = 120) -> int | None:
    """The example's pid: `course run` prints its output ("  | pid 1234"); `course check` does not,
    so its process is found by the script on its command line."""
    if script is None:
        for line in runner.stdout:  # once the example runs (the sandbox is up by then)
            if "| pid " in line:
                return int(line.rsplit(" ", 1)[1])
        return None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and runner.poll() is None:
        for proc in Path("/proc").iterdir():
            try:
                if proc.name.isdigit() and str(script) in (proc / "cmdline").read_bytes().decode(errors="replace"):
                    return int(proc.name)
            except OSError:
                continue
        time.sleep(0.1)
    return None


def _gone(pid: int) -> bool:
    """No such process, or only its zombie entry left (it has exited)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads process states from /proc")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("command", ["run", "check"])
def test_interrupting_course_run_ends_the_example_at_once(tmp_path: Path, sig: int, command: str) -> None:
    """`course run` and `course check` both: the example (the learner's copy, for a check) ends with them."""
    workspace = tmp_path / "ws"
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "COURSE_WORKSPACE": str(workspace), "PATH": "/usr/bin:/bin"}
    sleeps = FIXTURES / "runner" / "sleeps.py"
    if command == "run":
        args = ["run", str(sleeps)]
    else:  # the learner's copy of the fixture course's exercise is the sleeping script
        workspace.mkdir()
        (workspace / "no-loss.py").write_text(sleeps.read_text())
        args = ["--course", str(FIXTURES / "course_ex"), "check", "no-loss"]
    # A shell starts background jobs with SIGINT ignored, and Python keeps an inherited SIG_IGN: give
    # the command the default disposition, as a terminal would, whatever started the test run.
    runner = subprocess.Popen([sys.executable, "-m", "course", *args],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                              preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        pid = _example_pid(runner, workspace / "no-loss.py" if command == "check" else None)
        assert pid is not None and not _gone(pid)
        runner.send_signal(sig)
        deadline = time.monotonic() + 10  # generous: the example is ended at once, not after its sleep
        while not _gone(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _gone(pid), f"the example outlived `course {command}`"
        assert runner.wait(timeout=60) != 0
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait(timeout=30)
