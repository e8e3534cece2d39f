"""The run panel: an example edited and run live against the sandbox.

The runs are real: the runner starts a sandbox and the example as a subprocess (a few seconds
each). Tests wait on conditions with generous bounds, never on fixed sleeps.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import pytest
from tests.app.apphelpers import FIXTURE_COURSE, loaded, open_examples, run_async, wait_for, showing
from textual.app import App, ComposeResult
from textual.widgets import Button, Footer, Log, Select, TabbedContent, TextArea

import course
from course.app import CourseApp
from course.screens.lesson import LessonScreen
from course.widgets.log_table import LogTable
from course.widgets.messages import OpenLesson
from course.widgets.run_panel import FaultBox, RunPanel, copy_path
from course.widgets.run_picture import PictureModel, draw_row, lane_centres, theme_tones
from course.widgets.tally import Tally
from engine import paths
from engine.content.course import load_course
from engine.runs.runner import RunEvent

COURSE = paths.course_dir()
LESSON4 = "04-acks-and-replication"
needs_course = pytest.mark.skipif(not (COURSE / "lessons" / LESSON4 / "examples" / "acks-one-failover.py").is_file(),
                                  reason="lesson 4's examples are not in this checkout")


async def until(pilot, condition, what: str, timeout: float = 150.0) -> None:
    """Let the app run until `condition()` holds (real runs on a loaded machine: a generous bound)."""
    await wait_for(pilot, condition, what, timeout=timeout)


async def run_and_wait(pilot, panel: RunPanel, key: str | None = "ctrl+r") -> None:
    before = panel.finished_runs
    if key:
        await pilot.press(key)
    else:
        await pilot.click("#run-start")
    await until(pilot, lambda: panel.finished_runs > before, "the run to finish")
    await pilot.pause()


def edit(editor: TextArea, old: str, new: str) -> None:
    """Replace `old` by `new` in the editor, as an edit (undoable), not a reload."""
    lines = editor.text.split("\n")
    row = next(i for i, line in enumerate(lines) if old in line)
    col = lines[row].index(old)
    editor.replace(new, (row, col), (row, col + len(old)))


def picture_text(panel: RunPanel) -> list[str]:
    return [row.text() for row in panel.model.rows]


# ---------------------------------------------------------------- the panel, no run


@run_async
async def test_the_panel_mounts_for_a_lesson_with_examples(course_root: Path) -> None:
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        panel = await open_examples(pilot, "01-first-steps")
        editor = panel.query_one("#run-editor", TextArea)
        assert "hello from" in editor.text
        assert not editor.read_only and editor.language == "python"
        assert panel.query_one("#run-example-title").render().plain == "Say hello"  # one example: no selector
        assert not panel.query("#run-example")
        assert not panel.query_one("#run-lang", Select).display  # no JVM twins in the fixture: no switch
        assert not panel.query(FaultBox)  # the hello scenario injects nothing
        assert app.focused is panel.query_one("#run-start", Button)  # the tab opens with Run at hand
        keys = {b.binding.key for b in app.screen.active_bindings.values() if b.binding.show and b.enabled}
        assert "ctrl+r" in keys and "ctrl+t" not in keys  # Stop only while something runs
        # usable small, and no crash when the terminal shrinks and grows
        for size in ((80, 24), (60, 18), (120, 40), (100, 32)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
        assert panel.query_one("#run-editor").region.height > 0


@needs_course
@run_async
async def test_several_examples_have_a_selector_and_faults_as_checkboxes() -> None:
    app = CourseApp(COURSE)
    async with app.run_test(size=(100, 32)) as pilot:
        panel = await open_examples(pilot, LESSON4)
        select = panel.query_one("#run-example", Select)
        assert select.value == "acks-one-failover"
        boxes = list(panel.query(FaultBox))
        actions = [b.fault.action for b in boxes]
        assert actions[:2] == ["pause_replication", "stop_broker"] and "resume_replication" in actions
        assert all(b.value for b in boxes)
        editor = panel.query_one("#run-editor", TextArea)
        edit(editor, '"acks": "1"', '"acks": "2"')
        select.value = "acks-all-failover"
        await wait_for(pilot, lambda: '"acks": "all"' in editor.text, "the other example")
        await wait_for(pilot, lambda: [b.fault.describe() for b in panel.query(FaultBox)][-1:] ==
                       ["resume_replication after 6 s"], "its faults")
        select.value = "acks-one-failover"  # the edit is still there when coming back
        await wait_for(pilot, lambda: '"acks": "2"' in editor.text, "the edited example")


# ---------------------------------------------------------------- real runs


@run_async
async def test_run_saves_a_copy_runs_it_and_reports(course_root: Path, private_data_dir: Path) -> None:
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        panel = await open_examples(pilot, "01-first-steps")
        editor = panel.query_one("#run-editor", TextArea)
        edit(editor, '"hello from"', '"hi from"')
        await run_and_wait(pilot, panel, key=None)  # the Run button, with the mouse
        result = panel.result
        assert result is not None and result.exit_code == 0, result and result.output
        copy = copy_path("01-first-steps", panel.example, course_root=course_root)
        # the fixture course is not the one that ships with the tool: its copies are kept apart
        assert copy.parents[3] == private_data_dir / "kafka-semantics-course" / "courses"
        assert copy.parts[-4].startswith(course_root.name + "-") and copy.parts[-3:] == ("runs", "01-first-steps", "hello.py")
        assert result.script == copy and '"hi from"' in copy.read_text()
        assert '"hello from"' in (course_root / "lessons" / "01-first-steps" / "examples" / "hello.py").read_text()
        output = panel.query_one("#run-output", Log)
        assert any(line.startswith("hi from 127.0.0.1:") for line in output.lines)
        assert "finished: exit code 0" in str(panel.query_one("#run-status").render())
        assert "lost == 0 ✓" in str(panel.query_one(".tally-checks").render()).replace("\u00a0", " ")  # kept on one line


@pytest.mark.parametrize("measurement", [True, False])
@run_async
async def test_a_measurement_is_drawn_when_it_ends_and_nothing_before(course_root: Path, measurement: bool) -> None:
    """Redrawing while lesson 8 times its messages took CPU from the brokers and the client and made
    the app's p99s half as slow again as the CLI's (benchmarks/app_vs_cli.py): a measurement shows
    only its elapsed time until it ends. The same run without `measurement` is redrawn meanwhile."""
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        panel = await open_examples(pilot, "01-first-steps")
        editor = panel.query_one("#run-editor", TextArea)
        editor.insert("\nimport time\ntime.sleep(2.5)\nprint('done waiting')\n", editor.document.end)
        panel.scenario = dataclasses.replace(panel.scenario, measurement=measurement)
        before = panel.finished_runs
        await pilot.press("ctrl+r")
        output = panel.query_one("#run-output", Log)
        # the example has printed its first line and sleeps: the app has had it for a while
        await until(pilot, lambda: any(e.kind == "output" for _, e in list(panel._events)) or output.lines
                    or not panel.running, "the first line")
        started = time.monotonic()
        await until(pilot, lambda: time.monotonic() - started > 1.2 or not panel.running, "a second")
        assert panel.running, panel.result and panel.result.output
        status = str(panel.query_one("#run-status").render())
        if measurement:
            assert panel.redraws == 0 and not output.lines, (panel.redraws, output.lines)
            assert status.startswith("measuring…") and "shown when it ends" in status, status
            assert panel.query_one(Tally).value("sent") is None  # "sent –", not a 0 read as nothing sent
        else:
            assert panel.redraws > 0 and any(line.startswith("hello from") for line in output.lines)
            assert status.startswith("running…"), status
            assert panel.query_one(Tally).value("sent") is not None
        await until(pilot, lambda: panel.finished_runs > before, "the run to finish")
        assert [line.split(" ")[0] for line in output.lines[:1]] == ["hello"] and "done waiting" in output.lines
        assert "finished: exit code 0" in str(panel.query_one("#run-status").render())
        assert "lost == 0 ✓" in str(panel.query_one(".tally-checks").render()).replace("\u00a0", " ")


@needs_course
@run_async
async def test_acks_one_loses_acknowledged_messages_and_acks_all_does_not() -> None:
    app = CourseApp(COURSE)
    async with app.run_test(size=(100, 32)) as pilot:
        panel = await open_examples(pilot, LESSON4)
        tally = panel.query_one(Tally)
        # The scenario also resumes replication after 4 s (for the acks=all edit, whose log never
        # reaches the leader's crash while replication is paused). On a loaded machine acks=1 may not
        # reach the crash within 4 s either, and nothing is lost: untick that fault for this run.
        (timed_resume,) = [box for box in panel.query(FaultBox)
                           if box.fault.action == "resume_replication" and box.fault.when.kind == "seconds"]
        timed_resume.value = False
        await run_and_wait(pilot, panel)
        result = panel.result
        assert result is not None and not result.timed_out, result and result.output
        assert "resume_replication after 4 s" not in result.faults
        assert result.outcome.lost > 0
        # the lesson expects this loss (its scenario says lost > 0): drawn as its point, not as a failure
        assert tally.value("lost") == result.outcome.lost and tally.cells()["lost"].has_class("-expected")
        assert tally.value("acknowledged") == 200
        rows = picture_text(panel)
        assert "stopped" in rows and any(r.startswith("leader of orders-0") for r in rows)
        assert any(r.startswith("⚡ stop_broker") for r in rows)
        assert rows[-1].startswith(f"● lost {result.outcome.lost}, as the lesson expects")
        table = panel.query_one("#run-log", LogTable)
        assert table.display and table.row_count == sum(len(v) for v in result.log.values()) > 0

        editor = panel.query_one("#run-editor", TextArea)
        edit(editor, '"acks": "1"', '"acks": "all"')
        timed_resume.value = True
        await run_and_wait(pilot, panel)
        result = panel.result
        assert result is not None and not result.timed_out, result.output
        assert result.outcome.lost == 0
        assert tally.value("lost") == 0 and not tally.cells()["lost"].has_class("-bad")
        assert '"acks": "all"' in result.script.read_text()
        assert '"acks": "1"' in (COURSE / "lessons" / LESSON4 / "examples" / "acks-one-failover.py").read_text()


@needs_course
@run_async
async def test_a_fault_turned_off_is_not_injected() -> None:
    app = CourseApp(COURSE)
    async with app.run_test(size=(100, 32)) as pilot:
        panel = await open_examples(pilot, LESSON4)
        for box in panel.query(FaultBox):
            box.value = False
        await pilot.pause()
        await run_and_wait(pilot, panel)
        result = panel.result
        assert result is not None and result.exit_code == 0, result and result.output
        assert result.faults == [] and not [e for e in result.events if e.kind == "fault"]
        assert result.outcome.lost == 0 and result.outcome.in_log == 200
        assert not any(r.startswith("⚡") or r == "stopped" for r in picture_text(panel))
        # turned back on, the leader is stopped again
        next(b for b in panel.query(FaultBox) if b.fault.action == "stop_broker").value = True
        await pilot.pause()
        await run_and_wait(pilot, panel)
        assert [f.split(" ")[0] for f in panel.result.faults] == ["stop_broker"]


def dawdle(panel: RunPanel) -> None:
    """Make the example sleep for a minute once it has sent everything: a run still going when it matters."""
    editor = panel.query_one("#run-editor", TextArea)
    editor.insert("\ntime.sleep(60)\n", editor.document.end)


async def all_sent(pilot, panel: RunPanel) -> None:
    await until(pilot, lambda: panel.query_one(Tally).value("sent") == 200 or not panel.running, "200 sent")
    assert panel.running, panel.result and panel.result.output


@needs_course
@run_async
async def test_stop_cancels_a_run() -> None:
    app = CourseApp(COURSE)
    async with app.run_test(size=(100, 32)) as pilot:
        panel = await open_examples(pilot, LESSON4)
        dawdle(panel)
        await pilot.press("ctrl+r")
        await all_sent(pilot, panel)
        assert not panel.query_one("#run-stop", Button).disabled
        started = time.monotonic()
        await pilot.click("#run-stop")
        await until(pilot, lambda: not panel.running, "the run to stop", timeout=60)
        assert time.monotonic() - started < 30
        result = panel.result
        assert result is not None and result.exit_code != 0 and not result.timed_out
        assert "stopped" in str(panel.query_one("#run-status").render())
        assert panel.query_one("#run-stop", Button).disabled
        # Stopped is what the learner did: not "exit code -15", anywhere
        lines = picture_text(panel) + list(panel.query_one("#run-output", Log).lines)
        assert not [line for line in lines if "exit code -" in line], lines
        assert "■ stopped" in picture_text(panel)[-1] or any(r.startswith("■ stopped") for r in picture_text(panel))


@run_async
async def test_the_edited_copy_comes_back_next_time_and_reset_restores_the_lesson_undoably(course_root: Path) -> None:
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        panel = await open_examples(pilot, "01-first-steps")
        edit(panel.query_one("#run-editor", TextArea), '"hello from"', '"hi from"')
        await run_and_wait(pilot, panel)
        copy = copy_path("01-first-steps", panel.example, course_root=course_root)
        assert copy.is_file()
    app = CourseApp(course_root)  # the learner comes back
    async with app.run_test(size=(100, 32)) as pilot:
        panel = await open_examples(pilot, "01-first-steps")
        editor = panel.query_one("#run-editor", TextArea)
        assert '"hi from"' in editor.text
        assert "your edited code" in str(panel.query_one("#run-status").render())
        await pilot.click("#run-reset")
        await wait_for(pilot, lambda: '"hello from"' in editor.text and not copy.exists(), "the lesson's code back")
        assert '"hi from"' in copy.with_suffix(".py.bak").read_text()  # set aside, as `course reset` does
        assert "ctrl+z in the editor brings yours back" in str(panel.query_one("#run-status").render())
        editor.focus()
        await pilot.press("ctrl+z")  # a reset is an edit: undone like one
        await wait_for(pilot, lambda: '"hi from"' in editor.text, "the learner's code back after ctrl+z")
        await pilot.press("ctrl+g")  # Reset's key, from inside the editor
        await wait_for(pilot, lambda: '"hello from"' in editor.text, "the lesson's code back by its key")


@needs_course
@run_async
async def test_a_real_cluster_gets_the_run_and_no_faults() -> None:
    from engine.sandbox import Sandbox

    with Sandbox(brokers=3) as cluster:  # standing in for a real cluster: the app only knows its address
        app = CourseApp(COURSE, bootstrap_servers=cluster.bootstrap_servers)
        async with app.run_test(size=(100, 32)) as pilot:
            panel = await open_examples(pilot, LESSON4)
            assert cluster.bootstrap_servers in str(panel.query_one("#run-status").render())
            assert "faults are not injected" in str(panel.query_one("#run-status").render())
            boxes = list(panel.query(FaultBox))
            assert boxes and all(b.disabled for b in boxes)
            await run_and_wait(pilot, panel)
            result = panel.result
            assert result is not None and result.exit_code == 0, result and result.output
            assert result.target == cluster.bootstrap_servers and result.faults == []
            assert result.outcome.acknowledged == 200 and result.outcome.lost == 0
            assert any(r.startswith("· on a real cluster the scenario's faults are not injected") for r in picture_text(panel))
            assert "for sandbox and Apache Kafka runs only" in str(panel.query_one("#run-log-note").render())


@needs_course
@run_async
async def test_quitting_during_a_run_ends_it_at_once() -> None:
    app = CourseApp(COURSE)
    async with app.run_test(size=(100, 32)) as pilot:
        panel = await open_examples(pilot, LESSON4)
        dawdle(panel)
        await pilot.press("ctrl+r")
        await all_sent(pilot, panel)
        cancel = panel._cancel  # noqa: SLF001
        started = time.monotonic()
        await pilot.press("q")
    assert time.monotonic() - started < 30  # not the minute the run would take
    assert cancel is not None and cancel.is_set()


# ---------------------------------------------------------------- the picture, without Textual


def ev(kind: str, text: str = "", **data) -> RunEvent:
    return RunEvent(kind, 0.0, text, data)


def sb(broker, event: str, **details) -> RunEvent:
    return ev("sandbox", broker=broker, event=event, details=details)


def test_picture_aggregates_repeats_and_skips_the_noise() -> None:
    model = PictureModel.for_brokers(3)
    model.add(ev("started", "x.py against the sandbox"))
    for corr in range(2, 12):
        model.add(sb(1, "request", api="Metadata", correlation_id=corr))
        model.add(sb(1, "request", api="Produce", correlation_id=corr))
        model.add(sb(1, "append", topic="orders", partition=0, base_offset=corr * 2, last_offset=corr * 2 + 1))
        model.add(sb(2, "replicate", topic="orders", partition=0, leader=1))
        model.add(sb(1, "hw", topic="orders", partition=0, high_watermark=corr))
        model.add(sb(1, "response", api="Produce", correlation_id=corr, errors=[]))
    model.add(sb(1, "fault", fault="lose_ack", api="Produce", correlation_id=12))
    model.add(sb(1, "response", api="Produce", correlation_id=12, lost=True))
    model.add(sb(1, "broker_stopped", port=1))
    model.add(sb(None, "leader_change", topic="orders", partition=0, old_leader=1, leader=2, leader_epoch=1))
    model.add(sb(2, "request", api="Produce", correlation_id=2))
    model.add(sb(2, "append", topic="orders", partition=0, base_offset=0, last_offset=0, control=True))
    texts = [r.text() for r in model.rows]
    assert texts == ["▶ x.py against the sandbox", "Produce ×10 · 20 rec", "replicate ×10", "ok ×10",
                     "Produce ack lost", "stopped", "leader of orders-0", "Produce"]
    lost = model.rows[4]
    assert lost.cut and (lost.src, lost.dst) == ("broker 1", "producer")


def test_a_cut_arrow_stops_half_way() -> None:
    model = PictureModel.for_brokers(3)
    model.add(sb(1, "fault", fault="lose_ack", api="Produce", correlation_id=3))
    tones = theme_tones({})
    line = draw_row(model.rows[0], model.lanes, 60, tones).plain
    producer, broker1 = lane_centres(len(model.lanes), 60)[:2]
    assert line[(producer + broker1) // 2] == "x" and "▶" not in line and "◀" not in line
    assert "Produce ack lost" in line and len(line) == 60


# ---------------------------------------------------------------- snapshot


class PanelApp(App[None]):
    """The run panel alone, with the course's stylesheet (the snapshot then shows only the panel)."""

    CSS_PATH = Path(course.__file__).parent / "course.tcss"

    def __init__(self, lesson) -> None:
        super().__init__()
        self.lesson = lesson
        self.bootstrap_servers = None

    def compose(self) -> ComposeResult:
        yield RunPanel(self.lesson, id="examples")
        yield Footer()


