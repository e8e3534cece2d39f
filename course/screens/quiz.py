"""Taking a quiz: one question at a time, feedback after each, a score at the end, retry.

After each answer the screen posts `QuizScreen.Draft` (the app keeps the unfinished attempt in the
progress store), so a learner who leaves mid-quiz comes back to the question they left. When the
last question is answered it posts `QuizScreen.Finished` (the app records and saves it) and shows
the summary, with "retry only the questions I missed" and the next steps the app handed it.
Which questions an attempt asks, and in what order, comes from engine.learner.attempt.
"""

from __future__ import annotations

from typing import Any, Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Header, Markdown, Static

from course.widgets.answers import AnswerWidget, answer_widget
from course.widgets.feedback import question_feedback, quiz_score, quiz_table
from course.widgets.footer import KeyFooter
from course.widgets.mounting import mount_into
from course.widgets.next_step import NextSteps, Step
from engine.learner.attempt import plan_attempt
from engine.learner.grading import QuestionGrade, QuizGrade, grade_question, grade_quiz
from engine.model import Question, Quiz

KIND_HELP = {
    "single": "Choose one answer.",
    "multiple": "Choose every answer that applies.",
    "order": "Put these in order: highlight one, then shift+↑/↓ (or K/J, or the buttons) to move it.",
}


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
    """One attempt at a quiz (or, after one, at the questions it missed).

    `draft` is an unfinished attempt the app kept (see `Draft`): the screen resumes it at the first
    question not answered. `steps` are where to go once the quiz is over (app-computed).
    """

    BINDINGS = [
        Binding("escape", "leave", "Leave quiz"),
        Binding("h", "hint", "Hint"),
        Binding("s", "submit", "Submit"),
        Binding("n", "next", "Next"),
        Binding("r", "retry", "Retry"),
        Binding("m", "retry_missed", "Retry missed"),
        # The question, its feedback or the score can be taller than a small terminal: these keys
        # scroll it whatever has the focus (Next, a frozen answer); a focused answer list keeps up/down.
        Binding("down", "scroll_body('down')", "Scroll down", show=False),
        Binding("up", "scroll_body('up')", "Scroll up", show=False),
        Binding("pagedown", "scroll_body('page_down')", "Page down", show=False),
        Binding("pageup", "scroll_body('page_up')", "Page up", show=False),
    ]

    class Finished(Message):
        """An attempt ended: grade it into progress. `answers` holds only the questions asked."""

        def __init__(self, quiz: Quiz, grade: QuizGrade, answers: dict[str, list[int]]) -> None:
            super().__init__()
            self.quiz = quiz
            self.grade = grade
            self.answers = answers

    class Draft(Message):
        """The unfinished attempt after an answer (JSON-ready), for the app to keep; None once finished."""

        def __init__(self, quiz: Quiz, draft: dict[str, Any] | None) -> None:
            super().__init__()
            self.quiz = quiz
            self.draft = draft

    def __init__(self, quiz: Quiz, attempt: int = 1, *, draft: dict[str, Any] | None = None,
                 steps: Sequence[Step] = ()) -> None:
        super().__init__(classes="quiz-screen")
        self.quiz = quiz
        self.attempt = attempt
        self.draft = draft
        self.steps = tuple(steps)
        self.questions: list[Question] = []
        self.orders: dict[str, list[int]] = {}
        self.index = 0
        self.answers: dict[str, list[int]] = {}
        self.asked: list[str] = []  # the questions graded at the end (a retry of the missed keeps the rest)
        self.kept: dict[str, list[int]] = {}  # right answers carried over from the attempt before
        self.grade: QuizGrade | None = None
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
            yield Button("Retry missed", id="missed-button", variant="warning")
            yield Button("Retry", id="retry-button", variant="warning")
            yield Button("Back", id="leave-button")
        yield KeyFooter()

    # Smaller than this (columns, rows), the buttons drop their borders: two more rows for the question.
    COMPACT = (72, 26)

    def on_resize(self) -> None:
        compact = self.size.width < self.COMPACT[0] or self.size.height < self.COMPACT[1]
        for button in self.query("#quiz-buttons Button").results(Button):
            button.compact = compact

    async def on_mount(self) -> None:
        if self.draft is not None and self._resume(self.draft):
            self.draft = None
            if self.questions:
                self.notify(f"Welcome back: question {self.index + 1} of {len(self.questions)}.", timeout=4)
                await self.show_question()
                return
        await self.start()

    def _resume(self, draft: dict[str, Any]) -> bool:
        """Take up a kept attempt; False when it no longer fits the quiz (the quiz was edited)."""
        try:
            ids = [str(q) for q in draft["questions"]]
            asked = [str(q) for q in draft.get("asked", ids)]
            answers = {str(k): [int(c) for c in v] for k, v in dict(draft.get("answers", {})).items()}
            kept = {str(k): [int(c) for c in v] for k, v in dict(draft.get("kept", {})).items()}
            attempt = int(draft.get("attempt", self.attempt))
            known = {q.id for q in self.quiz.questions}
            if not ids or not set(ids) <= known or not set(asked) <= known:
                return False
            questions = [self.quiz.question(q) for q in ids]
        except (KeyError, TypeError, ValueError):
            return False
        self.attempt, self.asked, self.kept = attempt, asked, kept
        self.questions, self.orders = questions, self._orders(attempt)
        self.answers = {q: a for q, a in answers.items() if q in ids}
        self.index = next((i for i, q in enumerate(ids) if q not in self.answers), len(ids) - 1)
        self.finished = False
        return True

    def _orders(self, attempt: int) -> dict[str, list[int]]:
        """Each question's option order in `attempt` (every question's, whatever the attempt asks)."""
        _, orders = plan_attempt(self.quiz, attempt)
        for question in self.quiz.questions:  # a question this attempt's draw left out
            orders.setdefault(question.id, list(range(1, len(question.options) + 1)))
        return orders

    async def start(self, only: Sequence[str] | None = None) -> None:
        """Begin an attempt: all the questions the plan draws, or `only` those (the missed ones)."""
        planned, _ = plan_attempt(self.quiz, self.attempt)
        self.orders = self._orders(self.attempt)
        if only is None:
            self.questions = planned
            self.asked = [q.id for q in planned]
            self.kept = {}
        else:
            self.questions = [self.quiz.question(q) for q in only]
        self.index = 0
        self.answers = {}
        self.grade = None
        self.finished = False
        if not self.questions:
            if not await mount_into(self.query_one("#quiz-body", VerticalScroll),
                                    Static("This quiz has no questions.", id="summary")):
                return  # the screen is being closed
            self.finished = True
            self._sync_buttons()
            return
        await self.show_question()

    def draft_json(self) -> dict[str, Any]:
        """The attempt so far, as the app keeps it (engine.learner.progress `quiz_drafts`)."""
        return {"attempt": self.attempt, "questions": [q.id for q in self.questions], "asked": list(self.asked),
                "answers": {k: list(v) for k, v in self.answers.items()},
                "kept": {k: list(v) for k, v in self.kept.items()}}

    async def show_question(self) -> None:
        body = self.query_one("#quiz-body", VerticalScroll)
        await body.remove_children()
        question = self.questions[self.index]
        view = QuestionView(question, self.index + 1, len(self.questions), self.orders[question.id])
        if not await mount_into(body, view):
            return  # the learner left the quiz (or quit) while the question was being mounted
        self.submitted = False
        body.scroll_home(animate=False)
        # Focus moves now (Screen.set_focus is immediate), before the focused Next button hides; without
        # scrolling to the answer, which on a small terminal would push the question out of sight
        # (the highlighted option scrolls into view as it moves: course.widgets.answers).
        self.set_focus(view.answer.focus_widget, scroll_visible=False)
        self._sync_buttons()

    @property
    def view(self) -> QuestionView:
        return self.query_one(QuestionView)

    def missed(self) -> list[str]:
        """The questions the finished attempt did not get fully right."""
        return [g.id for g in self.grade.questions if not g.correct] if self.grade is not None else []

    def _sync_buttons(self) -> None:
        done = self.finished
        question = None if done else self.questions[self.index]
        self.query_one("#hint-button").display = bool(question and question.hint and not self.submitted)
        self.query_one("#submit-button").display = not done and not self.submitted
        self.query_one("#next-button").display = not done and self.submitted
        next_label = "Next" if self.index + 1 < len(self.questions) else "See score"
        self.query_one("#next-button", Button).label = next_label
        self.query_one("#missed-button").display = done and self.quiz.options.enable_retry and bool(self.missed())
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
        if action == "retry_missed":
            return self.finished and self.quiz.options.enable_retry and bool(self.missed())
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
        if len(self.answers) < len(self.questions):  # the last answer finishes the attempt instead
            self.post_message(self.Draft(self.quiz, self.draft_json()))
        self._sync_buttons()
        # Focus leaves the answer before it is frozen: keys sent to a disabled widget go nowhere.
        self.set_focus(self.query_one("#next-button"))
        await self.view.show_feedback(grade)
        for feedback in self.query("#feedback"):  # none if the screen is already leaving
            feedback.scroll_visible(animate=False)

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
        answers = {**self.kept, **self.answers}
        grade = grade_quiz(self.quiz, answers, asked=self.asked)
        self.grade = grade
        self.finished = True
        # Before any await: the attempt is recorded even if the learner leaves while the summary mounts.
        self.post_message(self.Finished(self.quiz, grade, dict(answers)))
        body = self.query_one("#quiz-body", VerticalScroll)
        await body.remove_children()
        graded = [self.quiz.question(g.id) for g in grade.questions]
        # The score, then where to go next, then the table: on a small terminal the focused next
        # step and the score share the first screenful (the table, below, scrolls).
        widgets: list[Any] = [Markdown(quiz_score(self.quiz.title, grade), id="summary")]
        steps = list(self.steps)
        if not grade.passed and self.quiz.options.enable_retry and self.missed():
            steps = [Step("quiz", self.quiz.id, f"Retry the {len(self.missed())} missed")] + steps
        if steps:
            widgets.append(NextSteps(steps))
        widgets.append(Markdown(quiz_table(grade, graded), id="summary-table"))
        if not await mount_into(body, *widgets):
            return
        body.set_class(grade.passed, "-passed")
        self._sync_buttons()
        focus = "#step-0" if steps else ("#retry-button" if self.quiz.options.enable_retry else "#leave-button")
        self.set_focus(self.query_one(focus), scroll_visible=False)
        body.scroll_home(animate=False)

    @on(Button.Pressed, "#retry-button")
    async def action_retry(self) -> None:
        if self.finished and self.quiz.options.enable_retry:
            self.attempt += 1
            await self.query_one("#quiz-body").remove_children()
            await self.start()

    @on(Button.Pressed, "#missed-button")
    async def action_retry_missed(self) -> None:
        """Ask again only what the attempt got wrong; the right answers are kept for the grade."""
        missed = self.missed()
        if not (self.finished and self.quiz.options.enable_retry and missed):
            return
        assert self.grade is not None
        answers = {**self.kept, **self.answers}
        self.kept = {g.id: answers[g.id] for g in self.grade.questions if g.correct and g.id in answers}
        self.attempt += 1
        await self.query_one("#quiz-body").remove_children()
        await self.start(only=missed)

    def on_take_quiz(self, message: Any) -> None:
        """The "Retry the missed" next step: handled here, not by the app (it is this attempt's)."""
        if getattr(message, "quiz_id", None) == self.quiz.id and self.finished:
            message.stop()
            self.run_worker(self.action_retry_missed(), exclusive=True, group="retry")

    def action_scroll_body(self, how: str) -> None:
        body = self.query_one("#quiz-body", VerticalScroll)
        getattr(body, f"scroll_{how}")(animate=False)

    @on(Button.Pressed, "#leave-button")
    def action_leave(self) -> None:
        self.dismiss()
