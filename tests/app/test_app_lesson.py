"""The lesson reader: Markdown, code tabs (Python first), diagrams, shortcodes, problems, links."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from tests.app.apphelpers import loaded, run_async, saved, wait_for, showing
from textual import events
from textual.widgets import Markdown, Static, TabbedContent, TextArea

from course.app import CourseApp
from course.screens.lesson import LessonScreen, parse_lesson_link
from course.screens.outline import OutlineScreen
from course.widgets.code_group import CodeGroupTabs
from course.widgets.diagram import DiagramView
from course.widgets.lesson_view import ShortcodeNote
from course.widgets.messages import OpenLesson
from course.widgets.problems import ProblemsPanel
from engine.learner.progress import ProgressStore


async def open_lesson(pilot, lesson_id: str) -> LessonScreen:
    app = await loaded(pilot)
    app.post_message(OpenLesson(lesson_id))
    await wait_for(pilot, lambda: showing(app, lesson_id),
                   f"lesson {lesson_id}")
    await pilot.pause()
    return app.screen  # type: ignore[return-value]


def static_text(widget: Static) -> str:
    return str(widget.content)


def test_parse_lesson_link() -> None:
    assert parse_lesson_link("lesson:02-acks") == ("02-acks", None)
    assert parse_lesson_link("lesson:4/4/1#idempotence") == ("4/4/1", "idempotence")
    assert parse_lesson_link("https://kafka.apache.org") is None


@run_async
async def test_code_group_is_tabs_with_python_first(course_root: Path) -> None:
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await open_lesson(pilot, "01-first-steps")
        tabs = screen.query_one(CodeGroupTabs)
        panes = list(tabs.query("TabPane"))
        assert [str(p._title) for p in panes] == ["Python", "Java"]  # noqa: SLF001
        assert tabs.active == panes[0].id
        assert 'producer.produce("orders"' in tabs.query_one(f"#{panes[0].id} Markdown", Markdown).source
        # switch to the Java tab with the mouse
        await pilot.click(f"#--content-tab-{panes[1].id}")
        await wait_for(pilot, lambda: tabs.active == panes[1].id, "the Java tab")
        assert "new ProducerRecord" in tabs.query_one(f"#{panes[1].id} Markdown", Markdown).source


@run_async
async def test_diagram_shortcode_and_text_are_shown(course_root: Path) -> None:
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await open_lesson(pilot, "01-first-steps")
        picture = static_text(screen.query_one(DiagramView).query_one(Static))
        assert "│ Producer │" in picture and "───▶│" in picture
        assert "sequenceDiagram" not in picture  # drawn, not left as source
        note = screen.query_one(ShortcodeNote)
        assert "mystery" in note.border_title and "{{< mystery" in static_text(note)
        sources = [m.source for m in screen.query_one("#reader").query(Markdown) if m.parent is screen.query_one("#reader")]
        assert any("## Producing" in s and "**leader**" in s for s in sources)
        assert any("## Consuming" in s for s in sources)
        assert not screen.query(ProblemsPanel)  # a warning (the shortcode) is not shown as a failure


@run_async
async def test_a_broken_lesson_shows_its_error_in_place_and_the_rest_works(course_root: Path) -> None:
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await open_lesson(pilot, "03-broken")
        panel = screen.query_one(ProblemsPanel)
        text = static_text(panel)
        assert "lessons/03-broken/index.md:3" in text and "front matter" in text
        await pilot.press("n")  # the next lesson still opens
        await wait_for(pilot, lambda: showing(app, "01-first-steps"), "the next lesson")


@run_async
async def test_a_link_to_another_lesson_opens_it(course_root: Path) -> None:
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await open_lesson(pilot, "01-first-steps")
        markdown = next(m for m in screen.query(Markdown) if "lesson:02-acks" in m.source)
        # the link's words are on the paragraph after the heading; click on them
        paragraph = next(b for b in markdown.query("MarkdownParagraph") if "acks lesson" in str(b._content.plain))  # noqa: SLF001
        column = str(paragraph._content.plain).index("acks lesson")  # noqa: SLF001
        await pilot.click(paragraph, offset=(column + 2, 0))
        await wait_for(pilot, lambda: showing(app, "02-acks"), "the linked lesson")
        # and back, through the link in that lesson, posted as the Markdown widget posts it
        markdown = next(m for m in app.screen.query(Markdown) if "lesson:01-first-steps" in m.source)
        markdown.post_message(Markdown.LinkClicked(markdown, "lesson:01-first-steps"))
        await wait_for(pilot, lambda: showing(app, "01-first-steps"), "the first lesson again")
        assert len(app.screen_stack) == 2  # outline + one lesson: links do not pile screens up


@run_async
async def test_a_link_to_a_missing_lesson_says_so(course_root: Path) -> None:
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await open_lesson(pilot, "01-first-steps")
        markdown = screen.query(Markdown).first()
        markdown.post_message(Markdown.LinkClicked(markdown, "lesson:99-nowhere"))
        await wait_for(pilot, lambda: app._notifications, "a notification")  # noqa: SLF001
        assert "99-nowhere" in list(app._notifications)[-1].message  # noqa: SLF001
        assert app.screen is screen


@run_async
async def test_next_previous_and_escape(course_root: Path) -> None:
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        await open_lesson(pilot, "01-first-steps")
        await pilot.press("n")
        await wait_for(pilot, lambda: showing(app, "02-acks"), "next")
        await pilot.press("p")
        await wait_for(pilot, lambda: showing(app, "01-first-steps"), "previous")
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, OutlineScreen), "the outline")


@run_async
async def test_examples_tab_shows_the_script(course_root: Path) -> None:
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await open_lesson(pilot, "01-first-steps")
        tabs = screen.query_one("#lesson-tabs", TabbedContent)
        assert tabs.active == "read"
        await pilot.press("e")
        await wait_for(pilot, lambda: tabs.active == "run", "the examples tab")
        # whatever holds the tab (the read-only sources, or the run panel) shows the script as Python
        await wait_for(pilot, lambda: any("hello from" in e.text for e in screen.query("#run TextArea")), "the script")
        editor = next(e for e in screen.query("#run TextArea").results(TextArea) if "hello from" in e.text)
        assert editor.language == "python"


@run_async
async def test_lessons_without_examples_have_no_tabs(course_root: Path) -> None:
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await open_lesson(pilot, "02-acks")
        assert not screen.query("#lesson-tabs")
        assert not screen.query("#run")


@run_async
async def test_done_is_saved_and_shown_in_the_outline(course_root: Path) -> None:
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        # A lesson with neither quiz nor exercise is done when marked (one with a quiz also needs it passed).
        await open_lesson(pilot, "01-first-steps")
        await pilot.press("d")
        await saved(pilot)
        await pilot.press("escape")
        await wait_for(pilot, lambda: isinstance(app.screen, OutlineScreen), "the outline")
        await wait_for(pilot, lambda: "1 of 3 lessons done" in static_text(app.screen.query_one("#progress-label")),
                       "the progress label")
    progress = ProgressStore.for_course(course_root).load()
    assert progress.is_done("01-first-steps") and progress.current_lesson == "01-first-steps"


@run_async
async def test_another_course_with_the_same_lesson_names_keeps_its_own_progress(course_root: Path,
                                                                                tmp_path: Path) -> None:
    """An imported book may reuse another course's lesson names: what the learner did in one course
    is not shown in the other (nor does `c` offer to continue at the other's lesson); the theme,
    the learner's own choice, follows them."""
    other = tmp_path / "elsewhere" / course_root.name
    shutil.copytree(course_root, other)
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        await open_lesson(pilot, "01-first-steps")
        await pilot.press("d")
        app.theme = "nord"
        await pilot.pause()
        await saved(pilot)
    assert ProgressStore.for_course(course_root).load().is_done("01-first-steps")
    again = CourseApp(other)
    async with again.run_test(size=(100, 32)) as pilot:
        await loaded(pilot)
        assert again.theme == "nord"
        assert again.progress is not None and not again.progress.lessons_done
        assert again.progress.current_lesson is None and again.screen.check_action("resume", ()) is False
        assert "0 of 3 lessons done" in static_text(again.screen.query_one("#progress-label"))


def test_lesson_links_are_listed_in_reading_order(course_root: Path) -> None:
    from course.screens.links import lesson_links
    from engine.content.course import load_course

    course = load_course(course_root)
    assert lesson_links(course.lesson("01-first-steps")) == [("the acks lesson", "lesson:02-acks")]
    assert lesson_links(course.lesson("02-acks")) == [("the first steps", "lesson:01-first-steps")]


@run_async
async def test_links_by_keyboard(course_root: Path) -> None:
    from course.screens.links import LinkPicker

    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        await open_lesson(pilot, "01-first-steps")
        await pilot.press("l")
        await wait_for(pilot, lambda: isinstance(app.screen, LinkPicker), "the link list")
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: showing(app, "02-acks"),
                       "the linked lesson")