async def hello_has_run(pilot) -> None:
    panel = pilot.app.query_one(RunPanel)
    await wait_for(pilot, lambda: panel.scenario is not None and "hello" in panel.query_one("#run-editor", TextArea).text)
    await pilot.pause()
    await run_and_wait(pilot, panel)
    await pilot.pause()
    # On a busy machine the results may still be settling when the run ends: the tally's cells
    # regrouping for its width, the results tabs' underline sliding under the open tab. The
    # snapshot is of the settled panel.
    from textual.widgets._tabs import Underline

    from course.widgets.tally import Tally, columns_for

    tally = panel.query_one(Tally)
    underline = panel.query_one("#run-views Underline", Underline)

    screen = pilot.app.screen

    def settled() -> bool:
        # The screen applies layout and repaints on its update timer, which a busy machine delays:
        # until it has run, a screenshot shows the previous arrangement.
        if screen._layout_required or screen._repaint_required or screen._dirty_widgets:  # noqa: SLF001
            return False
        columns = tally.query_one(".tally-cells").styles.grid_size_columns
        return columns == columns_for(tally.content_region.width) and underline.highlight_end > underline.highlight_start

    await wait_for(pilot, settled, "the results to settle", timeout=60)
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()


def test_the_panel_after_a_finished_run_100x32(snap_compare) -> None:
    """The fixture's hello example: nothing shown varies from run to run (no times, no ports)."""
    lesson = load_course(FIXTURE_COURSE).lesson("01-first-steps")
    assert snap_compare(PanelApp(lesson), terminal_size=(100, 32), run_before=hello_has_run)


