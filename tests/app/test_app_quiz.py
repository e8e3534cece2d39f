"""The quiz: one question at a time, the three kinds, hint, feedback, score, retry, progress saved."""

from __future__ import annotations

from pathlib import Path

from tests.app.apphelpers import loaded, run_async, saved, wait_for, showing
from textual import events
from textual.app import App
from textual.widgets import Button, Markdown, RadioButton, RadioSet, Static

import course

from course.app import CourseApp
from course.screens.lesson import LessonScreen
from course.screens.quiz import QuestionView, QuizScreen, plan_attempt
from course.widgets.answers import MultipleAnswer, OrderList
from course.widgets.messages import OpenLesson
from course.widgets.next_step import Step
from engine.model import Option, Question, Quiz, QuizOptions
from engine.learner.progress import ProgressStore


def order_quiz(shuffle: bool = False) -> Quiz:
    return Quiz(
        id="z",
        title="Z",
        options=QuizOptions(shuffle_answers=shuffle),
        questions=[
            Question(id="a", kind="order", prompt="p", options=[Option(t) for t in "ABCD"]),
            Question(id="b", kind="single", prompt="p", options=[Option("x", True), Option("y"), Option("z")]),
        ],
    )


def test_order_questions_never_start_in_the_right_order() -> None:
    for attempt in range(1, 30):
        questions, orders = plan_attempt(order_quiz(), attempt)
        assert sorted(orders["a"]) == [1, 2, 3, 4] and orders["a"] != [1, 2, 3, 4]
        assert orders["b"] == [1, 2, 3]  # no shuffle_answers: as written


def test_shuffle_answers_is_stable_per_attempt_and_varies_between_attempts() -> None:
    first = plan_attempt(order_quiz(shuffle=True), 1)[1]["b"]
    assert plan_attempt(order_quiz(shuffle=True), 1)[1]["b"] == first
    assert sorted(first) == [1, 2, 3]
    assert len({tuple(plan_attempt(order_quiz(shuffle=True), n)[1]["b"]) for n in range(1, 20)}) > 1


async def start_quiz(pilot) -> QuizScreen:
    app = await loaded(pilot)
    app.post_message(OpenLesson("02-acks"))
    await wait_for(pilot, lambda: showing(app), "the lesson")
    await pilot.press("t")
    await wait_for(pilot, lambda: isinstance(app.screen, QuizScreen) and app.screen.query(QuestionView), "the quiz")
    await pilot.pause()
    return app.screen  # type: ignore[return-value]


def counter(screen: QuizScreen) -> str:
    return str(screen.query_one("#question-counter", Static).content)


def feedback(screen: QuizScreen) -> str:
    return screen.query_one("#feedback", Markdown).source


async def answer_all_right(pilot, screen: QuizScreen) -> None:
    """Single: the third option. Multiple: the first two. Order: sorted with the move keys."""
    await pilot.press("down", "down", "space", "s")
    await wait_for(pilot, lambda: screen.submitted, "q1 submitted")
    await pilot.press("n")
    await wait_for(pilot, lambda: "Question 2" in counter(screen), "q2")
    await pilot.press("space", "down", "space", "s")
    await wait_for(pilot, lambda: screen.submitted, "q2 submitted")
    await pilot.press("n")
    await wait_for(pilot, lambda: "Question 3" in counter(screen), "q3")
    order_list = screen.query_one(OrderList)
    for target in range(4):  # selection sort with the keyboard: bring number target+1 up
        position = order_list.sequence.index(target + 1)
        order_list.highlighted = position
        for _ in range(position - target):
            await pilot.press("shift+up")
    await pilot.pause()
    assert order_list.sequence == [1, 2, 3, 4]
    await pilot.press("s")
    await wait_for(pilot, lambda: screen.submitted, "q3 submitted")


@run_async
async def test_single_choice_with_hint_and_feedback(course_root: Path) -> None:
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start_quiz(pilot)
        assert counter(screen).startswith("Question 1 of 3")
        assert isinstance(screen.view.answer, RadioSet)
        hint = screen.query_one("#hint")
        assert not hint.display
        await pilot.press("h")
        await wait_for(pilot, lambda: hint.display, "the hint")
        assert "strongest" in screen.query_one("#hint", Markdown).source
        await pilot.press("s")  # nothing chosen yet: refused
        await pilot.pause()
        assert not screen.submitted
        await pilot.press("down", "space", "s")  # acks=1: wrong
        await wait_for(pilot, lambda: screen.submitted, "the feedback")
        text = feedback(screen)
        assert "Not quite" in text
        assert "✗ `acks=1` — *your choice, wrong*" in text and "Only the leader." in text
        assert "○ `acks=all` — *right, not chosen*" in text
        assert "Yes: the whole ISR" not in text  # feedback only for the chosen option
        assert "high watermark" in text  # the explanation
        assert screen.view.answer.disabled
        assert screen.query_one("#next-button", Button).display


