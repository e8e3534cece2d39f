"""The course outline: chapters and lessons as a tree, with done marks, quiz scores, exercise status.

A lesson is done when what it asks of the learner is done: its quiz passed and its exercise's
check passed; a lesson that asks neither is done when the learner marks it so. The course's
introduction (the text of the top `_index.md`) is read, not done, and is not counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from rich.text import Text
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from course.widgets.messages import OpenLesson
from engine.model import INTRODUCTION, Chapter, Course, Lesson


@dataclass(frozen=True)
class LessonRef:
    lesson_id: str


@dataclass(frozen=True)
class ChapterRef:
    chapter_id: str


def lesson_left(lesson: Lesson, progress: Any, exercise: Any = None) -> list[str]:
    """What the lesson still asks: "quiz" (not passed yet), "exercise" (its check not passed yet)."""
    left = []
    if lesson.quiz is not None:
        result = progress.quizzes.get(lesson.quiz.id) if progress is not None else None
        if result is None or not result.passed:
            left.append("quiz")
    if exercise is not None and not (progress is not None and progress.exercise_passed(exercise.name)):
        left.append("exercise")
    return left


def lesson_complete(lesson: Lesson, progress: Any, exercise: Any = None) -> bool:
    """Done: its quiz and exercise passed, or (asking neither) marked done."""
    if lesson_left(lesson, progress, exercise):
        return False
    return lesson.quiz is not None or exercise is not None or (progress is not None and lesson.id in progress.lessons_done)


def exercise_badge(exercise: Any, progress: Any) -> str:
    """`exercise ✓` once its check passed, `exercise` before; "" for a lesson without one."""
    if exercise is None:
        return ""
    return "exercise ✓" if progress is not None and progress.exercise_passed(exercise.name) else "exercise"


def quiz_badge(lesson: Lesson, progress: Any) -> str:
    """`quiz 3/4 ✓` for a quiz taken, `quiz` for one not taken yet, "" without a quiz."""
    if lesson.quiz is None:
        return ""
    result = progress.quizzes.get(lesson.quiz.id) if progress is not None else None
    if result is None:
        return "quiz"
    return f"quiz {result.score:g}/{result.max:g} {'✓' if result.passed else '✗'}"


def lesson_label(lesson: Lesson, progress: Any, exercise: Any = None) -> Text:
    marked = progress is not None and lesson.id in progress.lessons_done
    if lesson.problems and any(p.severity == "error" for p in lesson.problems):
        mark = ("⚠ ", "bold red")
    elif lesson_complete(lesson, progress, exercise):
        mark = ("✓ ", "bold green")
    elif marked:  # marked done, but its quiz or exercise is still to pass
        mark = ("◐ ", "yellow")
    else:
        mark = ("· ", "dim")
    parts: list[str | tuple[str, str]] = [mark, lesson.link_title]
    for badge in (quiz_badge(lesson, progress), exercise_badge(exercise, progress)):
        if badge:
            parts += ["  ", (badge, "green" if "✓" in badge else "dim")]
    return Text.assemble(*parts)


class CourseOutline(Tree[LessonRef | ChapterRef]):
    """Select a lesson (Enter or click) to open it: posts `OpenLesson`."""

    # The tree has the keyboard on the outline, so its own (hidden) Enter shadows the screen's
    # "Open": shown here, the footer names the key that opens a lesson.
    BINDINGS = [Binding("enter", "select_cursor", "Open", show=True)]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("Course", id=id)
        self.show_root = False
        self.guide_depth = 3
        self._lesson_nodes: dict[str, TreeNode[LessonRef | ChapterRef]] = {}
        self.exercises: Mapping[str, Any] = {}  # lesson id -> its exercise (engine.runs.exercises.Exercise)

    def show_course(self, course: Course, progress: Any, exercises: Mapping[str, Any] | None = None) -> None:
        """(Re)build the tree; the cursor stays on the lesson it was on."""
        if exercises is not None:
            self.exercises = exercises
        current = self.cursor_node.data if self.cursor_node is not None else None
        self.clear()
        self._lesson_nodes = {}
        self.root.label = course.title
        for chapter in course.chapters:
            self._add_chapter(self.root, chapter, progress)
        if isinstance(current, LessonRef):
            self.select_lesson(current.lesson_id)

    def _add_chapter(self, parent: TreeNode, chapter: Chapter, progress: Any) -> None:
        lessons = list(chapter.counted_lessons())
        done = sum(1 for lesson in lessons if lesson_complete(lesson, progress, self.exercises.get(lesson.id)))
        label = Text.assemble((chapter.title, "bold"), (f"  {done}/{len(lessons)}", "dim") if lessons else "")
        node = parent.add(label, data=ChapterRef(chapter.id), expand=True)
        for lesson in chapter.lessons:
            label = lesson_label(lesson, progress, self.exercises.get(lesson.id))
            self._lesson_nodes[lesson.id] = node.add_leaf(label, data=LessonRef(lesson.id))
        for sub in chapter.chapters:
            self._add_chapter(node, sub, progress)

    def relabel(self, course: Course, progress: Any, exercises: Mapping[str, Any]) -> None:
        """Update the lessons' labels in place (the cursor, and keys pressed meanwhile, stay where they are)."""
        self.exercises = exercises
        for lesson in course.lessons():
            node = self._lesson_nodes.get(lesson.id)
            if node is not None:
                node.set_label(lesson_label(lesson, progress, exercises.get(lesson.id)))

    def select_lesson(self, lesson_id: str) -> None:
        node = self._lesson_nodes.get(lesson_id)
        if node is not None:
            # A node's line is known once the tree has laid out its lines: after a refresh.
            self.call_after_refresh(self.move_cursor, node, animate=False)

    def on_tree_node_selected(self, event: Tree.NodeSelected[LessonRef | ChapterRef]) -> None:
        if isinstance(event.node.data, LessonRef):
            event.stop()
            self.post_message(OpenLesson(event.node.data.lesson_id))