def test_log_statuses_mark_duplicates_and_aborted_records() -> None:
    from course.widgets.log_table import status_of
    from engine.runs.runner import LogEntry

    assert status_of(LogEntry(0, "order-1", True, 1)) == "ok"
    assert status_of(LogEntry(1, "order-1", True, 2)) == "duplicate #2"
    assert status_of(LogEntry(2, "order-2", False, 0)) == "aborted"


@needs_course
@run_async
async def test_the_palette_runs_a_lessons_second_example_from_anywhere() -> None:
    app = CourseApp(COURSE)
    async with app.run_test(size=(100, 32)) as pilot:
        await loaded(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"Run: acks=all: the same failure")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: showing(app, LESSON4),
                       "lesson 4 to open")
        screen = app.screen
        await wait_for(pilot, lambda: screen.query_one("#lesson-tabs", TabbedContent).active == "run", "the Examples tab")
        panel = screen.query_one(RunPanel)
        await until(pilot, lambda: panel.finished_runs == 1, "the palette's run to finish")
        assert panel.example is not None and panel.example.name == "acks-all-failover"
        assert panel.query_one("#run-example", Select).value == "acks-all-failover"
        assert panel.result is not None and panel.result.outcome.lost == 0
        assert panel.result.outcome.in_log == 200
        # Again from the palette, with the panel already open: it switches example and runs.
        await pilot.press("ctrl+p")
        await pilot.press(*"Run: acks=1: leader dies")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await until(pilot, lambda: panel.finished_runs == 2, "the second palette run to finish")
        assert panel.example.name == "acks-one-failover"
        # It ran with its own scenario: the leader was stopped. (Whether acks=1 then loses depends on
        # reaching the crash before the scenario's 4-second resume; the loss itself is checked above,
        # with that fault unticked.)
        assert panel.result is not None and any(f.startswith("stop_broker") for f in panel.result.faults)
        assert panel.query_one(Tally).value("lost") == panel.result.outcome.lost


