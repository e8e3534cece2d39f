"""App conventions: help screen, command palette, footer keys, small terminals and resizing."""

from __future__ import annotations

from pathlib import Path

from tests.app.apphelpers import loaded, run_async, wait_for, showing
from textual.command import CommandPalette

from course.app import CourseApp
from course.screens.help import HelpScreen
from course.screens.lesson import LessonScreen
from course.screens.outline import OutlineScreen
from course.screens.quiz import QuizScreen
from course.widgets.messages import OpenLesson


def footer_keys(app: CourseApp) -> set[str]:
    return {key.key_display or key.key for key in app.screen.query("FooterKey") if not key.has_class("-command-palette")}


@run_async
async def test_question_mark_opens_help_and_escape_closes_it(course_root: Path) -> None:
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        await loaded(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        text = app.screen.query_one("Markdown").source
        assert "command palette" in text and "| `t` | Quiz |" in text and "| `?` | Help |" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, OutlineScreen), "the outline")
        # A lesson with examples: the run panel's keys are listed, focused or not.
        app.post_message(OpenLesson("01-first-steps"))
        await wait_for(pilot, lambda: showing(app, "01-first-steps"), "the lesson")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "help")
        text = app.screen.query_one("Markdown").source
        assert "| `^r` | Run |" in text and "| `^t` | Stop |" in text and "| `] / n` | Next |" in text, text
        assert "| `^g` | Reset to the lesson's code |" in text, text


async def palette_run(pilot, query: str) -> None:
    app = pilot.app
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), "the palette")
    await pilot.press(*query)
    palette = app.screen
    await wait_for(pilot, lambda: palette.query_one("CommandList").option_count > 0, "palette hits")
    await pilot.pause(0.2)  # let the palette finish ranking this query's hits
    await pilot.press("enter")


@run_async
async def test_palette_jumps_to_a_lesson(course_root: Path) -> None:
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        await loaded(pilot)
        await palette_run(pilot, "Lesson: Acknowledgements")
        await wait_for(pilot, lambda: showing(app), "the lesson")
        assert app.screen.lesson.id == "02-acks"


@run_async
async def test_palette_takes_a_quiz(course_root: Path) -> None:
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        await loaded(pilot)
        await palette_run(pilot, "Quiz: Acknowledgements quiz")
        await wait_for(pilot, lambda: isinstance(app.screen, QuizScreen), "the quiz")
        assert app.screen.quiz.id == "acks-quiz"


@run_async
async def test_palette_switches_theme(course_root: Path) -> None:
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        await loaded(pilot)
        assert app.theme != "nord"
        await palette_run(pilot, "Theme: nord")
        await wait_for(pilot, lambda: app.theme == "nord", "the theme")


@run_async
async def test_footer_shows_the_screen_keys(course_root: Path) -> None:
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        await loaded(pilot)
        await wait_for(pilot, lambda: {"q", "?"} <= footer_keys(app), "the footer")
        app.post_message(OpenLesson("02-acks"))
        await wait_for(pilot, lambda: showing(app), "the lesson")
        await wait_for(pilot, lambda: {"esc", "t", "d"} <= footer_keys(app), "the lesson keys")
        assert "e" not in footer_keys(app)  # no examples in this lesson: no Examples key


def help_key_first_and_whole(app: CourseApp) -> bool:
    keys = [key for key in app.screen.query("FooterKey") if not key.has_class("-command-palette")]
    return bool(keys) and keys[0].action == "help" and app.screen.region.contains_region(keys[0].region)


@run_async
async def test_the_help_key_comes_first_in_the_footer_so_a_narrow_one_never_cuts_it(course_root: Path) -> None:
    """A lesson with examples has more keys than 80 columns hold; the footer cuts its right end."""
    app = CourseApp(course_root)
    async with app.run_test(size=(60, 20)) as pilot:
        await loaded(pilot)
        await wait_for(pilot, lambda: help_key_first_and_whole(app), "? Help first on the outline")
        app.post_message(OpenLesson("01-first-steps"))
        await wait_for(pilot, lambda: showing(app), "the lesson")
        await pilot.press("e")
        await wait_for(pilot, lambda: "^r" in footer_keys(app), "the Run key")
        await wait_for(pilot, lambda: help_key_first_and_whole(app), "? Help first on the lesson")
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: help_key_first_and_whole(app), "? Help first at 80x24")


@run_async
async def test_small_terminal_and_resizing_do_not_break_any_screen(course_root: Path) -> None:
    app = CourseApp(course_root)
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot)
        for size in ((80, 24), (40, 12), (120, 40), (80, 24)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
        app.post_message(OpenLesson("01-first-steps"))
        await wait_for(pilot, lambda: showing(app), "the lesson")
        for size in ((60, 20), (80, 24)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
        reader = app.screen.query_one("#reader")
        assert reader.region.width > 0 and reader.region.height > 0
        app.post_message(OpenLesson("02-acks"))
        await wait_for(pilot, lambda: showing(app, "02-acks"), "the quiz lesson")
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, QuizScreen) and app.screen.query("#question"), "the quiz")
        await pilot.resize_terminal(50, 16)
        await pilot.pause()
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        answer = app.screen.query_one(".answer")
        assert answer.region.height > 0  # the options are on screen at 80x24
        submit = app.screen.query_one("#submit-button")
        assert submit.region.y + submit.region.height <= 23  # above the footer


@run_async
async def test_keys_typed_quickly_in_a_lesson_are_all_honoured(course_root: Path) -> None:
    from course.widgets.messages import OpenLesson
    from tests.app.apphelpers import showing

    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        await loaded(pilot)
        app.post_message(OpenLesson("03-broken"))
        await wait_for(pilot, lambda: showing(app, "03-broken"), "the first lesson")
        await pilot.press("n", "n")  # the second press comes while the next lesson still mounts
        await wait_for(pilot, lambda: showing(app, "02-acks"), "two lessons on")


@run_async
async def test_the_theme_choice_is_remembered(course_root: Path) -> None:
    from tests.app.apphelpers import saved

    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        await loaded(pilot)
        app.theme = "nord"
        await pilot.pause()
        await saved(pilot)
    again = CourseApp(course_root)
    async with again.run_test(size=(100, 32)) as pilot:
        await loaded(pilot)
        assert again.theme == "nord"
