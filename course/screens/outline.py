"""The first screen: the course outline, overall progress, the highlighted lesson's summary."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Header, LoadingIndicator, ProgressBar, Static, Tree

from course.widgets.footer import KeyFooter
from course.widgets.messages import OpenLesson, TakeQuiz
from course.widgets.outline import CourseOutline, LessonRef, lesson_complete, lesson_details
from course.widgets.problems import ProblemsPanel
from engine.model import Course


class OutlineScreen(Screen):
    """Shows a loading indicator until the app hands it the course and progress (`CourseLoaded`).

    The progress is the app's own object: the app records visits, marks and quiz results in it, and
    this screen shows them again whenever it comes back on top (`on_screen_resume`).
    """

    BINDINGS = [
        Binding("enter", "open", "Open", show=True, priority=False),
        Binding("t", "quiz", "Quiz"),
        Binding("c", "resume", "Continue"),
    ]

    # Narrower than this the About panel leaves the tree too little room for a lesson's title and
    # its "quiz  exercise" badges: the tree takes the whole width (the footer still names the keys).
    NARROW = 72

    def on_resize(self) -> None:
        self.set_class(self.size.width < self.NARROW, "-narrow")

    def __init__(self) -> None:
        super().__init__()
        self.course: Course | None = None
        self.progress: Any = None  # engine.learner.progress.Progress, once loaded
        self.exercises: dict[str, Any] = {}  # lesson id -> its exercise, once the app has loaded them

    def compose(self) -> ComposeResult:
        yield Header()
        yield LoadingIndicator(id="loading")
        body = Vertical(id="outline-body")
        body.display = False  # until the course is loaded
        with body:
            with Horizontal(id="outline-row"):
                yield CourseOutline(id="outline")
                yield Static("", id="lesson-details")
            with Vertical(id="progress-row"):
                yield Static("", id="progress-label")
                yield ProgressBar(id="progress", show_eta=False)
        yield KeyFooter()

    class CourseLoaded(Message):
        """The app has the course and the progress, or `error` says why not.

        Posted to this screen by the app; handled once the screen is mounted.
        """

        def __init__(self, course: Course | None = None, progress: Any = None, error: str | None = None) -> None:
            super().__init__()
            self.course = course
            self.progress = progress
            self.error = error

    class ExercisesLoaded(Message):
        """The course's exercises, by the lesson each belongs to (loaded after the course)."""

        def __init__(self, by_lesson: dict[str, Any]) -> None:
            super().__init__()
            self.by_lesson = by_lesson

    def on_outline_screen_exercises_loaded(self, message: ExercisesLoaded) -> None:
        self.exercises = dict(message.by_lesson)
        if self.course is None:
            return
        # Relabel rather than rebuild: the learner may already be moving through the tree.
        self.query_one(CourseOutline).relabel(self.course, self.progress, self.exercises)
        self._refresh_counts()

    def on_outline_screen_course_loaded(self, message: CourseLoaded) -> None:
        if message.error is not None:
            self.show_error(message.error)
        elif message.course is not None:
            self.show_course(message.course, message.progress)

    def show_course(self, course: Course, progress: Any) -> None:
        self.course, self.progress = course, progress
        self.query_one("#loading").display = False
        body = self.query_one("#outline-body")
        body.display = True
        in_lessons = {problem for lesson in course.lessons() for problem in lesson.problems}
        problems = [problem for problem in course.problems if problem not in in_lessons]
        if problems:
            body.mount(ProblemsPanel(problems, title="Course problems"), before=0)
        self.refresh_progress()
        tree = self.query_one(CourseOutline)
        tree.border_title = "Lessons"
        self.query_one("#lesson-details").border_title = "About"
        tree.focus()
        if progress is not None and progress.current_lesson:
            tree.select_lesson(progress.current_lesson)
        elif (first := next(course.lessons(), None)) is not None:
            tree.select_lesson(first.id)

    def select_lesson(self, lesson_id: str) -> None:
        """Put the tree's cursor on a lesson (the one the learner opened)."""
        for tree in self.query(CourseOutline):  # none once the app is quitting
            tree.select_lesson(lesson_id)

    def show_error(self, message: str) -> None:
        """The course could not be loaded at all."""
        self.query_one("#loading").display = False
        self.mount(Static(message, id="load-error", markup=False), before=self.query_one(Footer))

    def refresh_progress(self) -> None:
        course, progress = self.course, self.progress
        if course is None:
            return
        self.query_one(CourseOutline).show_course(course, progress, self.exercises)
        self._refresh_counts()

    def _refresh_counts(self) -> None:
        """The progress bar and label, and the highlighted lesson's details."""
        course, progress = self.course, self.progress
        if course is None:
            return
        lessons = list(course.counted_lessons())
        done = sum(1 for lesson in lessons if lesson_complete(lesson, progress, self.exercises.get(lesson.id)))
        bar = self.query_one(ProgressBar)
        bar.update(total=max(len(lessons), 1), progress=done)
        self.query_one("#progress-label", Static).update(f"{done} of {len(lessons)} lessons done")
        self.show_details()

    def on_screen_resume(self) -> None:
        self.refresh_progress()

    def highlighted_lesson(self) -> str | None:
        """The id of the lesson under the tree's cursor (None on a chapter)."""
        return self._highlighted_lesson()

    def _highlighted_lesson(self) -> str | None:
        node = self.query_one(CourseOutline).cursor_node
        return node.data.lesson_id if node is not None and isinstance(node.data, LessonRef) else None

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted) -> None:
        self.show_details()
        self.refresh_bindings()

    def show_details(self) -> None:
        details = self.query_one("#lesson-details", Static)
        lesson_id = self._highlighted_lesson()
        course = self.course
        if course is None:
            return
        if lesson_id is None:
            details.update(Content.assemble((course.title, "bold"), "\n",
                                            str(getattr(course, "description", "") or "")))
            return
        details.update(lesson_details(course.lesson(lesson_id), self.progress, self.exercises.get(lesson_id)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "quiz":
            lesson_id = self._highlighted_lesson() if self.is_mounted else None
            if lesson_id is None or self.course is None:
                return False
            return self.course.lesson(lesson_id).quiz is not None
        if action == "resume":
            return self._resumable() is not None
        return True

    def _resumable(self) -> str | None:
        """The lesson the learner was reading, if this course (still) has it: a lesson renamed or
        removed since is not offered (Continue would only say there is no such lesson)."""
        progress, course = self.progress, self.course
        if progress is None or not progress.current_lesson or course is None:
            return None
        try:
            course.lesson(progress.current_lesson)
        except KeyError:
            return None
        return progress.current_lesson

    def action_open(self) -> None:
        lesson_id = self._highlighted_lesson()
        if lesson_id:
            self.post_message(OpenLesson(lesson_id))
        else:
            node = self.query_one(CourseOutline).cursor_node
            if node is not None:
                node.toggle()

    def action_quiz(self) -> None:
        lesson_id = self._highlighted_lesson()
        if lesson_id and self.course is not None:
            quiz = self.course.lesson(lesson_id).quiz
            if quiz is not None:
                self.post_message(TakeQuiz(quiz.id))

    def action_resume(self) -> None:
        lesson_id = self._resumable()
        if lesson_id is not None:
            self.post_message(OpenLesson(lesson_id))