# ---------------------------------------------------------------- what a run's results say


def outcome(**counts):
    from engine.runs.outcome import Outcome

    base = dict(sent=0, acknowledged=0, failed=0, in_log=0, lost=0, duplicates=0, log_duplicates=0, reordered=0,
                processed=0, unprocessed=0)
    base.update(counts)
    return Outcome(**base, lost_ids=[f"order-{i}" for i in range(base["lost"])])


def test_a_loss_the_lesson_expects_is_drawn_as_expected_not_as_a_failure() -> None:
    from course.widgets.tally import met_metrics
    from engine.runs.scenario import Expectation

    lost50 = Expectation("lost", "==", 50)
    checks = [(lost50, 50, True), (Expectation("duplicates", "==", 0), 0, True)]
    assert met_metrics(checks) == {"lost", "duplicates"}
    assert met_metrics([(lost50, 40, False)]) == frozenset()
    model = PictureModel.for_brokers(3)
    model.finish(outcome(sent=160, acknowledged=160, in_log=110, lost=50), 0, expected=met_metrics(checks))
    last = picture_text(model_panel(model))[-1]
    assert last.startswith("● lost 50, as the lesson expects") and "✗" not in last
    model = PictureModel.for_brokers(3)
    model.finish(outcome(sent=160, acknowledged=160, in_log=110, lost=50), 0, expected=met_metrics([(lost50, 40, False)]))
    assert picture_text(model_panel(model))[-1].startswith("✗ lost 50")


