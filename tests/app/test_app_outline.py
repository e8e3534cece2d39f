"""The outline: lessons with done marks and quiz scores, the progress bar, resuming."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.widgets import ProgressBar, Static

from course.app import CourseApp
from course.screens.lesson import LessonScreen
from course.screens.outline import OutlineScreen
from course.widgets.outline import CourseOutline, LessonRef
from course.widgets.problems import ProblemsPanel
from engine.learner.grading import grade_quiz
from engine import paths
from engine.learner.progress import Progress, ProgressStore
from tests.app.apphelpers import loaded, run_async, saved, wait_for, showing


def labels(app: CourseApp) -> dict[str, str]:
    tree = app.screen_stack[0].query_one(CourseOutline)
    out = {}
    for node in tree._tree_lines:  # noqa: SLF001 - every visible line
        data = node.node.data
        if isinstance(data, LessonRef):
            out[data.lesson_id] = str(node.node.label)
    return out


@run_async
async def test_outline_lists_lessons_in_order_with_marks(course_root: Path) -> None:
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        await loaded(pilot)
        assert isinstance(app.screen, OutlineScreen)
        shown = labels(app)
        assert list(shown) == ["03-broken", "01-first-steps", "02-acks"]
        assert shown["03-broken"].startswith("⚠")  # a lesson that failed to load
        assert shown["01-first-steps"] == "· First steps"
        assert shown["02-acks"] == "· Acknowledgements  quiz"
        assert app.title == "Fixture course"
        bar = app.screen.query_one(ProgressBar)
        assert (bar.progress, bar.total) == (0, 3)
        assert "0 of 3 lessons done" in str(app.screen.query_one("#progress-label", Static).content)


@run_async
async def test_the_footer_names_the_key_that_opens_a_lesson(course_root: Path) -> None:
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        await loaded(pilot)
        shown = {b.key: b.description for _, b, enabled, _ in app.screen.active_bindings.values() if b.show and enabled}
        assert shown.get("enter") == "Open", shown
        app.screen.query_one(CourseOutline).select_lesson("01-first-steps")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, LessonScreen), "the lesson opened by Enter")


@run_async
async def test_outline_shows_done_marks_scores_and_progress_from_saved_progress(course_root: Path) -> None:
    store = ProgressStore.for_course(course_root)
    progress = store.load()
    quiz_app = CourseApp(course_root)
    async with quiz_app.run_test() as pilot:  # the real loader gives the real quiz to grade
        await loaded(pilot)
        quiz = quiz_app.find_quiz("acks-quiz")
    assert quiz is not None
    grade = grade_quiz(quiz, {"q1": [3], "q2": [1, 2], "q3": [1, 2, 3, 4]})
    progress.record_quiz("acks-quiz", grade, {"q1": [3]})
    progress.mark_done("01-first-steps")
    store.save(progress)

    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        await loaded(pilot)
        shown = labels(app)
        assert shown["01-first-steps"] == "✓ First steps"
        # A passed quiz is what the lesson asks: it counts the lesson done without marking it.
        assert shown["02-acks"] == "✓ Acknowledgements  quiz 3/3 ✓"
        bar = app.screen.query_one(ProgressBar)
        assert (bar.progress, bar.total) == (2, 3)


@run_async
async def test_enter_opens_the_highlighted_lesson_and_escape_returns(course_root: Path) -> None:
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        await loaded(pilot)
        tree = app.screen.query_one(CourseOutline)
        assert tree.cursor_node is not None and tree.cursor_node.data == LessonRef("03-broken")
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: showing(app), "the lesson")
        assert app.screen.lesson.id == "01-first-steps"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, OutlineScreen), "the outline")


@run_async
async def test_click_on_a_lesson_opens_it(course_root: Path) -> None:
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        await loaded(pilot)
        tree = app.screen.query_one(CourseOutline)
        line = next(i for i, l in enumerate(tree._tree_lines) if l.node.data == LessonRef("02-acks"))  # noqa: SLF001
        await pilot.click(CourseOutline, offset=(8, line + 1))  # +1: the border
        await wait_for(pilot, lambda: showing(app), "the lesson")
        assert app.screen.lesson.id == "02-acks"


@run_async
async def test_a_lesson_gone_since_is_not_offered_to_continue(course_root: Path) -> None:
    """The lesson the learner was reading has been renamed or removed: no `c Continue` into it."""
    ProgressStore.for_course(course_root).save(Progress(current_lesson="renamed-since"))
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        await loaded(pilot)
        assert isinstance(app.screen, OutlineScreen) and app.screen.check_action("resume", ()) is False
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, OutlineScreen) and not app._notifications  # noqa: SLF001 - no error said


@run_async
async def test_reopening_resumes_at_the_current_lesson(course_root: Path) -> None:
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        await loaded(pilot)
        await pilot.press("down", "down", "enter")
        await wait_for(pilot, lambda: showing(app), "the lesson")
        await saved(pilot)
    assert ProgressStore.for_course(course_root).load().current_lesson == "02-acks"

    again = CourseApp(course_root)
    async with again.run_test(size=(100, 32)) as pilot:
        await loaded(pilot)
        await wait_for(pilot, lambda: isinstance(again.screen, LessonScreen), "the resumed lesson")
        assert again.screen.lesson.id == "02-acks"
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(again.screen, OutlineScreen), "the outline")
        cursor = again.screen.query_one(CourseOutline).cursor_node
        assert cursor is not None and cursor.data == LessonRef("02-acks")


@run_async
async def test_a_missing_course_folder_says_so(tmp_path: Path) -> None:
    app = CourseApp(tmp_path / "nowhere")
    async with app.run_test(size=(100, 32)) as pilot:
        await wait_for(pilot, lambda: app.screen.query("#load-error") or app.course is not None, "the load")
        if app.course is not None:  # the loader may give an empty course with a problem instead
            assert app.course.problems or not list(app.course.lessons())
        else:
            assert "nowhere" in str(app.screen.query_one("#load-error", Static).content)


@run_async
async def test_course_problems_outside_lessons_are_listed_on_the_outline(course_root: Path) -> None:
    (course_root / "quizzes" / "orphan.yaml").write_text(
        "id: orphan\ntitle: Orphan\nlesson: 99-nowhere\nquestions:\n"
        "  - {id: q1, kind: single, prompt: P, options: [{text: a, correct: true}, {text: b}]}\n"
    )
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        await loaded(pilot)
        panel = app.screen.query_one(ProblemsPanel)
        text = str(panel.content)
        assert panel.border_title == "Course problems"
        assert "orphan.yaml:3" in text and "99-nowhere" in text
        assert "front matter" not in text  # a lesson's own problem is shown in that lesson, not here
        assert labels(app)  # and the course still works


@run_async
async def test_the_introduction_is_not_counted_as_a_lesson(course_root: Path) -> None:
    intro = course_root / "lessons" / "_index.md"
    intro.write_text(intro.read_text() + "\nWelcome. Take the lessons in order.\n")
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        await loaded(pilot)
        assert "index" in [lesson.id for lesson in app.course.lessons()]  # shown, to read
        bar = app.screen.query_one(ProgressBar)
        assert bar.total == 3
        assert "0 of 3 lessons done" in str(app.screen.query_one("#progress-label", Static).content)


@pytest.mark.parametrize("size", [(60, 20), (80, 24)])
def test_every_lesson_title_and_its_badges_fit_on_a_small_terminal(size: tuple[int, int]) -> None:
    """The course's own lessons ("7. Exactly-once pipelines  quiz  exercise"): at 80 columns beside
    the About panel, at 60 columns with the tree alone (the panel hides there)."""

    async def body() -> None:
        app = CourseApp(paths.course_dir())
        async with app.run_test(size=size) as pilot:
            await loaded(pilot)
            await wait_for(pilot, lambda: app.exercises and "exercise" in " ".join(labels(app).values()),
                           "the exercise badges")
            await pilot.pause()
            screen = app.screen_stack[0]
            assert screen.query_one("#lesson-details").display == (size[0] >= OutlineScreen.NARROW)
            tree = screen.query_one(CourseOutline)
            rows = [tree.render_line(y).text for y in range(tree.content_region.height)]
            for label in labels(app).values():
                assert any(label in row for row in rows), (label, rows)

    asyncio.run(body())
