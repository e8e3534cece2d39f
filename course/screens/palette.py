"""Command palette commands: jump to a lesson, run an example, take a quiz, switch theme."""

from __future__ import annotations

from functools import partial
from typing import Callable, Iterator, Protocol

from textual.command import DiscoveryHit, Hit, Hits, Provider

from course.widgets.messages import OpenLesson, RunExample, TakeQuiz
from engine.model import Course


class HoldsCourse(Protocol):
    """What the palette needs from the app it runs in: the course, once loaded (None before)."""

    course: Course | None


class CourseCommands(Provider):
    """The app lists this provider in its COMMANDS; the commands post the same messages as the
    screens do (`OpenLesson`, `RunExample`, `TakeQuiz`), so the app acts on them in one place."""

    @property
    def course(self) -> Course | None:
        """The course of the app the palette runs in: any App that is a `HoldsCourse`."""
        return getattr(self.app, "course", None)

    def _commands(self) -> Iterator[tuple[str, Callable[[], object], str]]:
        app = self.app
        course = self.course
        if course is not None:
            for lesson in course.lessons():
                yield (f"Lesson: {lesson.link_title}", partial(app.post_message, OpenLesson(lesson.id)),
                       lesson.description or f"Open {lesson.id}")
                for example in lesson.examples:
                    yield (f"Run: {example.title or example.name}",
                           partial(app.post_message, RunExample(lesson.id, example.name)),
                           f"{lesson.link_title}: run it live against the sandbox")
            quizzes = {lesson.quiz.id: lesson.quiz for lesson in course.lessons() if lesson.quiz is not None}
            quizzes.update(course.quizzes)
            for quiz in quizzes.values():
                where = f", lesson {quiz.lesson}" if quiz.lesson else ""
                yield (f"Quiz: {quiz.title}", partial(app.post_message, TakeQuiz(quiz.id)),
                       f"{len(quiz.questions)} question(s){where}")
        for name in sorted(app.available_themes):
            if name != app.theme:
                yield (f"Theme: {name}", partial(setattr, app, "theme", name), "Switch the colour theme")

    async def discover(self) -> Hits:
        for text, command, help_text in self._commands():
            if not text.startswith("Theme: "):
                yield DiscoveryHit(text, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, command, help_text in self._commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), command, text=text, help=help_text)