def test_a_stopped_run_says_stopped_not_its_signal() -> None:
    model = PictureModel.for_brokers(3)
    model.finish(outcome(), -15, stopped=True)
    rows = picture_text(model_panel(model))
    assert rows == ["■ stopped: the example was killed before it finished"]


def model_panel(model: PictureModel):
    """picture_text() reads `.model`: a stand-in holding just the model."""
    return type("Holder", (), {"model": model})()


@needs_course
@run_async
async def test_the_aborted_transactions_example_meets_its_expectations_and_shows_them_met() -> None:
    app = CourseApp(COURSE)
    async with app.run_test(size=(120, 40)) as pilot:
        panel = await open_examples(pilot, "06-transactions")
        select = panel.query_one("#run-example", Select)
        select.value = "aborted-transaction"
        await wait_for(pilot, lambda: panel.scenario is not None and panel.example.name == "aborted-transaction"
                       and any(e.metric == "lost" for e in panel.scenario.expect), "the aborted-transaction example")
        await run_and_wait(pilot, panel)
        result = panel.result
        assert result is not None and result.exit_code == 0, result and result.output
        assert result.outcome.lost == 50 and all(ok for _, _, ok in result.checks)
        lost = panel.query_one(Tally).cells()["lost"]
        assert lost.has_class("-expected") and not lost.has_class("-bad")
        assert not any(r.startswith("✗") for r in picture_text(panel)), picture_text(panel)
        assert any(r.startswith("● lost 50, as the lesson expects") for r in picture_text(panel))


def with_two_examples(course_root: Path) -> Path:
    """The fixture's first lesson with a second example (a copy of hello that says bye)."""
    folder = course_root / "lessons" / "01-first-steps"
    ex = folder / "examples"
    (ex / "bye.py").write_text((ex / "hello.py").read_text().replace("hello from", "bye from"))
    (ex / "bye.yaml").write_text((ex / "hello.yaml").read_text())
    index = folder / "index.md"
    index.write_text(index.read_text().replace('examples: [{name: hello, title: "Say hello"}]',
                                               'examples: [{name: hello, title: "Say hello"}, {name: bye, title: "Say bye"}]'))
    return course_root


@run_async
async def test_switching_example_clears_the_last_runs_output_picture_and_tally(course_root: Path) -> None:
    app = CourseApp(with_two_examples(course_root))
    async with app.run_test(size=(100, 32)) as pilot:
        panel = await open_examples(pilot, "01-first-steps")
        await run_and_wait(pilot, panel)
        assert panel.query_one("#run-output", Log).lines and picture_text(panel)
        assert panel.query_one(Tally).value("sent") is not None
        panel.query_one("#run-example", Select).value = "bye"
        await wait_for(pilot, lambda: panel.scenario is not None and "bye from" in panel.query_one("#run-editor", TextArea).text,
                       "the other example")
        assert not panel.query_one("#run-output", Log).lines
        assert picture_text(panel) == []
        assert all(cell.value is None for cell in panel.query_one(Tally).cells().values())
        assert not panel.query_one("#run-log", LogTable).display
        assert "exit code" not in str(panel.query_one("#run-status").render())


# ---------------------------------------------------------------- small terminals


async def hello_run_small(pilot) -> None:
    await hello_has_run(pilot)


def test_the_panel_after_a_finished_run_60x20(snap_compare) -> None:
    """Narrow: the run brought the results (tally, picture tabs) to the front; the Code button goes back."""
    lesson = load_course(FIXTURE_COURSE).lesson("01-first-steps")
    assert snap_compare(PanelApp(lesson), terminal_size=(60, 20), run_before=hello_run_small)


def test_the_panel_after_a_finished_run_80x24(snap_compare) -> None:
    lesson = load_course(FIXTURE_COURSE).lesson("01-first-steps")
    assert snap_compare(PanelApp(lesson), terminal_size=(80, 24), run_before=hello_run_small)


