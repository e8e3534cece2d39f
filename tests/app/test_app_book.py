"""An imported book (../shared/corpus/kafka) opens in the app: pages, code tabs, diagrams, quizdown quizzes."""

from __future__ import annotations

from tests.paths import CORPUS

from pathlib import Path

import pytest
from tests.app.apphelpers import loaded, run_async, wait_for, showing

from course.app import CourseApp
from course.screens.lesson import LessonScreen
from course.screens.quiz import QuestionView, QuizScreen
from course.widgets.code_group import CodeGroupTabs
from course.widgets.diagram import DiagramView
from course.widgets.lesson_view import LessonView
from course.widgets.messages import OpenLesson, TakeQuiz
from engine.model import CodeGroup, Diagram

BOOK = CORPUS
pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not BOOK.is_dir(), reason=f"the book corpus is not at {CORPUS}"),
]


@run_async
async def test_book_pages_with_code_diagrams_and_quizzes_open() -> None:
    app = CourseApp(BOOK)
    async with app.run_test(size=(100, 32)) as pilot:
        await loaded(pilot)
        lessons = list(app.course.lessons())
        assert len(lessons) > 100
        with_code = next(l for l in lessons if any(isinstance(b, CodeGroup) and len(b.samples) > 1 for b in l.blocks))
        with_diagram = next(l for l in lessons if any(isinstance(b, Diagram) for b in l.blocks))
        with_quiz = next(l for l in lessons if l.quiz is not None and l.quiz.questions)
        for lesson in (lessons[0], with_code, with_diagram, with_quiz):
            app.post_message(OpenLesson(lesson.id))
            await wait_for(pilot, lambda: showing(app, lesson.id)
                           and app.screen.query(LessonView), f"page {lesson.id}")
            await pilot.pause()
        app.post_message(OpenLesson(with_code.id))
        await wait_for(pilot, lambda: app.screen.lesson is with_code and app.screen.query(CodeGroupTabs), "code tabs")
        tabs = app.screen.query(CodeGroupTabs).first()
        # the tabs' panes are mounted after the tabs themselves (the reader builds code lazily)
        await wait_for(pilot, lambda: len(tabs.query("TabPane")) == len(tabs.group.samples), "the code tab panes")
        assert len(tabs.group.samples) > 1
        app.post_message(OpenLesson(with_diagram.id))
        await wait_for(pilot, lambda: app.screen.lesson is with_diagram and app.screen.query(DiagramView), "a diagram")
        app.post_message(TakeQuiz(with_quiz.quiz.id))
        await wait_for(pilot, lambda: isinstance(app.screen, QuizScreen) and app.screen.query(QuestionView), "the quiz")
        assert app.screen.view.question is app.screen.questions[0]