@run_async
async def test_multiple_choice_never_says_how_many_are_right(course_root: Path) -> None:
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start_quiz(pilot)
        await pilot.press("down", "down", "space", "s", "n")
        await wait_for(pilot, lambda: "Question 2" in counter(screen), "q2")
        answer = screen.view.answer
        assert isinstance(answer, MultipleAnswer)
        assert counter(screen).endswith("Choose every answer that applies.")
        assert "2" not in counter(screen).split("·")[1]
        await pilot.press("space", "s")  # only acks=0: half right is still wrong (all-or-nothing)
        await wait_for(pilot, lambda: screen.submitted, "q2 feedback")
        text = feedback(screen)
        assert "Not quite" in text
        assert "✓ `acks=0` — *your choice, right*" in text
        assert "○ `acks=1` — *right, not chosen*" in text


@run_async
async def test_order_question_moves_with_keys_and_buttons(course_root: Path) -> None:
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start_quiz(pilot)
        await pilot.press("down", "down", "space", "s", "n")
        await wait_for(pilot, lambda: "Question 2" in counter(screen), "q2")
        await pilot.press("space", "s", "n")
        await wait_for(pilot, lambda: "Question 3" in counter(screen), "q3")
        order_list = screen.query_one(OrderList)
        start = list(order_list.sequence)
        assert start != [1, 2, 3, 4]
        assert order_list.highlighted == 0
        await pilot.press("shift+down")
        await wait_for(pilot, lambda: order_list.sequence != start, "a move")
        assert order_list.sequence == [start[1], start[0], *start[2:]]
        assert order_list.highlighted == 1  # the moved item stays highlighted
        await pilot.click("#move-up")
        await wait_for(pilot, lambda: order_list.sequence == start, "the button move")
        await pilot.press("s")
        await wait_for(pilot, lambda: screen.submitted, "q3 feedback")
        assert "Your order, place by place:" in feedback(screen) and "*belongs here:*" in feedback(screen)
        assert order_list.disabled


@run_async
async def test_whole_quiz_score_retry_and_saved_progress(course_root: Path) -> None:
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start_quiz(pilot)
        await answer_all_right(pilot, screen)
        assert screen.query_one("#next-button", Button).label.plain == "See score"
        await pilot.press("n")
        await wait_for(pilot, lambda: screen.finished, "the score")
        summary = screen.query_one("#summary", Markdown).source
        assert "3 / 3 (100%)" in summary and "**Passed**" in summary and "passing grade is 60%" in summary
        assert screen.query_one("#retry-button", Button).display
        await saved(pilot)
        result = ProgressStore.for_course(course_root).load().quizzes["acks-quiz"]
        assert (result.score, result.max, result.passed, result.attempts) == (3, 3, True, 1)
        assert ProgressStore.for_course(course_root).load().is_done("02-acks")  # passing the quiz finishes the lesson

        await pilot.press("r")  # retry: back to question 1, then a worse attempt
        await wait_for(pilot, lambda: not screen.finished and screen.query(QuestionView), "the retry")
        assert counter(screen).startswith("Question 1 of 3")
        for _ in range(3):
            await pilot.press("space" if screen.index < 2 else "s")
            if screen.index < 2:
                await pilot.press("s")
            await wait_for(pilot, lambda: screen.submitted, "feedback")
            await pilot.press("n")
            await pilot.pause()
        await wait_for(pilot, lambda: screen.finished, "the second score")
        assert "Not passed yet" in screen.query_one("#summary", Markdown).source
        await saved(pilot)
        result = ProgressStore.for_course(course_root).load().quizzes["acks-quiz"]
        assert (result.score, result.attempts) == (3, 2)  # the best attempt is kept

        await pilot.press("escape")
        await wait_for(pilot, lambda: showing(app), "back to the lesson")


