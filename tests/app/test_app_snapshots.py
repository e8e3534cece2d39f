"""Snapshots of the main screens at fixed sizes (pytest-textual-snapshot; update with --snapshot-update)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.app import App, ComposeResult
from textual.containers import Vertical

import course
from course.widgets.run_picture import PictureBody, PictureModel, RunPicture
from course.widgets.tally import Tally, TallyCell, columns_for, met_metrics
from engine.runs.outcome import Outcome
from engine.runs.scenario import Expectation
from tests.app.apphelpers import FIXTURE_COURSE, loaded, wait_for, showing

from course.app import CourseApp
from course.screens.lesson import LessonScreen
from course.screens.quiz import QuizScreen
from course.widgets.messages import OpenLesson


async def outline_ready(pilot) -> None:
    await loaded(pilot)
    await pilot.pause()


def open_lesson(lesson_id: str):
    async def run_before(pilot) -> None:
        app = await loaded(pilot)
        app.post_message(OpenLesson(lesson_id))
        await wait_for(pilot, lambda: showing(app, lesson_id))
        await pilot.pause()

    return run_before


async def quiz_feedback(pilot) -> None:
    await open_lesson("02-acks")(pilot)
    await pilot.press("t")
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, QuizScreen) and app.screen.query("#question"))
    await pilot.press("down", "space", "s")
    await wait_for(pilot, lambda: app.screen.submitted)
    await pilot.pause()


def test_outline_100x32(snap_compare) -> None:
    assert snap_compare(CourseApp(FIXTURE_COURSE), terminal_size=(100, 32), run_before=outline_ready)


def test_outline_80x24(snap_compare) -> None:
    assert snap_compare(CourseApp(FIXTURE_COURSE), terminal_size=(80, 24), run_before=outline_ready)


def test_lesson_with_code_tabs_and_diagram_100x32(snap_compare) -> None:
    assert snap_compare(CourseApp(FIXTURE_COURSE), terminal_size=(100, 32), run_before=open_lesson("01-first-steps"))


def test_quiz_feedback_100x32(snap_compare) -> None:
    assert snap_compare(CourseApp(FIXTURE_COURSE), terminal_size=(100, 32), run_before=quiz_feedback)


# ---------------------------------------------------------------- a run's results in a narrow column

class ResultsColumn(App[None]):
    """The tally and the picture as the run panel's right column has them at 80x24 (about 38 wide),
    after lesson 4's acks=1 run: 49 acknowledged orders lost, as the lesson expects."""

    CSS_PATH = Path(course.__file__).parent / "course.tcss"
    CSS = "Screen { layout: horizontal; } #run-right { width: 38; min-width: 0; }"

    def __init__(self, failed: int = 0, allowed: dict[str, str] | None = None) -> None:
        super().__init__()
        self.failed, self.allowed = failed, allowed  # a Java twin's report of a cut connection, say

    def compose(self) -> ComposeResult:
        with Vertical(id="run-right"):
            yield Tally(id="run-tally")
            yield RunPicture(id="run-picture")

    def on_mount(self) -> None:
        lost = Expectation("lost", ">", 0)
        counts = dict(sent=200, acknowledged=200 - self.failed, failed=self.failed, in_log=151, lost=49, duplicates=0,
                      log_duplicates=0, reordered=0, processed=0, unprocessed=0)
        result = Outcome(**counts, lost_ids=[f"order-{i}" for i in range(49)])
        checks = [(lost, 49, True), (Expectation("failed", "==", 0), self.failed, True)]
        self.query_one(Tally).final(result, checks, self.allowed)
        picture = self.query_one(RunPicture)
        model = PictureModel.for_brokers(3)
        model.finish(result, 0, expected=met_metrics(checks))
        picture.show(model)


async def results_ready(pilot) -> None:
    await pilot.pause()
    await pilot.pause()


def test_tally_cells_are_never_cut_in_a_narrow_column() -> None:
    assert columns_for(38) == 2 and columns_for(60) == 3 and columns_for(10) == 1

    async def body() -> None:
        app = ResultsColumn()
        async with app.run_test(size=(80, 24)) as pilot:
            await results_ready(pilot)
            for cell in app.query(TallyCell):
                shown = str(cell.render()).rstrip()
                assert "…" not in shown and len(shown) <= cell.content_region.width, (cell.metric, shown)
            checks = str(app.query_one(".tally-checks").render()).replace("\u00a0", " ").splitlines()
            assert any(line.strip().endswith("failed == 0 ✓") for line in checks), checks  # not cut in two
            body = app.query_one(PictureBody)  # drawn line by line (Line API): read the lines in view
            verdict = [text for text in (body.render_line(y).text.strip() for y in range(body.size.height)) if text]
            assert " ".join(verdict).startswith("● lost 49, as the lesson expects: acknowledged, not in the log")
            assert all(len(line) <= 38 for line in verdict)

    asyncio.run(body())


def test_a_claim_met_through_a_client_difference_says_why() -> None:
    async def body() -> None:
        app = ResultsColumn(failed=1, allowed={"failed": "kafka-clients reports the sends it was writing "
                                                         "when the connection was cut (NetworkException)"})
        async with app.run_test(size=(80, 24)) as pilot:
            await results_ready(pilot)
            shown = " ".join(str(app.query_one(".tally-checks").render()).replace("\u00a0", " ").split())
            assert "failed == 0 ✓ (got 1)" in shown, shown
            assert "failed 1: kafka-clients reports the sends it was writing when the connection was cut" in shown
            assert app.query_one(".tally-checks").has_class("-met")

    asyncio.run(body())


def test_run_results_in_a_narrow_column_80x24(snap_compare) -> None:
    assert snap_compare(ResultsColumn(), terminal_size=(80, 24), run_before=results_ready)