@run_async
async def test_a_lesson_swap_cut_short_by_the_screen_closing_ends_quietly(course_root: Path) -> None:
    """The lesson body leaves (screen popped, app quitting) while another lesson is being swapped in:
    Textual skips the mount, and the swap must stop there rather than look for widgets never mounted."""
    import asyncio

    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await open_lesson(pilot, "01-first-steps")
        assert app.course is not None
        body = screen.query_one("#lesson-body")
        swap = asyncio.create_task(screen.show_lesson(app.course.lesson("02-acks")))
        body.remove()  # before the swap has begun: its mount will be skipped
        await swap  # returns, without NoMatches
        assert screen.shown is None and screen.lesson.id == "01-first-steps"
        await pilot.pause()
    assert app.return_code in (0, None)


@run_async
async def test_an_outside_link_without_a_browser_is_shown_and_copied(course_root: Path, monkeypatch) -> None:
    for name in ("BROWSER", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    opened: list[str] = []
    app = CourseApp(course_root)
    monkeypatch.setattr(app, "open_url", lambda url, **kw: opened.append(url))
    async with app.run_test(size=(100, 32)) as pilot:
        await loaded(pilot)
        app.post_message(OpenLesson("01-first-steps"))
        await wait_for(pilot, lambda: showing(app, "01-first-steps"), "the lesson")
        url = "https://kafka.apache.org/documentation/#producerconfigs"
        app.screen.follow_link(url)
        await pilot.pause()
        assert opened == [] and app.clipboard == url
        assert any(url in str(n.message) for n in app._notifications)


@run_async
async def test_y_copies_the_code_sample_in_view_in_its_open_language(course_root: Path) -> None:
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await open_lesson(pilot, "01-first-steps")
        tabs = screen.query_one(CodeGroupTabs)
        panes = list(tabs.query("TabPane"))
        await pilot.press("y")
        await pilot.pause()
        assert 'producer.produce("orders"' in (app.clipboard or "")
        tabs.active = panes[1].id
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert "new ProducerRecord" in app.clipboard


@run_async
async def test_slash_searches_the_lesson_text_highlights_and_jumps(course_root: Path) -> None:
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await open_lesson(pilot, "01-first-steps")
        await pilot.press("slash")
        search = screen.query_one("#lesson-search")
        await wait_for(pilot, lambda: app.focused is search, "the search line")
        word = "producer"
        await pilot.press(*word)
        await pilot.pause()
        matches = screen.search_matches(word)
        assert len(matches) >= 2, [m.source for m in matches]
        assert matches[0].has_class("-search-current") and all(m.has_class("-search-match") for m in matches[1:])
        assert search.border_title == f"1 of {len(matches)}"
        await pilot.press("enter")
        await pilot.pause()
        assert matches[1].has_class("-search-current") and not matches[0].has_class("-search-current")
        assert search.border_title == f"2 of {len(matches)}"
        await pilot.press("escape")  # closes the search, not the lesson
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen) and not search.has_class("-open")
        assert not any(m.has_class("-search-match") or m.has_class("-search-current") for m in matches)