@run_async
async def test_keys_typed_in_one_burst_are_not_lost(course_root: Path) -> None:
    """A terminal may deliver `space` and `s` in one read: the choice must count before the submit."""
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start_quiz(pilot)
        # post the keys back to back, without letting the app process anything in between
        for key, char in (("down", None), ("down", None), ("space", " "), ("s", "s")):
            app.post_message(events.Key(key, char))
        await wait_for(pilot, lambda: screen.submitted, "q1 submitted")
        assert screen.answers["q1"] == [3]
        await pilot.press("n")
        await wait_for(pilot, lambda: "Question 2" in counter(screen), "q2")
        for key, char in (("space", " "), ("down", None), ("space", " "), ("s", "s")):
            app.post_message(events.Key(key, char))
        await wait_for(pilot, lambda: screen.submitted, "q2 submitted")
        assert screen.answers["q2"] == [1, 2]


@run_async
async def test_long_radio_labels_wrap_under_themselves() -> None:
    from textual.app import App

    from course.widgets.answers import WrappingRadioButton

    long = "Two: the broker wrote the first request and then wrote the resend as a new record"

    class Probe(App[None]):
        CSS = "RadioSet { width: 44; } RadioButton { width: 1fr; }"

        def compose(self):
            yield RadioSet(WrappingRadioButton(long), WrappingRadioButton("acks=all"))

    app = Probe()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        first, second = app.query(WrappingRadioButton)
        lines = first._lines(first.content_region.width)  # noqa: SLF001
        assert first.region.height == len(lines) > 1
        assert all(line.cell_length <= first.content_region.width for line in lines)
        assert all(line.plain.startswith("    ") and line.plain.strip() for line in lines[1:])
        assert "resend as a new record" in " ".join(" ".join(line.plain.split()) for line in lines)
        assert second.region.height == 1


def test_order_feedback_marks_each_place() -> None:
    from course.widgets.feedback import question_feedback
    from engine.learner.grading import grade_question

    question = order_quiz().questions[0]
    right = question_feedback(question, grade_question(question, [1, 2, 3, 4]), [2, 1, 3, 4])
    assert "1. ✓ A" in right and "4. ✓ D" in right and "belongs here" not in right
    wrong = question_feedback(question, grade_question(question, [2, 1, 3, 4]), [2, 1, 3, 4])
    assert "1. ✗ B" in wrong and "*belongs here:* A" in wrong and "3. ✓ C" in wrong


# ---------------------------------------------------------------- resuming, retrying the missed, next steps


@run_async
async def test_quitting_mid_quiz_keeps_the_answers_and_reopening_resumes_there(course_root: Path) -> None:
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start_quiz(pilot)
        await pilot.press("down", "down", "space", "s")  # q1 right
        await wait_for(pilot, lambda: screen.submitted, "q1 submitted")
        await pilot.press("q")  # quit mid-quiz
    assert ProgressStore.for_course(course_root).quiz_drafts()["acks-quiz"]["answers"] == {"q1": [3]}

    again = CourseApp(course_root)
    async with again.run_test(size=(100, 32)) as pilot:
        screen = await start_quiz(pilot)
        assert counter(screen).startswith("Question 2 of 3")  # where the learner left
        await pilot.press("space", "down", "space", "s")  # q2 right
        await wait_for(pilot, lambda: screen.submitted, "q2 submitted")
        await pilot.press("n")
        await wait_for(pilot, lambda: "Question 3" in counter(screen), "q3")
        await pilot.press("s")  # q3 as shown: never the right order
        await wait_for(pilot, lambda: screen.submitted, "q3 submitted")
        await pilot.press("n")
        await wait_for(pilot, lambda: screen.finished, "the score")
        await saved(pilot)
        assert screen.grade is not None and screen.grade.max == 3
        assert screen.grade.questions[0].correct  # q1's answer from before the quit was graded
    store = ProgressStore.for_course(course_root)
    assert store.load().quizzes["acks-quiz"].answers["q1"] == [3]
    assert "acks-quiz" not in store.quiz_drafts()  # finished: nothing left to resume


