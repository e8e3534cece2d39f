"""The course app: loads the course and the learner's progress in a worker, then shows screens.

Start-up is kept short by importing only the outline's code; the other screens are imported when
first opened (benchmarks/startup.py measures the time to the outline).

Screens (course/screens) and widgets (course/widgets) post messages upward
(`OpenLesson`, `TakeQuiz`, `MarkDone`, `QuizScreen.Finished`); the app acts on them: it changes
screens and records progress, saving it in a worker. Styles live in course/course.tcss.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from course.screens.outline import OutlineScreen
from course.screens.palette import CourseCommands
from course.widgets.messages import MarkDone, OpenLesson, RunExample, TakeQuiz
from engine import paths
from engine.learner.progress import Progress, ProgressStore
from engine.model import Course, Quiz
from engine.problems import ContentError

if TYPE_CHECKING:
    from course.screens.quiz import QuizScreen

# Start-up imports only what the outline needs. The lesson screen (Markdown, the run panel, the
# runner and the sandbox), the quiz screen and the help are imported inside the methods that open
# them, the first time they are opened (after that the import is a dictionary look-up).


class CourseApp(App[None]):
    TITLE = "Kafka delivery semantics"
    CSS_PATH = "course.tcss"
    COMMANDS = App.COMMANDS | {CourseCommands}
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help", key_display="?"),
    ]

    def __init__(self, root: Path, bootstrap_servers: str | None = None, *, store: ProgressStore | None = None):
        super().__init__()
        self.root = Path(root)
        self.bootstrap_servers = bootstrap_servers  # for the run panel: None means the sandbox
        self.course: Course | None = None
        self.progress: Progress | None = None
        self.store = store
        self._save_lock = threading.Lock()
        self._save_seq = 0
        self._saved_seq = 0

    def get_default_screen(self) -> Screen:
        return OutlineScreen()

    @property
    def outline(self) -> OutlineScreen:
        return self.screen_stack[0]  # type: ignore[return-value]

    def on_mount(self) -> None:
        self.load()

    # ------------------------------------------------------------ loading

    @work(thread=True, exclusive=True, group="load")
    def load(self) -> None:
        from engine.content.course import load_course

        store = self.store or ProgressStore()
        try:
            course = load_course(self.root)
        except ContentError as error:
            self.outline.post_message(OutlineScreen.CourseLoaded(error=f"Could not open the course in {self.root}:\n{error}"))
            return
        except OSError as error:
            self.outline.post_message(OutlineScreen.CourseLoaded(error=f"Could not open the course in {self.root}: {error}"))
            return
        progress = store.load()
        self.call_from_thread(self.loaded, course, progress, store)

    def loaded(self, course: Course, progress: Progress, store: ProgressStore) -> None:
        self.course, self.progress, self.store = course, progress, store
        self.title = course.title or self.TITLE
        self.outline.post_message(OutlineScreen.CourseLoaded(course, progress))  # handled once the outline is mounted
        for warning in store.warnings:
            self.notify(warning, title="Progress", severity="warning", timeout=10)
        if progress.current_lesson:
            try:
                course.lesson(progress.current_lesson)
            except KeyError:
                return
            self.post_message(OpenLesson(progress.current_lesson))

    # ------------------------------------------------------------ navigation

    async def on_open_lesson(self, message: OpenLesson) -> None:
        await self.open_lesson(message.lesson_id, message.anchor)

    async def open_lesson(self, lesson_id: str, anchor: str | None = None, tab: str | None = None) -> None:
        """Show a lesson (in the lesson screen if one is open), once mounted; `tab="run"` opens its examples."""
        from course.screens.lesson import LessonScreen

        if self.course is None:
            return
        try:
            lesson = self.course.lesson(lesson_id)
        except KeyError:
            self.notify(f"There is no lesson {lesson_id!r} in this course.", severity="error")
            return
        while len(self.screen_stack) > 1 and not isinstance(self.screen, LessonScreen):
            await self.pop_screen()
        if isinstance(self.screen, LessonScreen):
            await self.screen.show_lesson(lesson, anchor, tab=tab)
        else:
            await self.push_screen(LessonScreen(lesson, anchor=anchor, tab=tab, lessons=list(self.course.lessons()),
                                                bootstrap_servers=self.bootstrap_servers))
        self.outline.select_lesson(lesson.id)
        if self.progress is not None:
            self.progress.visit(lesson.id)
            self.save_progress()

    async def on_run_example(self, message: RunExample) -> None:
        from course.screens.lesson import LessonScreen

        showing = isinstance(self.screen, LessonScreen) and self.screen.lesson.id == message.lesson_id
        if not showing:  # reopening the lesson on screen would throw away the learner's panel
            await self.open_lesson(message.lesson_id, tab="run")
        if isinstance(self.screen, LessonScreen) and self.screen.lesson.id == message.lesson_id:
            self.screen.run_example(message.example_name)

    def find_quiz(self, quiz_id: str) -> Quiz | None:
        if self.course is None:
            return None
        if quiz_id in self.course.quizzes:
            return self.course.quizzes[quiz_id]
        return next((l.quiz for l in self.course.lessons() if l.quiz and l.quiz.id == quiz_id), None)

    async def on_take_quiz(self, message: TakeQuiz) -> None:
        from course.screens.quiz import QuizScreen

        quiz = self.find_quiz(message.quiz_id)
        if quiz is None:
            self.notify(f"There is no quiz {message.quiz_id!r} in this course.", severity="error")
            return
        if isinstance(self.screen, QuizScreen):
            await self.pop_screen()
        attempts = self.progress.quizzes[quiz.id].attempts if self.progress and quiz.id in self.progress.quizzes else 0
        await self.push_screen(QuizScreen(quiz, attempt=attempts + 1))

    def action_help(self) -> None:
        from course.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    # ------------------------------------------------------------ progress

    def on_quiz_screen_finished(self, message: "QuizScreen.Finished") -> None:
        if self.progress is None:
            return
        self.progress.record_quiz(message.quiz.id, message.grade, message.answers)
        if message.grade.passed and message.quiz.lesson:
            self.progress.mark_done(message.quiz.lesson)
        self.save_progress()

    def on_mark_done(self, message: MarkDone) -> None:
        if self.progress is None:
            return
        self.progress.mark_done(message.lesson_id)
        self.save_progress()
        self.notify("Marked done.", timeout=2)

    def save_progress(self) -> None:
        """Save a snapshot of the progress in a worker; a later snapshot always wins."""
        if self.progress is None or self.store is None:
            return
        self._save_seq += 1
        self._save(Progress.from_json(self.progress.to_json()), self._save_seq)

    @work(thread=True, group="save")
    def _save(self, snapshot: Progress, seq: int) -> None:
        assert self.store is not None
        with self._save_lock:
            if seq < self._saved_seq:
                return
            try:
                self.store.save(snapshot)
            except OSError as error:
                self.call_from_thread(self.notify, f"Could not save your progress: {error}", severity="error")
                return
            self._saved_seq = seq

    async def action_quit(self) -> None:
        """Let pending saves finish before leaving."""
        saves = [w for w in self.workers if w.group == "save"]
        if saves:  # (an empty list would wait for every worker, a running example's too)
            await self.workers.wait_for_complete(saves)
        self.exit()


def run_app(course_dir: str | None = None, bootstrap_servers: str | None = None) -> int:
    root = Path(course_dir) if course_dir else paths.course_dir()
    CourseApp(root, bootstrap_servers).run()
    return 0
