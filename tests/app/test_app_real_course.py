"""The course as shipped (./lessons, ./quizzes) opens in the app: every lesson and every quiz."""

from __future__ import annotations

import pytest
from tests.app.apphelpers import loaded, run_async, wait_for, showing
from textual.widgets import RadioButton

from course.app import CourseApp
from course.screens.lesson import LessonScreen
from course.screens.quiz import QuestionView, QuizScreen
from course.widgets.answers import MultipleAnswer, OrderAnswer, OrderList, SingleAnswer
from course.widgets.code_group import CodeGroupTabs
from course.widgets.lesson_view import LessonView
from course.widgets.messages import OpenLesson, TakeQuiz
from engine import paths
from engine.learner.grading import expected_answer

ROOT = paths.course_dir()
pytestmark = pytest.mark.skipif(
    not any((ROOT / "lessons").glob("*/index.md")), reason="the course's lessons are not written yet"
)


@run_async
async def test_every_lesson_opens_with_its_code_tabs_python_first() -> None:
    app = CourseApp(ROOT)
    async with app.run_test(size=(100, 32)) as pilot:
        await loaded(pilot)
        lessons = list(app.course.lessons())
        assert len(lessons) >= 8
        for lesson in lessons:
            app.post_message(OpenLesson(lesson.id))
            await wait_for(pilot, lambda: showing(app, lesson.id)
                           and app.screen.query(LessonView), f"lesson {lesson.id}")
            await pilot.pause()
            assert not [p for p in lesson.problems if p.severity == "error"], lesson.problems
            assert bool(app.screen.query("#lesson-tabs")) == bool(lesson.examples)
            for tabs in app.screen.query(CodeGroupTabs):
                languages = [s.language.lower() for s in tabs.group.samples]
                first = str(tabs.query("TabPane").first()._title).lower()  # noqa: SLF001
                if "python" in languages:
                    assert first == "python", (lesson.id, languages)


def answer_right(view: QuestionView) -> None:
    """Put the right answer into the widget, as the learner would leave it."""
    question, answer = view.question, view.answer
    expected = expected_answer(question)
    if isinstance(answer, SingleAnswer):
        list(answer.query(RadioButton))[view.order.index(expected[0])].value = True
    elif isinstance(answer, MultipleAnswer):
        for box in answer.boxes:
            box.value = box.number in expected
    else:
        assert isinstance(answer, OrderAnswer)
        order_list = answer.query_one(OrderList)
        for target, number in enumerate(expected):  # move each into place with the widget's own action
            order_list.highlighted = order_list.sequence.index(number)
            while order_list.sequence.index(number) > target:
                order_list.action_move(-1)


@run_async
async def test_every_quiz_can_be_taken_to_full_marks() -> None:
    app = CourseApp(ROOT)
    async with app.run_test(size=(100, 32)) as pilot:
        await loaded(pilot)
        quizzes = {l.quiz.id: l.quiz for l in app.course.lessons() if l.quiz is not None}
        assert quizzes
        kinds = {q.kind for quiz in quizzes.values() for q in quiz.questions}
        assert {"single", "multiple", "order"} <= kinds
        for quiz in quizzes.values():
            app.post_message(TakeQuiz(quiz.id))
            await wait_for(pilot, lambda: isinstance(app.screen, QuizScreen) and app.screen.quiz is quiz
                           and app.screen.query(QuestionView), f"quiz {quiz.id}")
            screen = app.screen
            while not screen.finished:
                await wait_for(pilot, lambda: screen.query(QuestionView) and not screen.submitted, "a question")
                answer_right(screen.view)
                await pilot.pause()
                await screen.action_submit()
                assert "Correct" in screen.query_one("#feedback").source, (quiz.id, screen.view.question.id)
                await screen.action_next()
                await pilot.pause()
            summary = screen.query_one("#summary").source
            assert "Passed" in summary and "(100%)" in summary, summary
            screen.dismiss()
            await wait_for(pilot, lambda: not isinstance(app.screen, QuizScreen), "the quiz to close")