def inside(widget, screen_size) -> bool:
    region = widget.region
    return (region.width > 0 and region.height > 0 and region.right <= screen_size.width
            and region.bottom <= screen_size.height)


@pytest.mark.parametrize("size", [(60, 20), (80, 24)])
@run_async
async def test_every_part_of_the_panel_can_be_reached_on_a_small_terminal(course_root: Path, size) -> None:
    app = CourseApp(course_root)
    async with app.run_test(size=size) as pilot:
        panel = await open_examples(pilot, "01-first-steps")
        screen_size = app.screen.size
        editor = panel.query_one("#run-editor", TextArea)
        assert inside(editor, screen_size)
        await run_and_wait(pilot, panel)
        views = panel.query_one("#run-views", TabbedContent)
        for part in ("#run-tally", "#run-views"):
            assert inside(panel.query_one(part), screen_size), part
        for tab, part in (("run-picture-tab", "#run-picture"), ("run-log-tab", "#run-log"),
                          ("run-output-tab", "#run-output")):
            views.active = tab
            await pilot.pause()
            await wait_for(pilot, lambda: inside(panel.query_one(part), screen_size), f"{part} on screen")
        if size[0] < 76:  # one at a time: back to the code, with the button
            assert not inside(editor, screen_size) or editor.region.width == 0
            await pilot.click("#run-flip")
            await wait_for(pilot, lambda: inside(editor, screen_size), "the editor back")
        else:
            assert inside(editor, screen_size)
        assert inside(panel.query_one("#run-start"), screen_size)
        assert inside(panel.query_one("#run-status"), screen_size)


@needs_course
@run_async
async def test_the_keyboard_reaches_every_part_of_a_wide_panel_and_leaves_it() -> None:
    """At 80 columns and more the code and the results sit side by side. Tab indents in the editor,
    so escape is the way on (named in the footer); shift+tab from Run leaves the panel (the panel
    itself, focusable while its body was built, used to hand the keyboard straight back to Run)."""
    app = CourseApp(COURSE)
    async with app.run_test(size=(100, 32)) as pilot:
        panel = await open_examples(pilot, LESSON4)
        run = panel.query_one("#run-start", Button)
        await wait_for(pilot, lambda: app.focused is run, "the keyboard on Run")
        for _ in range(6):  # back past the example's selector, and out of the panel
            await pilot.press("shift+tab")
            await pilot.pause()
            if panel not in app.focused.ancestors_with_self:
                break
        assert panel not in app.focused.ancestors_with_self, app.focused
        editor = panel.query_one("#run-editor", TextArea)
        editor.focus()
        await wait_for(pilot, lambda: app.focused is editor, "the editor")
        shown = {b.key: b.description for _, b, enabled, _ in app.screen.active_bindings.values() if b.show and enabled}
        assert shown.get("escape") == "Leave the editor", shown
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.focused is not editor, "escape out of the editor")
        assert panel.query_one("#run-faults") in app.focused.ancestors_with_self, app.focused  # the faults come next
        views = panel.query_one("#run-views", TabbedContent)
        for _ in range(12):
            if views in app.focused.ancestors_with_self:
                break
            await pilot.press("tab")
            await pilot.pause()
        assert views in app.focused.ancestors_with_self, app.focused  # the results' tabs, by keyboard


# ---------------------------------------------------------------- the palette from the Lesson tab


@run_async
async def test_the_palette_runs_an_example_of_the_lesson_being_read_on_the_examples_tab(course_root: Path) -> None:
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        await loaded(pilot)
        app.post_message(OpenLesson("01-first-steps"))
        await wait_for(pilot, lambda: showing(app, "01-first-steps"), "the lesson")
        screen = app.screen
        tabs = screen.query_one("#lesson-tabs", TabbedContent)
        assert tabs.active == "read" and app.focused is screen.query_one("#reader")
        await pilot.press("ctrl+p")
        await pilot.press(*"Run: Say hello")
        await pilot.pause(0.5)
        await pilot.press("enter")
        panel = screen.query_one(RunPanel)
        seen: list[str] = []

        def finished() -> bool:
            if not seen or seen[-1] != tabs.active:
                seen.append(tabs.active)
            return panel.finished_runs == 1

        await until(pilot, finished, "the palette's run to finish")
        await pilot.pause(0.3)
        finished()
        assert seen[-1] == "run" and seen.count("run") == 1, seen  # once in front, it stays
        assert panel.query_one("#run-editor", TextArea).region.height > 0


# ---------------------------------------------------------------- JVM twins


LESSON5 = "05-idempotent-producer"
needs_java_twin = pytest.mark.skipif(
    not (COURSE / "lessons" / LESSON5 / "examples" / "idempotent-retries.java").is_file(),
    reason="lesson 5's Java twin is not in this checkout")


