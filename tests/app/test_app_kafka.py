"""The run panel on real Apache Kafka: the backend switch, a lesson example run through the proxies
with its scenario's faults, the same counts as `course run --against kafka` (run_on_kafka), and no
JVM left behind when the app quits.

The run uses the test session's cluster (tests/conftest.py `kafka_cluster`, shared with
tests/apache_kafka in the `apache_kafka` xdist group): it is handed to the app's KafkaSession, so no
second cluster starts. Without a JDK and Maven the Kafka tests skip naming what to install, except
under CI=true, where they fail.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from tests.apache_kafka.conftest import require_kafka_tools
from tests.app.apphelpers import open_examples, run_async, wait_for
from textual.widgets import Select, Static

from course.app import CourseApp
from course.widgets.log_table import LogTable
from course.widgets.run_panel import KAFKA_PICTURE_NOTE, RunPanel
from course.widgets.tally import Tally
from engine import paths
from engine.apache_kafka import KafkaCluster
from engine.apache_kafka.runs import run_on_kafka
from engine.apache_kafka.session import KafkaSession, kafka_missing
from engine.runs.scenario import load_scenario

COURSE = paths.course_dir()
LESSON = "01-where-messages-go"
EXAMPLE = COURSE / "lessons" / LESSON / "examples" / "lost-ack.py"
needs_course = pytest.mark.skipif(not EXAMPLE.is_file(), reason="lesson 1's lost-ack example is not in this checkout")
# Counts that do not depend on how the client batched the records around the lost acknowledgement.
EXACT = ("sent", "acknowledged", "failed", "in_log", "lost")


async def choose(pilot, panel: RunPanel, select_id: str, value: str) -> None:
    panel.query_one(select_id, Select).value = value
    await pilot.pause()


def descendant_javas() -> dict[int, str]:
    """The java processes this test process started (children, grandchildren...): pid -> command."""
    out = subprocess.run(["ps", "-eo", "pid=,ppid=,stat=,args="], capture_output=True, text=True, check=True).stdout
    rows = {}
    for line in out.splitlines():
        pid, ppid, stat, args = line.split(None, 3)
        if not stat.startswith("Z"):
            rows[int(pid)] = (int(ppid), args)
    mine: dict[int, str] = {}
    for pid, (_, args) in rows.items():
        ancestor = pid
        while ancestor in rows and ancestor != os.getpid():
            ancestor = rows[ancestor][0]
        if ancestor == os.getpid() and pid != os.getpid() and Path(args.split()[0]).name == "java":
            mine[pid] = args
    return mine


# ---------------------------------------------------------------- the switch


@needs_course
@run_async
async def test_the_backend_switch_is_there_when_a_jdk_and_maven_are() -> None:
    require_kafka_tools()
    app = CourseApp(COURSE)
    async with app.run_test(size=(110, 34)) as pilot:
        panel = await open_examples(pilot, LESSON)
        switch = panel.query_one("#run-backend", Select)
        assert switch.display
        assert [str(label) for label, _ in switch._options] == ["Sandbox", "Apache Kafka"]  # noqa: SLF001
        assert switch.value == "sandbox" and panel.backend == "sandbox"
        await choose(pilot, panel, "#run-backend", "kafka")
        assert panel.backend == "kafka" and app.run_backend == "kafka"
        assert "Apache Kafka" in str(panel.query_one("#run-status", Static).render())
    assert app.kafka_session is None  # nothing ran: no cluster was started, none is kept


@needs_course
@run_async
async def test_without_java_choosing_kafka_says_what_to_install(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no java, javac or mvn on it
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.delenv("MAVEN_HOME", raising=False)
    assert "apt-get install" in kafka_missing()
    app = CourseApp(COURSE)
    async with app.run_test(size=(110, 34)) as pilot:
        panel = await open_examples(pilot, LESSON)
        switch = panel.query_one("#run-backend", Select)
        assert "JDK" in str(switch.tooltip) and "Maven" in str(switch.tooltip)
        await choose(pilot, panel, "#run-backend", "kafka")
        status = str(panel.query_one("#run-status", Static).render())
        assert switch.value == "sandbox" and panel.backend == "sandbox"  # refused: runs stay on the sandbox
        assert status.startswith("Apache Kafka: ") and "JDK" in status and "Maven" in status, status
        assert "\n" not in status  # one line
    assert app.kafka_session is None


# ---------------------------------------------------------------- a run on real Kafka


@pytest.mark.xdist_group("apache_kafka")
@needs_course
@run_async
async def test_a_lesson_example_runs_on_kafka_like_course_run_against_kafka(kafka_cluster: KafkaCluster) -> None:
    kafka_cluster.reset()  # every broker up, no faults, no topics: an earlier oracle test may have stopped one
    brokers_before = sorted(kafka_cluster.pids)
    app = CourseApp(COURSE)
    app.kafka_session = KafkaSession(cluster=kafka_cluster)  # the session's cluster: no second one starts
    async with app.run_test(size=(120, 40)) as pilot:
        panel = await open_examples(pilot, LESSON)
        await choose(pilot, panel, "#run-example", EXAMPLE.stem)
        await wait_for(pilot, lambda: panel.example.name == EXAMPLE.stem and panel.scenario is not None
                       and panel.scenario.faults, "the lost-ack example and its fault")
        await choose(pilot, panel, "#run-backend", "kafka")
        before = panel.finished_runs
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: panel.finished_runs > before, "the run on Kafka to finish", timeout=240)
        await pilot.pause()
        result = panel.result
        status = str(panel.query_one("#run-status", Static).render())
        assert result is not None, status
        assert result.target == "kafka" and result.exit_code == 0 and not result.timed_out, result.output[-10:]
        assert "on Apache Kafka" in status
        assert result.faults and "lose_acks" in result.faults[0]  # injected by the proxy, as the scenario says
        assert all(ok for _, _, ok in result.checks), result.checks
        tally = panel.query_one(Tally)
        for metric in (*EXACT, "duplicates"):
            assert tally.value(metric) == result.outcome.get(metric), metric
        rows = [row.text() for row in panel.model.rows]
        assert rows[0].startswith(KAFKA_PICTURE_NOTE[:30]), rows[:3]
        assert any("Produce" in row for row in rows), rows
        assert panel.query_one("#run-log", LogTable).display  # the partition log, read back from Kafka
        assert app.kafka_session.cluster is kafka_cluster and sorted(kafka_cluster.pids) == brokers_before

    # What `course run LESSON --example lost-ack --against kafka` does, on the same cluster.
    cli = run_on_kafka(EXAMPLE, load_scenario(EXAMPLE.with_suffix(".yaml")), cluster=kafka_cluster,
                       sandbox_events=False)
    assert cli.exit_code == 0 and all(ok for _, _, ok in cli.checks), cli.checks
    assert {m: cli.outcome.get(m) for m in EXACT} == {m: result.outcome.get(m) for m in EXACT}
    assert (cli.outcome.duplicates > 0) == (result.outcome.duplicates > 0)

    # The app has quit: the examples it ran and anything it started are gone; only the session's
    # brokers (handed in, stopped by their fixture) still run.
    left = {pid: args for pid, args in descendant_javas().items() if pid not in kafka_cluster.pids}
    assert not left, left
    assert sorted(kafka_cluster.pids) == brokers_before


def test_a_closed_session_starts_no_cluster() -> None:
    """After the app has quit (the session closed), a run still under way cannot start brokers."""
    session = KafkaSession()
    session.close()
    with pytest.raises(Exception, match="session has ended"):
        with session.lease(3):
            pass
    assert session.cluster is None and session.pids == []
