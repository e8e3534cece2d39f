"""The run panel's event feed: the runner's threads append events, the UI thread drains them ten
times a second; the output goes out at every tick, the picture and the tally at most every
REDRAW seconds while the run goes on, and none of the events is lost on the way."""

from __future__ import annotations

from tests.app.apphelpers import FIXTURE_COURSE, run_async, wait_for
from textual.widgets import Log

from course.widgets.run_panel import RunPanel
from course.widgets.tally import Tally
from engine.content.course import load_course
from engine.runs.runner import RunEvent
from tests.app.test_app_run_panel import PanelApp


def report(verb: str, i: int) -> RunEvent:
    return RunEvent("report", 0.0, f"{verb} m-{i}", {"verb": verb, "id": f"m-{i}"})


@run_async
async def test_a_burst_of_events_reaches_the_output_at_once_and_the_tally_in_batches_none_lost() -> None:
    lesson = load_course(FIXTURE_COURSE).lesson("01-first-steps")
    app = PanelApp(lesson)
    async with app.run_test(size=(100, 32)) as pilot:
        panel = app.query_one(RunPanel)
        await wait_for(pilot, lambda: panel._built and panel.scenario is not None, "the panel")  # noqa: SLF001
        panel.REDRAW = 3600.0  # no redraw falls due during the test: only `final` brings one
        panel._run_id = 7  # noqa: SLF001 (a run under way, as action_run sets it up)
        panel._ids = {"sent": set(), "acked": set(), "failed": set()}  # noqa: SLF001
        panel._ids_shown, panel._redrawn = (0, 0, 0), 0.0  # noqa: SLF001
        tally = app.query_one(Tally)
        output = app.query_one("#run-output", Log)

        # The first tick redraws (nothing was drawn yet); the next ones within REDRAW do not.
        panel._events.append((7, report("sent", 0)))  # noqa: SLF001
        panel._drain()  # noqa: SLF001
        assert tally.value("sent") == 1
        for i in range(1, 500):
            panel._events.append((7, report("sent", i)))  # noqa: SLF001
            panel._events.append((7, report("acked", i)))  # noqa: SLF001
        panel._events.append((7, RunEvent("output", 0.0, "a line of the example's own", {"stream": "stdout"})))  # noqa: SLF001
        panel._events.append((7, RunEvent("fault", 0.0, "stop_broker: broker 1", {"action": "stop_broker"})))  # noqa: SLF001
        panel._events.append((6, report("sent", 9999)))  # noqa: SLF001 (an older run's: dropped)
        panel._drain()  # noqa: SLF001
        assert not panel._events  # noqa: SLF001 (drained whole)
        assert output.lines[-2:] == ["a line of the example's own", "[fault] stop_broker: broker 1"]  # at every tick
        assert tally.value("sent") == 1  # the tally waits for its next redraw
        assert [row.label for row in panel.model.rows] == ["⚡ stop_broker: broker 1"]  # the model is up to date

        panel._drain(final=True)  # noqa: SLF001 (the run ended: everything is drawn)
        assert (tally.value("sent"), tally.value("acknowledged"), tally.value("failed")) == (500, 499, 0)