@run_async
async def test_retry_only_the_missed_questions_keeps_the_right_answers(course_root: Path) -> None:
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start_quiz(pilot)
        await pilot.press("down", "space", "s")  # q1 wrong (acks=1)
        await wait_for(pilot, lambda: screen.submitted, "q1 submitted")
        await pilot.press("n")
        await wait_for(pilot, lambda: "Question 2" in counter(screen), "q2")
        await pilot.press("space", "down", "space", "s")  # q2 right
        await wait_for(pilot, lambda: screen.submitted, "q2 submitted")
        await pilot.press("n")
        await wait_for(pilot, lambda: "Question 3" in counter(screen), "q3")
        await pilot.press("s")  # q3 wrong
        await wait_for(pilot, lambda: screen.submitted, "q3 submitted")
        await pilot.press("n")
        await wait_for(pilot, lambda: screen.finished, "the score")
        assert screen.missed() == ["q1", "q3"]
        assert screen.query_one("#missed-button").display
        await pilot.press("m")
        await wait_for(pilot, lambda: not screen.finished and screen.query(QuestionView), "the retry")
        assert counter(screen).startswith("Question 1 of 2")
        assert [q.id for q in screen.questions] == ["q1", "q3"]
        await pilot.press("down", "down", "space", "s")  # q1 right this time
        await wait_for(pilot, lambda: screen.submitted, "q1 submitted")
        await pilot.press("n")
        await wait_for(pilot, lambda: "Question 2 of 2" in counter(screen), "q3 again")
        order_list = screen.query_one(OrderList)
        for target in range(4):
            position = order_list.sequence.index(target + 1)
            order_list.highlighted = position
            for _ in range(position - target):
                await pilot.press("shift+up")
        await pilot.press("s")
        await wait_for(pilot, lambda: screen.submitted, "q3 submitted")
        await pilot.press("n")
        await wait_for(pilot, lambda: screen.finished, "the second score")
        assert screen.grade is not None and (screen.grade.score, screen.grade.max) == (3, 3)  # q2 kept
        await saved(pilot)
    result = ProgressStore.for_course(course_root).load().quizzes["acks-quiz"]
    assert (result.score, result.attempts, result.passed) == (3, 2, True)


@run_async
async def test_a_finished_quiz_points_to_the_next_lesson(course_root: Path) -> None:
    from course.widgets.next_step import NextSteps

    (course_root / "lessons" / "04-after").mkdir()
    (course_root / "lessons" / "04-after" / "index.md").write_text("---\ntitle: After acks\nnav_weight: 99\n---\n\nText.\n")
    app = CourseApp(course_root)
    async with app.run_test(size=(100, 32)) as pilot:
        screen = await start_quiz(pilot)
        await answer_all_right(pilot, screen)
        await pilot.press("n")
        await wait_for(pilot, lambda: screen.query(NextSteps), "the next steps")
        steps = screen.query_one(NextSteps).steps
        assert [(s.kind, s.target) for s in steps] == [("lesson", "04-after")]
        assert screen.focused is not None and screen.focused.id == "step-0"
        await pilot.press("enter")
        await wait_for(pilot, lambda: showing(app, "04-after"), "the next lesson")


# ---------------------------------------------------------------- small terminals (the 60x20 / 80x24 walkthrough)

LONG_PROMPT = "\n\n".join(["```properties\nreplication.factor=3\nmin.insync.replicas=1\nacks=all\n```"]
                          + [f"Paragraph {i} of a long scenario that a learner reads before answering." for i in range(6)])


def tall_quiz() -> Quiz:
    """One question taller than a 60x20 terminal, with a long explanation; a second one to go on to."""
    return Quiz(id="tall", title="Tall", questions=[
        Question(id="t1", kind="single", prompt=LONG_PROMPT,
                 options=[Option(f"Option {n}: an answer long enough to wrap at sixty columns wide", n == 4)
                          for n in range(1, 5)],
                 explanation="\n\n".join(f"Explanation paragraph {i}, which a learner should be able to read "
                                         "to its end with the keyboard." for i in range(8))),
        Question(id="t2", kind="single", prompt="p", options=[Option("x", True), Option("y")]),
    ])


class QuizOnly(App[None]):
    """The quiz screen alone, with the course's stylesheet and the next steps the app would give it."""

    CSS_PATH = Path(course.__file__).parent / "course.tcss"

    def __init__(self, quiz: Quiz, steps=()) -> None:
        super().__init__()
        self.quiz, self.steps = quiz, steps

    def on_mount(self) -> None:
        self.push_screen(QuizScreen(self.quiz, steps=self.steps))


def on_screen(widget) -> bool:
    """The widget is drawn inside its screen's visible area (not scrolled out, not cut to nothing)."""
    region = widget.region
    return bool(region.height) and widget.screen.region.contains_region(region)