def lesson_details(lesson: Lesson, progress: Any, exercise: Any = None) -> Content:
    """What the outline says about the highlighted lesson: state, what is left, examples, quiz, exercise, keys."""
    parts: list[str | tuple[str, str]] = [(lesson.title, "bold"), "\n"]
    if lesson.description:
        parts += [(lesson.description, "italic"), "\n"]
    parts.append("\n")
    errors = [p for p in lesson.problems if p.severity == "error"]
    if errors:
        parts += [("⚠ did not load cleanly: ", "bold $text-error"), errors[0].message, "\n"]
    done = lesson_complete(lesson, progress, exercise)
    left = lesson_left(lesson, progress, exercise)
    if done:
        parts += [("✓ done", "$text-success"), "\n"]
    elif lesson.id == INTRODUCTION:
        parts += [("the course's introduction", "$text-muted"), "\n"]
    elif left:
        parts += [("left to do: ", "$text-warning"), " and ".join(f"pass the {what}" for what in left), "\n"]
    else:
        parts += [("not done yet", "$text-muted"), " (d in the lesson marks it done)\n"]
    if lesson.examples:
        parts.append(f"{len(lesson.examples)} runnable example{'s' if len(lesson.examples) > 1 else ''}\n")
    if lesson.quiz is not None:
        result = progress.quizzes.get(lesson.quiz.id) if progress is not None else None
        count = len(lesson.quiz.questions)
        parts.append(f"quiz: {count} question{'s' if count != 1 else ''}")
        if result is not None:
            verdict = "passed" if result.passed else "not passed"
            parts.append(f", best {result.score:g}/{result.max:g} ({verdict}, {result.attempts} attempt"
                         f"{'s' if result.attempts != 1 else ''})")
        parts.append("\n")
    if exercise is not None:
        result = progress.exercises.get(exercise.name) if progress is not None else None
        state = "passed" if result is not None and result.passed else (
            f"not passed yet, {result.checks} check{'s' if result.checks != 1 else ''}" if result else "not started")
        parts.append(f"exercise: {exercise.title} ({state})\n")
    parts += ["\n", ("enter", "bold $accent"), " open", "   "]
    if lesson.quiz is not None:
        parts += [("t", "bold $accent"), " take the quiz", "   "]
    if exercise is not None:
        parts += [("x", "bold $accent"), " do the exercise"]
    return Content.assemble(*parts)
