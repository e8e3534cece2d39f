"""The typed course model: Course -> Chapter -> Lesson -> blocks; Quiz -> Question -> Option.

Everything the readers (engine.content.course, engine.content.quizdown, engine.content.quizfile) produce and everything
the app, the grader and the runner consume. Plain dataclasses: no parsing or I/O here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Literal, Union

from engine.problems import Problem

QuestionKind = Literal["single", "multiple", "order"]
QUESTION_KINDS: tuple[str, ...] = ("single", "multiple", "order")


# ---------------------------------------------------------------- quizzes


@dataclass
class Option:
    text: str  # Markdown
    correct: bool = False
    feedback: str | None = None  # Markdown, shown when this option was chosen


@dataclass
class Question:
    id: str
    kind: QuestionKind
    prompt: str  # Markdown; may hold code fences
    options: list[Option]
    explanation: str | None = None  # Markdown, shown after answering
    hint: str | None = None
    line: int = 0  # where it starts in its source file (0 = unknown)

    @property
    def correct_indexes(self) -> list[int]:
        """0-based indexes of the correct options (for `order`: all, in the right order)."""
        if self.kind == "order":
            return list(range(len(self.options)))
        return [i for i, o in enumerate(self.options) if o.correct]


@dataclass
class QuizOptions:
    shuffle_answers: bool = False
    shuffle_questions: bool = False
    n_questions: int | None = None
    passing_grade: int | None = None  # percent
    partial: bool = False  # partial credit for `multiple`; all-or-nothing otherwise
    enable_retry: bool = True
    extra: dict[str, Any] = field(default_factory=dict)  # options kept but not understood


@dataclass
class Quiz:
    id: str
    title: str
    questions: list[Question]
    options: QuizOptions = field(default_factory=QuizOptions)
    lesson: str | None = None  # the lesson it belongs to
    source: str | None = None  # where it was imported from
    path: Path | None = None  # the YAML or Markdown file it was read from

    def question(self, qid: str) -> Question:
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(qid)


# ---------------------------------------------------------------- lesson blocks


@dataclass
class Markdown:
    """A run of ordinary Markdown (ref shortcodes already turned into links, math kept as text)."""

    text: str
    line: int = 0


@dataclass
class Heading:
    level: int
    text: str
    anchor: str
    line: int = 0


@dataclass
class CodeSample:
    language: str  # as the fence says: java, scala, kotlin, clojure, python, ...
    code: str
    label: str = ""  # the bold label line, e.g. "Java"
    line: int = 0


@dataclass
class CodeGroup:
    """One example in several languages (consecutive labelled fences), shown as tabs."""

    samples: list[CodeSample]
    line: int = 0

    @property
    def languages(self) -> list[str]:
        return [s.language for s in self.samples]

    def sample(self, language: str) -> CodeSample | None:
        return next((s for s in self.samples if s.language == language), None)


@dataclass
class Diagram:
    kind: str  # "mermaid"
    source: str
    line: int = 0


@dataclass
class Shortcode:
    """A shortcode the reader does not understand: kept visible, with a warning."""

    name: str
    text: str
    line: int = 0


Block = Union[Markdown, Heading, CodeGroup, Diagram, Shortcode]


# ---------------------------------------------------------------- lessons and course


@dataclass
class Example:
    """A runnable example of a lesson: a Python script and the scenario it runs under."""

    name: str
    script: Path
    scenario: Path | None = None
    title: str = ""


@dataclass
class Lesson:
    id: str  # stable id, e.g. "4/4/1" for an imported page or "02-at-most-once"
    title: str
    path: Path
    blocks: list[Block] = field(default_factory=list)
    front_matter: dict[str, Any] = field(default_factory=dict)
    weight: int = 0  # nav_weight
    description: str = ""
    quiz: Quiz | None = None
    examples: list[Example] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def link_title(self) -> str:
        return str(self.front_matter.get("linkTitle") or self.title)


INTRODUCTION = "index"  # the lesson id engine.content.course gives the course page's own text


@dataclass
class Chapter:
    id: str
    title: str
    path: Path  # the chapter's folder
    lessons: list[Lesson] = field(default_factory=list)
    chapters: list["Chapter"] = field(default_factory=list)  # books nest chapters
    front_matter: dict[str, Any] = field(default_factory=dict)
    weight: int = 0

    def all_lessons(self) -> Iterator[Lesson]:
        """Lessons in reading order: this chapter's own, then each sub-chapter's."""
        yield from self.lessons
        for c in self.chapters:
            yield from c.all_lessons()

    def counted_lessons(self) -> Iterator[Lesson]:
        """Its lessons (all_lessons) that count toward progress: all but the course's introduction,
        the page's own text, which is a lesson of the top chapter (id "")."""
        for lesson in self.all_lessons():
            if not (self.id == "" and lesson.id == INTRODUCTION):
                yield lesson


@dataclass
class Course:
    title: str
    root: Path
    chapters: list[Chapter] = field(default_factory=list)
    quizzes: dict[str, Quiz] = field(default_factory=dict)  # by quiz id
    problems: list[Problem] = field(default_factory=list)

    def lessons(self) -> Iterator[Lesson]:
        for c in self.chapters:
            yield from c.all_lessons()

    def counted_lessons(self) -> Iterator[Lesson]:
        """The lessons that count toward progress: all but the course's introduction (Chapter.counted_lessons)."""
        for chapter in self.chapters:
            yield from chapter.counted_lessons()

    def lesson(self, lesson_id: str) -> Lesson:
        for lesson in self.lessons():
            if lesson.id == lesson_id:
                return lesson
        raise KeyError(lesson_id)