@run_async
async def test_moving_to_an_option_below_the_fold_brings_it_into_view_60x20() -> None:
    app = QuizOnly(tall_quiz())
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, QuizScreen) and app.screen.query(QuestionView), "the quiz")
        screen = app.screen
        buttons = list(screen.query(RadioButton))
        assert not on_screen(buttons[-1])  # the prompt fills the screen: the last option starts out of sight
        await pilot.press("down", "down", "down")
        await wait_for(pilot, lambda: on_screen(buttons[-1]), "the last option scrolled into view")
        await pilot.press("space", "s")
        await wait_for(pilot, lambda: screen.submitted, "the feedback")
        assert app.focused is screen.query_one("#next-button")
        body = screen.query_one("#quiz-body")
        await wait_for(pilot, lambda: body.max_scroll_y > body.scroll_y, "feedback longer than the screen")
        before = body.scroll_y
        await pilot.press("pagedown", "down")  # the explanation's end: reachable with the Next button focused
        await wait_for(pilot, lambda: body.scroll_y > before, "the body to scroll")
        while body.scroll_y < body.max_scroll_y:
            await pilot.press("pagedown")
        assert on_screen(list(screen.query_one("#feedback").query("*"))[-1])


@run_async
async def test_the_score_and_the_next_step_share_the_first_screenful_80x24() -> None:
    questions = [Question(id=f"q{i}", kind="single", prompt=f"Question {i} asks something rather long to fill a "
                          "row of the summary table", options=[Option("right", True), Option("wrong")])
                 for i in range(12)]
    quiz = Quiz(id="many", title="Many", questions=questions)
    steps = [Step("exercise", "ex", "Exercise: Lose nothing when the leader fails"),
             Step("lesson", "next", "Next lesson: 5. Idempotent producer"), Step("quiz", "other", "Quiz: Another one")]
    app = QuizOnly(quiz, steps=steps)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, QuizScreen) and app.screen.query(QuestionView), "the quiz")
        screen = app.screen
        while not screen.finished:
            await wait_for(pilot, lambda: screen.query(QuestionView) and not screen.submitted, "a question")
            await pilot.press("space", "s")
            await wait_for(pilot, lambda: screen.submitted, "its feedback")
            await pilot.press("n")
            await wait_for(pilot, lambda: screen.finished or not screen.submitted, "the next one")
        await wait_for(pilot, lambda: screen.query("#step-0") and screen.query("#summary-table"), "the summary")
        await pilot.pause()
        assert app.focused is screen.query_one("#step-0")
        assert on_screen(screen.query_one("#summary")) and on_screen(screen.query_one("#step-0"))
        # Three long steps do not fit one row of 80 columns: one a line, none cut off at the edge.
        for i in range(3):
            assert on_screen(screen.query_one(f"#step-{i}")), i
        assert "12 / 12 (100%)" in screen.query_one("#summary", Markdown).source
        assert "| 12 |" in screen.query_one("#summary-table", Markdown).source


@run_async
async def test_a_question_opens_at_its_prompt_and_a_long_order_list_follows_the_highlight_60x20() -> None:
    options = [Option(f"Step {n}: something that happens during a failover, told at some length") for n in range(1, 9)]
    quiz = Quiz(id="long-order", title="Long order", questions=[
        Question(id="o", kind="order", prompt="Put these in order.", options=options)])
    app = QuizOnly(quiz)
    async with app.run_test(size=(60, 20)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, QuizScreen) and app.screen.query(QuestionView), "the quiz")
        await pilot.pause()
        screen = app.screen
        order_list = screen.query_one(OrderList)
        assert app.focused is order_list
        assert on_screen(screen.query_one("#question-counter")) and on_screen(screen.query_one("#prompt"))
        assert screen.query_one("#submit-button").region.height == 1  # borderless at 60x20: rows for the question
        body = screen.query_one("#quiz-body")
        await pilot.press(*["down"] * 7)
        await wait_for(pilot, lambda: order_list.highlighted == 7 and body.scroll_y > 0, "the list to follow")
        await pilot.pause()
        last_line = order_list.content_region.y + order_list._index_to_line[7] - int(order_list.scroll_offset.y)
        assert body.content_region.y <= last_line < body.content_region.bottom


def test_the_score_table_names_a_question_by_its_prose_not_its_code_block() -> None:
    from course.widgets.feedback import quiz_table
    from engine.learner.grading import grade_quiz

    question = Question(id="c", kind="single", prompt="```properties\nacks=all\n\nmin.insync.replicas=1\n```\n\n"
                        "What happens to the messages?", options=[Option("x", True), Option("y")])
    quiz = Quiz(id="code", title="Code", questions=[question])
    table = quiz_table(grade_quiz(quiz, {"c": [1]}), [question])
    assert "| 1 | What happens to the messages? | ✓ |" in table and "```" not in table
