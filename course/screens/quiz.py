"""Taking a quiz: one question at a time, feedback after each, a score at the end, retry.

When the last question is answered the screen posts `QuizScreen.Finished` (the app records
and saves it) and shows the summary.
"""

from __future__ import annotations

import random

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Footer, Header, Markdown, Static

from course.widgets.answers import AnswerWidget, answer_widget
from course.widgets.feedback import question_feedback, quiz_summary
from course.widgets.mounting import mount_into
from engine.learner.grading import QuestionGrade, QuizGrade, grade_question, grade_quiz
from engine.model import Question, Quiz

KIND_HELP = {
    "single": "Choose one answer.",
    "multiple": "Choose every answer that applies.",
    "order": "Put these in order: highlight one, then shift+↑/↓ (or K/J, or the buttons) to move it.",
}


def plan_attempt(quiz: Quiz, attempt: int) -> tuple[list[Question], dict[str, list[int]]]:
    """The questions to ask and the order to show each one's options (1-based numbers).

    Seeded by quiz id and attempt, so an attempt looks the same every time it is drawn.
    Ordering questions are always shown out of order.
    """
    rng = random.Random(f"{quiz.id}/{attempt}")
    questions = list(quiz.questions)
    if quiz.options.shuffle_questions:
        rng.shuffle(questions)
    if quiz.options.n_questions:
        questions = questions[: quiz.options.n_questions]
    orders: dict[str, list[int]] = {}
    for q in questions:
        order = list(range(1, len(q.options) + 1))
        if q.kind == "order" or quiz.options.shuffle_answers:
            rng.shuffle(order)
        if q.kind == "order" and len(order) > 1 and order == sorted(order):
            order = order[1:] + order[:1]
        orders[q.id] = order
    return questions, orders


class QuestionView(Vertical):
    """One question: where we are, the prompt, the answer widget, the hint, the feedback."""

    def __init__(self, question: Question, number: int, total: int, order: list[int]) -> None:
        super().__init__(id="question")
        self.question = question
        self.number = number
        self.total = total
        self.order = order

    def compose(self) -> ComposeResult:
        yield Static(f"Question {self.number} of {self.total} · {KIND_HELP[self.question.kind]}",
                     id="question-counter", markup=False)
        yield Markdown(self.question.prompt, id="prompt")
        yield answer_widget(self.question, self.order)
        hint = Markdown(f"**Hint.** {self.question.hint}" if self.question.hint else "", id="hint")
        hint.display = False
        yield hint
        feedback = Markdown("", id="feedback")
        feedback.display = False
        yield feedback

    @property
    def answer(self) -> AnswerWidget:
        return self.query_one(".answer")  # type: ignore[return-value]

    def show_hint(self) -> None:
        self.query_one("#hint").display = True

    async def show_feedback(self, grade: QuestionGrade) -> None:
        self.answer.freeze()
        feedback = self.query_one("#feedback", Markdown)
        await feedback.update(question_feedback(self.question, grade, self.order))
        feedback.display = True
        feedback.set_class(grade.correct, "-correct")
        feedback.set_class(not grade.correct, "-wrong")


