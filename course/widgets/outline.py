"""The course outline: chapters and lessons as a tree, with done marks and quiz scores."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.content import Content
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from course.widgets.messages import OpenLesson
from engine.model import Chapter, Course, Lesson


@dataclass(frozen=True)
class LessonRef:
    lesson_id: str


@dataclass(frozen=True)
class ChapterRef:
    chapter_id: str


def quiz_badge(lesson: Lesson, progress: Any) -> str:
    """`quiz 3/4 ✓` for a quiz taken, `quiz` for one not taken yet, "" without a quiz."""
    if lesson.quiz is None:
        return ""
    result = progress.quizzes.get(lesson.quiz.id) if progress is not None else None
    if result is None:
        return "quiz"
    return f"quiz {result.score:g}/{result.max:g} {'✓' if result.passed else '✗'}"


def lesson_label(lesson: Lesson, progress: Any) -> Text:
    done = progress is not None and lesson.id in progress.lessons_done
    if lesson.problems and any(p.severity == "error" for p in lesson.problems):
        mark = ("⚠ ", "bold red")
    elif done:
        mark = ("✓ ", "bold green")
    else:
        mark = ("· ", "dim")
    badge = quiz_badge(lesson, progress)
    parts: list[str | tuple[str, str]] = [mark, lesson.link_title]
    if badge:
        parts += ["  ", (badge, "green" if "✓" in badge else "dim")]
    return Text.assemble(*parts)


class CourseOutline(Tree[LessonRef | ChapterRef]):
    """Select a lesson (Enter or click) to open it: posts `OpenLesson`."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("Course", id=id)
        self.show_root = False
        self.guide_depth = 3
        self._lesson_nodes: dict[str, TreeNode[LessonRef | ChapterRef]] = {}

    def show_course(self, course: Course, progress: Any) -> None:
        """(Re)build the tree; the cursor stays on the lesson it was on."""
        current = self.cursor_node.data if self.cursor_node is not None else None
        self.clear()
        self._lesson_nodes = {}
        self.root.label = course.title
        for chapter in course.chapters:
            self._add_chapter(self.root, chapter, progress)
        if isinstance(current, LessonRef):
            self.select_lesson(current.lesson_id)

    def _add_chapter(self, parent: TreeNode, chapter: Chapter, progress: Any) -> None:
        lessons = list(chapter.all_lessons())
        done = sum(1 for lesson in lessons if progress is not None and lesson.id in progress.lessons_done)
        label = Text.assemble((chapter.title, "bold"), (f"  {done}/{len(lessons)}", "dim"))
        node = parent.add(label, data=ChapterRef(chapter.id), expand=True)
        for lesson in chapter.lessons:
            self._lesson_nodes[lesson.id] = node.add_leaf(lesson_label(lesson, progress), data=LessonRef(lesson.id))
        for sub in chapter.chapters:
            self._add_chapter(node, sub, progress)

    def select_lesson(self, lesson_id: str) -> None:
        node = self._lesson_nodes.get(lesson_id)
        if node is not None:
            # A node's line is known once the tree has laid out its lines: after a refresh.
            self.call_after_refresh(self.move_cursor, node, animate=False)

    def on_tree_node_selected(self, event: Tree.NodeSelected[LessonRef | ChapterRef]) -> None:
        if isinstance(event.node.data, LessonRef):
            event.stop()
            self.post_message(OpenLesson(event.node.data.lesson_id))


def lesson_details(lesson: Lesson, progress: Any) -> Content:
    """What the outline says about the highlighted lesson: state, examples, quiz, keys."""
    parts: list[str | tuple[str, str]] = [(lesson.title, "bold"), "\n"]
    if lesson.description:
        parts += [(lesson.description, "italic"), "\n"]
    parts.append("\n")
    errors = [p for p in lesson.problems if p.severity == "error"]
    if errors:
        parts += [("⚠ did not load cleanly: ", "bold $text-error"), errors[0].message, "\n"]
    done = progress is not None and lesson.id in progress.lessons_done
    parts += [("✓ done" if done else "not done yet", "$text-success" if done else "$text-muted"), "\n"]
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
    parts += ["\n", ("enter", "bold $accent"), " open", "   "]
    if lesson.quiz is not None:
        parts += [("t", "bold $accent"), " take the quiz"]
    return Content.assemble(*parts)
