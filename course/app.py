"""The course app: loads the course and the learner's progress in a worker, then shows screens.

Start-up is kept short by importing only the outline's code; the other screens are imported when
first opened (benchmarks/startup.py measures the time to the outline).

Screens (course/screens) and widgets (course/widgets) post messages upward
(`OpenLesson`, `TakeQuiz`, `OpenExercise`, `MarkDone`, `QuizScreen.Finished`, `QuizScreen.Draft`,
`ExerciseScreen.Checked`); the app acts on them: it changes screens and records progress, saving it
in a worker. It also keeps the learner's unfinished quiz attempts and the theme in the progress
store, and works out the "next step" shown after a quiz or an exercise. Styles live in course/course.tcss.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from course.screens.outline import OutlineScreen
from course.screens.palette import CourseCommands
from course.widgets.messages import CourseChanged, MarkDone, OpenLesson, RunExample, TakeQuiz
from course.widgets.next_step import OpenExercise, Step
from engine import paths
from engine.learner.progress import ExerciseResult, Progress, ProgressStore
from engine.model import Course, Quiz
from engine.problems import ContentError

if TYPE_CHECKING:
    from course.screens.exercise import ExerciseScreen
    from engine.apache_kafka.session import KafkaSession
    from course.screens.quiz import QuizScreen
    from engine.runs.exercises import Exercise
    from engine.content.watch import Changes
    from course.widgets.code_group import CodeGroupTabs

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
        Binding("x", "exercise", "Exercise"),
    ]

    def __init__(self, root: Path, bootstrap_servers: str | None = None, *, store: ProgressStore | None = None,
                 watch: bool = False):
        super().__init__()
        self.root = Path(root)
        self.watching = watch  # reload what changed when a lesson, quiz or example file is saved
        self._watch_stop = threading.Event()
        self.bootstrap_servers = bootstrap_servers  # for the run panel: None means the sandbox
        self.course: Course | None = None
        self.progress: Progress | None = None
        self.store = store
        self._settings_in_store = store is not None  # a store handed in keeps the settings too
        self._save_lock = threading.Lock()
        self._save_seq = 0
        self._saved_seq = 0
        self._draft_saved: dict[str, int] = {}  # quiz id -> seq of the draft stored last
        self.drafts: dict[str, dict[str, Any]] = {}  # quiz id -> the unfinished attempt kept for it
        self.exercises: dict[str, "Exercise"] = {}  # by name, once loaded (after the outline shows)
        self._theme_loaded = False  # the stored theme is applied before changes are saved
        # The run panel's backend switch, and the real Kafka cluster it starts (kept until the app quits).
        self.run_backend = "sandbox"
        self.kafka_session: "KafkaSession | None" = None

    def get_default_screen(self) -> Screen:
        return OutlineScreen()

    @property
    def outline(self) -> OutlineScreen:
        return self.screen_stack[0]  # type: ignore[return-value]

    def on_mount(self) -> None:
        self.theme_changed_signal.subscribe(self, self._watch_theme_for_saving)
        self.load()
        if self.watching:
            self.watch_files()

    # ------------------------------------------------------------ loading

    @work(thread=True, exclusive=True, group="load")
    def load(self) -> None:
        from engine.content.course import load_course

        store = self.store or ProgressStore.for_course(self.root)
        try:
            course = load_course(self.root)
        except ContentError as error:
            self.outline.post_message(OutlineScreen.CourseLoaded(error=f"Could not open the course in {self.root}:\n{error}"))
            return
        except OSError as error:
            self.outline.post_message(OutlineScreen.CourseLoaded(error=f"Could not open the course in {self.root}: {error}"))
            return
        progress = store.load()
        try:
            drafts, settings = store.quiz_drafts(), self.settings_store(store).settings()
        except OSError:  # (a locked or read-only store: the progress itself loaded, go on without)
            drafts, settings = {}, {}
        self.call_from_thread(self.loaded, course, progress, store, drafts, settings)
        self.load_exercises()

    @work(thread=True, exclusive=True, group="load-exercises")
    def load_exercises(self) -> None:
        """The course's exercises (imports the runner, so after the outline is up)."""
        from engine.runs.exercises import load_exercises

        exercises, problems = load_exercises(self.root)
        self.call_from_thread(self.exercises_loaded, exercises, problems)

    def exercises_loaded(self, exercises: list["Exercise"], problems: list[Any]) -> None:
        self.exercises = {exercise.name: exercise for exercise in exercises}
        by_lesson = {exercise.lesson: exercise for exercise in exercises if exercise.lesson}
        self.outline.post_message(OutlineScreen.ExercisesLoaded(by_lesson))
        for problem in problems[:3]:
            self.notify(str(problem), title="Exercise", severity="warning", timeout=10)
        self.refresh_bindings()

    def exercise_for(self, lesson_id: str | None) -> "Exercise | None":
        return next((e for e in self.exercises.values() if lesson_id and e.lesson == lesson_id), None)

    def loaded(self, course: Course, progress: Progress, store: ProgressStore,
               drafts: dict[str, dict[str, Any]] | None = None, settings: dict[str, Any] | None = None) -> None:
        self.course, self.progress, self.store = course, progress, store
        self.drafts = dict(drafts or {})
        theme = (settings or {}).get("theme")
        if isinstance(theme, str) and theme in self.available_themes:
            self.theme = theme
        self._theme_loaded = True
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

    # ------------------------------------------------------------ live reload (--watch)

    @work(thread=True, exclusive=True, group="watch")
    def watch_files(self) -> None:
        """Poll the course folder; each settled save becomes a CourseChanged message."""
        from textual.worker import get_current_worker

        from engine.content.watch import watch

        worker = get_current_worker()
        for changes in watch(self.root, self._watch_stop):
            if worker.is_cancelled:
                break
            self.post_message(CourseChanged(changes))

    def on_unmount(self) -> None:
        self._watch_stop.set()  # the polling thread ends within one interval
        if self.kafka_session is not None:
            self.kafka_session.close()  # the brokers the run panel started: no JVM outlives the app

    def on_course_changed(self, message: CourseChanged) -> None:
        self.reload(message.changes)

    @work(thread=True, exclusive=True, group="load")
    def reload(self, changes: "Changes") -> None:
        from engine.content.course import load_course

        try:
            course = load_course(self.root)
        except Exception as error:  # a reader bug: keep the course on screen, say why
            self.call_from_thread(self.notify, f"{changes.describe()}: {error}", title="Not reloaded",
                                  severity="error", timeout=15)
            return
        self.call_from_thread(self.reloaded, course, changes)

    async def reloaded(self, course: Course, changes: "Changes") -> None:
        """Swap in the course read again: the outline, and the lesson or quiz on screen if it changed."""
        from course.screens.lesson import LessonScreen
        from course.screens.quiz import QuizScreen

        self.course = course
        outline = self.outline
        outline.course = course
        outline.refresh_progress()
        touched = {str(p) for p in changes.paths}
        problems = [pr for pr in course.problems
                    if any(pr.file.endswith(t) or t.endswith(pr.file) for t in touched)]
        if problems:
            listed = "\n".join(str(pr) for pr in problems[:5])
            more = f"\n... and {len(problems) - 5} more" if len(problems) > 5 else ""
            self.notify(listed + more, title=f"Reloaded {changes.describe()}: {len(problems)} problem(s)",
                        severity="warning", timeout=20)
        else:
            self.notify(f"Reloaded {changes.describe()}", timeout=4)
        if isinstance(self.screen, LessonScreen):
            try:
                lesson = course.lesson(self.screen.lesson.id)
            except KeyError:
                return
            await self.screen.show_lesson(lesson)
        elif isinstance(self.screen, QuizScreen):
            # An author previewing the quiz sees what they saved: the quiz is opened again, and the
            # attempt so far resumes from its draft when its questions are still there.
            quiz = self.find_quiz(self.screen.quiz.id)
            if quiz is not None and quiz != self.screen.quiz:
                await self.on_take_quiz(TakeQuiz(quiz.id))

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

    async def on_code_group_tabs_run_requested(self, message: "CodeGroupTabs.RunRequested") -> None:
        """A page's code block (a lesson's, an imported book's) run against a fresh sandbox, in a modal."""
        from course.screens.snippet_run import SnippetRunScreen

        await self.push_screen(SnippetRunScreen(message.block))  # type: ignore[arg-type]

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
        await self.push_screen(QuizScreen(quiz, attempt=attempts + 1, draft=self.drafts.get(quiz.id),
                                          steps=self.steps_after(quiz.lesson, quiz_passed=True)))

    async def on_open_exercise(self, message: OpenExercise) -> None:
        await self.open_exercise(message.name)

    async def open_exercise(self, name: str) -> None:
        from course.screens.exercise import ExerciseScreen
        from engine.runs.exercises import Workspace

        exercise = self.exercises.get(name)
        if exercise is None:
            self.notify(f"There is no exercise {name!r} in this course (or it is still loading).", severity="error")
            return
        if isinstance(self.screen, ExerciseScreen):
            if self.screen.exercise.name == name:
                return
            await self.pop_screen()
        result = self.progress.exercises.get(name) if self.progress else None
        await self.push_screen(ExerciseScreen(
            exercise, bootstrap_servers=self.bootstrap_servers,
            passed=bool(result and result.passed), hints_shown=result.hints_shown if result else 0,
            steps=self.steps_after(exercise.lesson, exercise_passed=True),
            workspace=Workspace(course_root=self.root)))

    def action_exercise(self) -> None:
        """Open the exercise of the lesson on screen (or highlighted in the outline)."""
        exercise = self.exercise_for(self._lesson_in_view())
        if exercise is not None:
            self.run_worker(self.open_exercise(exercise.name), group="open-exercise")

    def _lesson_in_view(self) -> str | None:
        lesson = getattr(self.screen, "lesson", None)
        if lesson is not None:
            return getattr(lesson, "id", None)
        if isinstance(self.screen, OutlineScreen) and self.screen.is_mounted:
            return self.screen.highlighted_lesson()
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "exercise":
            from_screen = getattr(self.screen, "exercise", None)  # the exercise screen itself
            return from_screen is None and self.exercise_for(self._lesson_in_view()) is not None
        return True

    def steps_after(self, lesson_id: str | None, *, quiz_passed: bool = False,
                    exercise_passed: bool = False) -> list[Step]:
        """Where to go once this lesson's quiz (or exercise) is passed: what the lesson still asks, then on."""
        steps: list[Step] = []
        if self.course is None or lesson_id is None:
            return steps
        try:
            lesson = self.course.lesson(lesson_id)
        except KeyError:
            return steps
        progress = self.progress
        exercise = self.exercise_for(lesson_id)
        if exercise is not None and not exercise_passed and not (progress and progress.exercise_passed(exercise.name)):
            steps.append(Step("exercise", exercise.name, f"Exercise: {exercise.title}"))
        quiz_done = bool(progress and lesson.quiz and lesson.quiz.id in progress.quizzes
                         and progress.quizzes[lesson.quiz.id].passed)
        if lesson.quiz is not None and not quiz_passed and not quiz_done:
            steps.append(Step("quiz", lesson.quiz.id, f"Quiz: {lesson.quiz.title}"))
        lessons = [l for l in self.course.lessons()]
        ids = [l.id for l in lessons]
        if lesson.id in ids and ids.index(lesson.id) + 1 < len(lessons):
            following = lessons[ids.index(lesson.id) + 1]
            steps.append(Step("lesson", following.id, f"Next lesson: {following.link_title}"))
        return steps

    def action_help(self) -> None:
        from course.screens.help import HelpScreen, collect_keys

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(collect_keys(self, self.screen)))

    # ------------------------------------------------------------ settings

    def settings_store(self, store: ProgressStore) -> ProgressStore:
        """Where the app's settings (the theme) live: they are the learner's, not a course's, so in
        the store of the course that ships with the tool whichever course is open (a store handed
        to the app, as tests do, keeps them itself)."""
        return store if self._settings_in_store else ProgressStore()

    def _watch_theme_for_saving(self, theme: Any) -> None:
        if self._theme_loaded and self.store is not None:
            self._save_setting("theme", self.theme)

    @work(thread=True, group="save")
    def _save_setting(self, key: str, value: Any) -> None:
        assert self.store is not None
        try:
            self.settings_store(self.store).save_setting(key, value)
        except OSError as error:
            self.call_from_thread(self.notify, f"Could not save your settings: {error}", severity="error")

    # ------------------------------------------------------------ progress

    def on_quiz_screen_finished(self, message: "QuizScreen.Finished") -> None:
        if self.progress is None:
            return
        self.progress.record_quiz(message.quiz.id, message.grade, message.answers)
        if message.grade.passed and message.quiz.lesson:
            self.progress.mark_done(message.quiz.lesson)
        self.save_progress()
        self.keep_draft(message.quiz.id, None)

    def on_quiz_screen_draft(self, message: "QuizScreen.Draft") -> None:
        self.keep_draft(message.quiz.id, message.draft)

    def keep_draft(self, quiz_id: str, draft: dict[str, Any] | None) -> None:
        """Remember (or forget) an unfinished attempt, here and in the store."""
        if draft is None:
            if self.drafts.pop(quiz_id, None) is None:
                return
        else:
            self.drafts[quiz_id] = draft
        if self.store is not None:
            self._save_seq += 1
            self._save_draft(quiz_id, draft, self._save_seq)

    @work(thread=True, group="save")
    def _save_draft(self, quiz_id: str, draft: dict[str, Any] | None, seq: int) -> None:
        assert self.store is not None
        with self._save_lock:
            if seq < self._draft_saved.get(quiz_id, 0):
                return  # a later draft (or the finished attempt) was stored already: it wins
            try:
                self.store.save_quiz_draft(quiz_id, draft)
            except OSError as error:
                self.call_from_thread(self.notify, f"Could not keep your answers: {error}", severity="error")
                return
            self._draft_saved[quiz_id] = seq

    def on_exercise_screen_checked(self, message: "ExerciseScreen.Checked") -> None:
        if self.progress is None:
            return
        self.progress.record_exercise(message.name, message.passed)
        self.save_progress()

    def on_exercise_screen_hint_shown(self, message: "ExerciseScreen.HintShown") -> None:
        if self.progress is None:
            return
        result = self.progress.exercises.setdefault(message.name, ExerciseResult())
        result.hints_shown = max(result.hints_shown, message.shown)  # the most hints seen stay shown
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


def run_app(course_dir: str | None = None, bootstrap_servers: str | None = None, watch: bool = False) -> int:
    root = Path(course_dir) if course_dir else paths.course_dir()
    CourseApp(root, bootstrap_servers, watch=watch).run()
    return 0