class QuizScreen(Screen):
    BINDINGS = [
        Binding("escape", "leave", "Leave quiz"),
        Binding("h", "hint", "Hint"),
        Binding("s", "submit", "Submit"),
        Binding("n", "next", "Next"),
        Binding("r", "retry", "Retry"),
    ]

    class Finished(Message):
        """An attempt ended: grade it into progress. `answers` holds only the questions asked."""

        def __init__(self, quiz: Quiz, grade: QuizGrade, answers: dict[str, list[int]]) -> None:
            super().__init__()
            self.quiz = quiz
            self.grade = grade
            self.answers = answers

    def __init__(self, quiz: Quiz, attempt: int = 1) -> None:
        super().__init__(classes="quiz-screen")
        self.quiz = quiz
        self.attempt = attempt
        self.questions: list[Question] = []
        self.orders: dict[str, list[int]] = {}
        self.index = 0
        self.answers: dict[str, list[int]] = {}
        self.submitted = False
        self.finished = False
        self.sub_title = f"Quiz: {quiz.title}"  # before mounting: the Header reads it when it mounts

    def compose(self) -> ComposeResult:
        yield Header()
        yield VerticalScroll(id="quiz-body")
        with Horizontal(id="quiz-buttons"):
            yield Button("Hint", id="hint-button", variant="default")
            yield Button("Submit", id="submit-button", variant="primary")
            yield Button("Next", id="next-button", variant="primary")
            yield Button("Retry", id="retry-button", variant="warning")
            yield Button("Back to lesson", id="leave-button")
        yield Footer()

    async def on_mount(self) -> None:
        await self.start()

    async def start(self) -> None:
        self.questions, self.orders = plan_attempt(self.quiz, self.attempt)
        self.index = 0
        self.answers = {}
        self.finished = False
        if not self.questions:
            if not await mount_into(self.query_one("#quiz-body", VerticalScroll),
                                    Static("This quiz has no questions.", id="summary")):
                return  # the screen is being closed
            self.finished = True
            self._sync_buttons()
            return
        await self.show_question()

    async def show_question(self) -> None:
        body = self.query_one("#quiz-body", VerticalScroll)
        await body.remove_children()
        question = self.questions[self.index]
        view = QuestionView(question, self.index + 1, len(self.questions), self.orders[question.id])
        if not await mount_into(body, view):
            return  # the learner left the quiz (or quit) while the question was being mounted
        self.submitted = False
        body.scroll_home(animate=False)
        # Focus moves now (Screen.set_focus is immediate), before the focused Next button hides.
        self.set_focus(view.answer.focus_widget)
        self._sync_buttons()

    @property
    def view(self) -> QuestionView:
        return self.query_one(QuestionView)

    def _sync_buttons(self) -> None:
        done = self.finished
        question = None if done else self.questions[self.index]
        self.query_one("#hint-button").display = bool(question and question.hint and not self.submitted)
        self.query_one("#submit-button").display = not done and not self.submitted
        self.query_one("#next-button").display = not done and self.submitted
        next_label = "Next" if self.index + 1 < len(self.questions) else "See score"
        self.query_one("#next-button", Button).label = next_label
        self.query_one("#retry-button").display = done and self.quiz.options.enable_retry
        self.query_one("#leave-button").display = done
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.is_mounted or not self.questions:
            return action == "leave"
        question = None if self.finished else self.questions[self.index]
        if action == "hint":
            return bool(question and question.hint and not self.submitted and not self.view.query_one("#hint").display)
        if action == "submit":
            return (not self.finished and not self.submitted)
        if action == "next":
            return (not self.finished and self.submitted)
        if action == "retry":
            return (self.finished and self.quiz.options.enable_retry)
        return True

    @on(Button.Pressed, "#hint-button")
    def action_hint(self) -> None:
        if not self.finished and self.questions[self.index].hint:
            self.set_focus(self.view.answer.focus_widget)  # not left on the button about to hide
            self.view.show_hint()
            self.query_one("#hint-button").display = False
            self.refresh_bindings()

    @on(Button.Pressed, "#submit-button")
    async def action_submit(self) -> None:
        if self.finished or self.submitted:
            return
        question = self.questions[self.index]
        chosen = self.view.answer.chosen()
        if not chosen:
            self.notify("Choose an answer first.", severity="warning")
            return
        grade = grade_question(question, chosen, partial=self.quiz.options.partial)
        self.answers[question.id] = chosen
        self.submitted = True
        self._sync_buttons()
        # Focus leaves the answer before it is frozen: keys sent to a disabled widget go nowhere.
        self.set_focus(self.query_one("#next-button"))
        await self.view.show_feedback(grade)
        self.query_one("#feedback").scroll_visible(animate=False)

    @on(Button.Pressed, "#next-button")
    async def action_next(self) -> None:
        if not self.submitted or self.finished:
            return
        if self.index + 1 < len(self.questions):
            self.index += 1
            await self.show_question()
        else:
            await self.finish()

    async def finish(self) -> None:
        asked = [q.id for q in self.questions]
        grade = grade_quiz(self.quiz, self.answers, asked=asked)
        self.finished = True
        # Before any await: the attempt is recorded even if the learner leaves while the summary mounts.
        self.post_message(self.Finished(self.quiz, grade, dict(self.answers)))
        body = self.query_one("#quiz-body", VerticalScroll)
        await body.remove_children()
        if not await mount_into(body, Markdown(quiz_summary(self.quiz.title, grade, self.questions), id="summary")):
            return
        body.set_class(grade.passed, "-passed")
        self._sync_buttons()
        focus = "#retry-button" if self.quiz.options.enable_retry else "#leave-button"
        self.set_focus(self.query_one(focus))

    @on(Button.Pressed, "#retry-button")
    async def action_retry(self) -> None:
        if self.finished and self.quiz.options.enable_retry:
            self.attempt += 1
            await self.query_one("#quiz-body").remove_children()
            await self.start()

    @on(Button.Pressed, "#leave-button")
    def action_leave(self) -> None:
        self.dismiss()