@needs_java_twin
@run_async
async def test_the_java_twin_is_edited_broken_shown_by_line_fixed_and_run() -> None:
    """Runs javac and java for real (engine.jvm): no skip when the JDK is missing, the failure says what to install."""
    app = CourseApp(COURSE)
    async with app.run_test(size=(120, 40)) as pilot:
        panel = await open_examples(pilot, LESSON5)
        assert panel.example.name == "idempotent-retries"
        switch = panel.query_one("#run-lang", Select)
        assert switch.display and {"python", "java"} <= {value for _, value in switch._options}
        switch.value = "java"
        editor = panel.query_one("#run-editor", TextArea)
        await wait_for(pilot, lambda: panel.scenario is not None and "static void main" in editor.text,
                       "the Java twin in the editor")
        assert panel.missing_tool == "", panel.missing_tool
        assert editor.language == "java"
        lines = editor.text.split("\n")
        row = next(i for i, line in enumerate(lines) if "static void main" in line) + 1
        editor.insert("        int broken = ;\n", (row, 0))
        statuses: list[str] = []  # every status the panel shows, however briefly (polling could miss one)
        set_status = panel.set_status

        def recording(text: str, tone: str = "") -> None:
            statuses.append(text)
            set_status(text, tone)
        panel.set_status = recording  # type: ignore[method-assign]

        await pilot.press("ctrl+r")
        await until(pilot, lambda: panel.finished_runs == 1, "the broken copy's run to end")
        assert any("compiling your Java copy" in text for text in statuses), statuses  # progress meanwhile
        status = str(panel.query_one("#run-status").render())
        assert "does not compile" in status and f"line {row + 1}" in status, status
        assert any(line.startswith(f"line {row + 1}:") for line in panel.query_one("#run-output", Log).lines)
        assert editor.cursor_location[0] == row
        await wait_for(pilot, lambda: app.focused is editor, "the editor focused on the line")  # focus() is deferred
        copy = copy_path(LESSON5, panel.example, "java")
        assert copy.suffix == ".java" and "int broken = ;" in copy.read_text()
        editor.delete((row, 0), (row + 1, 0))  # the fix
        await run_and_wait(pilot, panel)
        result = panel.result
        assert result is not None and result.exit_code == 0, result and result.output
        assert result.script == copy
        tally = panel.query_one(Tally)
        assert tally.value("sent") == result.outcome.sent > 0 and tally.value("duplicates") == 0
        # the Python copy is untouched: back on Python the editor shows the Python script
        switch.value = "python"
        await wait_for(pilot, lambda: panel.scenario is not None and "import" in editor.text
                       and "static void main" not in editor.text, "the Python script back")