def test_the_first_screenful_is_text_and_code_tabs_wait_for_the_batches_after_the_paint() -> None:
    from course.widgets.lesson_view import FIRST_CHARS, first_screenful
    from engine.model import CodeGroup, CodeSample

    group = CodeGroup([CodeSample("python", "print(1)"), CodeSample("java", "System.out.println(1);")])
    short = "## Why\n\nA short opening paragraph."
    parts = [short, group, "x" * 100]
    assert first_screenful(parts) == [short]  # the heading first; the tabs are built later
    assert parts == [group, "x" * 100]

    long_text = ["y" * (FIRST_CHARS // 2), "z" * (FIRST_CHARS // 2), "w" * 10]
    assert first_screenful(long_text) == ["y" * (FIRST_CHARS // 2), "z" * (FIRST_CHARS // 2)]
    assert long_text == ["w" * 10]
    overflowing = ["y" * (FIRST_CHARS // 2), "z" * FIRST_CHARS]  # the second piece waits for the paint
    assert first_screenful(overflowing) == ["y" * (FIRST_CHARS // 2)]
    huge = ["x" * (3 * FIRST_CHARS), "w"]  # one piece is always shown, however long
    assert first_screenful(huge) == ["x" * (3 * FIRST_CHARS)]

    opens_with_code = [group, short]  # a lesson that opens with code still shows something at once
    assert first_screenful(opens_with_code) == [group]


@run_async
async def test_code_tabs_are_mounted_after_the_first_heading(course_root: Path) -> None:
    """The reader's first compose holds no code group after the first piece of text; the tabs come
    with the later batches, and by the time the lesson is complete they are all there."""
    from course.widgets.lesson_view import LessonView

    built: list[str] = []
    original = LessonView.block_widget

    def recording(self, part):
        widget = original(self, part)
        # Composed (before the first paint) while the reader is not mounted yet; the later
        # batches are built by the reader itself, mounted and painted.
        built.append((type(widget).__name__, "later" if self.is_mounted else "first"))
        return widget

    LessonView.block_widget = recording
    try:
        app = CourseApp(course_root)
        async with app.run_test(size=(100, 32)) as pilot:
            screen = await open_lesson(pilot, "01-first-steps")
            assert built[0] == ("Markdown", "first")
            assert ("CodeGroupTabs", "later") in built and ("CodeGroupTabs", "first") not in built
            assert screen.query(CodeGroupTabs)
    finally:
        LessonView.block_widget = original


@run_async
async def test_the_lessons_links_are_parsed_once_however_often_the_footer_asks(course_root: Path, monkeypatch) -> None:
    import course.screens.lesson as lesson_screen

    calls: list[str] = []
    original = lesson_screen.lesson_links

    def counting(lesson):
        calls.append(lesson.id)
        return original(lesson)

    monkeypatch.setattr(lesson_screen, "lesson_links", counting)
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await open_lesson(pilot, "01-first-steps")
        for _ in range(3):  # each switch refreshes the footer's bindings (check_action "links")
            await pilot.press("e")
            await pilot.pause()
        screen.refresh_bindings()
        await pilot.pause()
        assert calls == ["01-first-steps"]
        await pilot.press("n")  # another lesson: its own links
        await wait_for(pilot, lambda: showing(app, "02-acks"), "the next lesson")
        await pilot.pause()
        assert calls == ["01-first-steps", "02-acks"]


async def _spin(turns: int) -> None:
    """Let the event loop go round `turns` times: a key then lands at a different point of the work."""
    for _ in range(turns):
        await asyncio.sleep(0)


async def examples_in_front(pilot, lesson_id: str, turns: int) -> None:
    """Once `lesson_id` is shown and has settled, its Examples tab is the one in front."""
    app = pilot.app
    await wait_for(pilot, lambda: showing(app, lesson_id), f"lesson {lesson_id}")
    await pilot.pause(0.3)
    assert app.screen.query_one("#lesson-tabs", TabbedContent).active == "run", f"key sent after {turns} turns"


@run_async
async def test_e_pressed_while_a_lesson_opens_shows_the_examples(course_root: Path) -> None:
    """`e` typed right behind Enter (a fast typist, a busy machine) must not be undone by the lesson
    settling (the tabs activating their first tab, the reader taking the keyboard)."""
    for turns in (0, 2, 8, 30):
        app = CourseApp(course_root)
        async with app.run_test(size=(100, 32)) as pilot:
            await loaded(pilot)
            await pilot.press("down")
            app.post_message(events.Key("enter", "\r"))
            while not isinstance(app.screen, LessonScreen):  # no pause: that would let the lesson settle
                await asyncio.sleep(0)
            await _spin(turns)
            app.post_message(events.Key("e", "e"))
            await examples_in_front(pilot, "01-first-steps", turns)


@run_async
async def test_e_pressed_right_after_next_is_for_the_next_lesson(course_root: Path) -> None:
    """`]` then `e` at once: the `e` is not lost with the widgets the swap removes, and it opens the
    Examples of the lesson on its way."""
    shutil.copytree(course_root / "lessons/01-first-steps/examples", course_root / "lessons/02-acks/examples")
    page = course_root / "lessons/02-acks/index.md"
    page.write_text(page.read_text().replace("nav_weight: 2\n", 'nav_weight: 2\nexamples: [{name: hello}]\n'))
    for turns in (0, 2, 8, 30):
        app = CourseApp(course_root)
        async with app.run_test(size=(100, 32)) as pilot:
            await open_lesson(pilot, "01-first-steps")
            app.post_message(events.Key("right_square_bracket", "]"))
            await _spin(turns)
            app.post_message(events.Key("e", "e"))
            await examples_in_front(pilot, "02-acks", turns)


@run_async
async def test_lesson_keys_are_text_in_the_examples_editor(course_root: Path) -> None:
    """`e`, `n`, `p`, `[` and `]` are looked up before the focused widget sees them (so a swap cannot
    lose them), yet typed into the example's editor they are text."""
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await open_lesson(pilot, "01-first-steps")
        await pilot.press("e")
        await wait_for(pilot, lambda: screen.query("#run TextArea"), "the editor")
        editor = next(e for e in screen.query("#run TextArea").results(TextArea) if not e.read_only)
        editor.focus()
        await pilot.pause()
        editor.move_cursor((0, 0))
        await pilot.press("e", "n", "p", "left_square_bracket", "right_square_bracket")
        assert editor.text.startswith("enp[]")
        assert showing(app, "01-first-steps") and screen.query_one("#lesson-tabs", TabbedContent).active == "run"
