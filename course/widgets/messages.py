"""Messages the widgets and screens post upward; the app acts on them."""

from __future__ import annotations

from textual.message import Message


class OpenLesson(Message):
    """The learner asked for a lesson (outline, a link, the palette, next/previous)."""

    def __init__(self, lesson_id: str, anchor: str | None = None) -> None:
        super().__init__()
        self.lesson_id = lesson_id
        self.anchor = anchor


class TakeQuiz(Message):
    """The learner asked to take a quiz."""

    def __init__(self, quiz_id: str) -> None:
        super().__init__()
        self.quiz_id = quiz_id


class RunExample(Message):
    """The learner asked to run one of a lesson's examples (the palette's "Run: ..." commands)."""

    def __init__(self, lesson_id: str, example_name: str) -> None:
        super().__init__()
        self.lesson_id = lesson_id
        self.example_name = example_name


class MarkDone(Message):
    """The learner marked a lesson as done."""

    def __init__(self, lesson_id: str) -> None:
        super().__init__()
        self.lesson_id = lesson_id


class CourseChanged(Message):
    """Course files were saved (`course --watch`): `changes` is an engine.content.watch.Changes."""

    def __init__(self, changes: object) -> None:
        super().__init__()
        self.changes = changes