@needs_java_twin
@run_async
async def test_without_a_jdk_the_java_choice_says_what_to_install(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no java, javac or mvn anywhere
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.delenv("MAVEN_HOME", raising=False)
    app = CourseApp(COURSE)
    async with app.run_test(size=(120, 40)) as pilot:
        panel = await open_examples(pilot, LESSON5)
        panel.query_one("#run-lang", Select).value = "java"
        await wait_for(pilot, lambda: panel.scenario is not None and panel.lang == "java"
                       and "static void main" in panel.query_one("#run-editor", TextArea).text, "the Java twin")
        assert "javac" in panel.missing_tool and "install" in panel.missing_tool.lower(), panel.missing_tool
        assert "javac" in str(panel.query_one("#run-status").render())
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert not panel.running and panel.finished_runs == 0


# ---------------------------------------------------------------- built off-screen, shown at once


async def read_lesson(pilot, lesson_id: str) -> RunPanel:
    """Open `lesson_id` on its Lesson tab and wait for the run panel to be built off-screen."""
    app = await loaded(pilot)
    app.post_message(OpenLesson(lesson_id))
    await wait_for(pilot, lambda: showing(app, lesson_id), f"lesson {lesson_id}")
    panel = app.screen.query_one(RunPanel)
    await wait_for(pilot, lambda: panel._built and panel.scenario is not None, "the panel built off-screen")
    await pilot.pause()
    return panel


@needs_course
@run_async
async def test_the_panel_is_built_off_screen_with_its_first_example_in_place(monkeypatch) -> None:
    """Code, status and fault boxes are composed with the body (one mount, nothing loaded again)."""
    loads: list[str] = []
    original = RunPanel.load_example
    monkeypatch.setattr(RunPanel, "load_example", lambda self, example: (loads.append(example.name),
                                                                         original(self, example)))
    app = CourseApp(COURSE)
    async with app.run_test(size=(100, 32)) as pilot:
        panel = await read_lesson(pilot, LESSON4)
        example = panel.example
        assert app.screen.query_one("#lesson-tabs", TabbedContent).active == "read"  # still off-screen
        assert panel.query_one("#run-editor", TextArea).text == example.script.read_text(encoding="utf-8")
        assert len(panel.query(FaultBox)) == len(panel.scenario.faults) > 0
        assert "runs against the sandbox" in str(panel.query_one("#run-status").render())
        assert loads == []  # composed in place: no second read through the worker
        await pilot.press("e")
        await wait_for(pilot, lambda: panel.query_one("#run-editor").region.height > 0, "the panel on screen")
        assert app.focused is panel.query_one("#run-start", Button)
        # Another example still loads through the worker, into the same body.
        other = panel.examples[1]
        panel.query_one("#run-example", Select).value = other.name
        await wait_for(pilot, lambda: panel.example is other and panel.scenario is not None, "the second example")
        assert panel.query_one("#run-editor", TextArea).text == other.script.read_text(encoding="utf-8")
        assert loads == [other.name]


@pytest.mark.parametrize("width, narrow", [(100, False), (70, True)])
@run_async
async def test_the_panel_built_off_screen_is_narrow_only_on_a_narrow_screen(course_root: Path, width: int,
                                                                            narrow: bool) -> None:
    """Hidden, the panel has no size: the screen's width decides before the body exists (a class
    changed on the first show would restyle the whole body at that moment)."""
    app = CourseApp(course_root)
    async with app.run_test(size=(width, 32)) as pilot:
        panel = await read_lesson(pilot, "01-first-steps")
        assert panel.size.width == 0  # not shown yet
        assert panel.has_class("-narrow") is narrow
        assert str(panel.query_one("#run-stop", Button).label) == ("■" if narrow else "■ Stop")
        await pilot.press("e")
        await wait_for(pilot, lambda: panel.size.width > 0, "the panel on screen")
        await pilot.pause()
        assert panel.has_class("-narrow") is narrow
        assert str(panel.query_one("#run-reset", Button).label) == ("↺" if narrow else "↺ Reset")


@run_async
async def test_a_full_garbage_collection_runs_after_the_off_screen_build_not_on_screen(course_root: Path,
                                                                                       monkeypatch) -> None:
    import course.widgets.run_panel as run_panel

    collected: list[int] = []
    monkeypatch.setattr(run_panel.gc, "collect", lambda *args: collected.append(1) or 0)
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        await read_lesson(pilot, "01-first-steps")
        assert collected == [1]  # the learner reads: the collection that was due runs now, once
    collected.clear()
    lesson = load_course(course_root).lesson("01-first-steps")
    app = PanelApp(lesson)  # the panel on screen from the start: built when shown, the learner waiting
    async with app.run_test(size=(100, 32)) as pilot:
        panel = app.query_one(RunPanel)
        await wait_for(pilot, lambda: panel._built and panel.scenario is not None, "the panel built on screen")
        await pilot.pause(0.2)
        assert collected == []


@run_async
async def test_the_footer_is_rebuilt_only_when_its_keys_change(course_root: Path) -> None:
    from course.widgets.footer import KeyFooter

    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        panel = await read_lesson(pilot, "01-first-steps")
        screen = app.screen
        footer = screen.query_one(KeyFooter)
        await wait_for(pilot, lambda: footer.composed_keys is not None, "the footer's keys")
        before = footer.recomposed
        for _ in range(3):  # the same keys: nothing to rebuild
            screen.refresh_bindings()
            await pilot.pause()
        panel.refresh_bindings()
        await pilot.pause(0.2)
        assert footer.recomposed == before
        assert "ctrl+r" not in {key.key for key in footer.query("FooterKey")}
        await pilot.press("e")
        await wait_for(pilot, lambda: "ctrl+r" in {key.key for key in footer.query("FooterKey")}, "the Run key")
        assert footer.recomposed > before
        assert footer.composed_keys == footer.shown_keys()


def test_the_code_editor_highlights_as_textual_does_with_each_query_compiled_once() -> None:
    from course.widgets.code_editor import CodeEditor
    from course.widgets.run_panel import HIGHLIGHT

    samples = {"python": "def f(x):\n    return x + 1  # one\n", "java": "class A { int f() { return 1; } }\n"}
    for language in sorted(set(HIGHLIGHT.values())):
        text = samples[language]
        plain = TextArea.code_editor(text, language=language)
        first = CodeEditor.code_editor(text, language=language)
        assert dict(first._highlights) == dict(plain._highlights) and first._highlights  # noqa: SLF001
        query = CodeEditor.queries[language][1]
        second = CodeEditor.code_editor("", language=language)
        second.load_text(text)
        assert second._highlight_query is query  # noqa: SLF001 (compiled once, shared)
        assert dict(second._highlights) == dict(plain._highlights)  # noqa: SLF001
        assert second.text == text and second.language == language


@pytest.mark.parametrize("tools", ["as found", "none on PATH"])
def test_the_panels_kafka_check_says_what_the_kafka_session_says(monkeypatch, tmp_path: Path, tools: str) -> None:
    from course.widgets.run_panel import kafka_missing
    from engine.apache_kafka.session import kafka_missing as session_kafka_missing

    if tools == "none on PATH":
        monkeypatch.setenv("PATH", str(tmp_path))
        monkeypatch.delenv("JAVA_HOME", raising=False)
        monkeypatch.delenv("MAVEN_HOME", raising=False)
        assert kafka_missing()
    assert kafka_missing() == session_kafka_missing()


def test_a_hold_defers_collections_until_its_release_or_the_watchdog(monkeypatch) -> None:
    import gc

    from course.widgets import gc_hold

    assert gc.isenabled() and not gc_hold.holding()
    first, second = gc_hold.hold(), gc_hold.hold()
    assert not gc.isenabled() and gc_hold.holding()
    gc_hold.release(first)
    assert not gc.isenabled()  # the other hold still defers them
    gc_hold.release(second)
    gc_hold.release(second)  # (a second release of the same hold changes nothing)
    assert gc.isenabled() and not gc_hold.holding()
    monkeypatch.setattr(gc_hold, "HOLD_LIMIT", 0.05)
    gc_hold.hold()  # never released: the watchdog ends it
    deadline = time.monotonic() + 30
    while not gc.isenabled() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert gc.isenabled() and not gc_hold.holding()
    gc.disable()  # turned off by someone else: a hold leaves it off
    try:
        gc_hold.release(gc_hold.hold())
        assert not gc.isenabled()
    finally:
        gc.enable()


@run_async
async def test_collections_are_back_on_once_the_lesson_and_the_panel_are_painted(course_root: Path,
                                                                                 monkeypatch) -> None:
    import gc

    from course.widgets import gc_hold

    monkeypatch.setattr(gc_hold, "HOLD_LIMIT", 3600.0)  # only the widgets' own releases end the holds
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        await read_lesson(pilot, "01-first-steps")
        await wait_for(pilot, lambda: not gc_hold.holding(), "the reader's hold to end")
        assert gc.isenabled()
        await pilot.press("e")
        panel = app.screen.query_one(RunPanel)
        await wait_for(pilot, lambda: panel.region.height > 0, "the panel on screen")
        await wait_for(pilot, lambda: not gc_hold.holding(), "the panel's hold to end")
        assert gc.isenabled()
