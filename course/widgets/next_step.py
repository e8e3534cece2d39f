"""Where to go after a quiz or an exercise: the next lesson, the lesson's exercise, its quiz.

The app works the steps out (it holds the course, the exercises and the progress) and hands them
to the quiz and exercise screens; `NextSteps` shows them as buttons that post the matching
message upward (`OpenLesson`, `OpenExercise`, `TakeQuiz`), as rustlings points to the next exercise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Sequence

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Static

StepKind = Literal["lesson", "exercise", "quiz"]


@dataclass(frozen=True)
class Step:
    """One place to go next: `target` is a lesson id, an exercise name or a quiz id."""

    kind: StepKind
    target: str
    label: str


class OpenExercise(Message):
    """The learner asked for an exercise (the outline, a lesson, a next step, the palette)."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class NextSteps(Horizontal):
    """`Next:` and one button per step; pressing one posts the message that opens it."""

    def __init__(self, steps: Sequence[Step], *, id: str | None = "next-steps") -> None:
        super().__init__(id=id, classes="next-steps")
        self.steps = tuple(steps)

    def compose(self) -> ComposeResult:
        yield Static("Next:", classes="next-label")
        for i, step in enumerate(self.steps):
            button = Button(step.label, id=f"step-{i}", classes=f"step -{step.kind}",
                            variant="success" if i == 0 else "default")
            yield button

    def on_resize(self) -> None:
        """Side by side when they fit; else one under the other, compact, so none is cut off at the edge."""
        buttons = list(self.query(Button))
        # Each button: its label and padding (16 at least, Textual's min-width) and a gap; then "Next: ".
        needed = sum(max(16, len(str(b.label)) + 2) + 1 for b in buttons) + 7
        stacked = needed > (self.content_region.width or self.size.width)
        if stacked != self.has_class("-stacked"):
            self.set_class(stacked, "-stacked")
            for button in buttons:
                button.compact = stacked

    @on(Button.Pressed, ".step")
    def go(self, event: Button.Pressed) -> None:
        event.stop()
        step = self.steps[int((event.button.id or "step-0").rsplit("-", 1)[1])]
        self.post_message(message_for(step))


def message_for(step: Step) -> Message:
    from course.widgets.messages import OpenLesson, TakeQuiz

    if step.kind == "lesson":
        return OpenLesson(step.target)
    if step.kind == "quiz":
        return TakeQuiz(step.target)
    return OpenExercise(step.target)
