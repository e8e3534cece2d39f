"""A course folder (lessons/ + quizzes/) or a book folder -> Course.

Pages are read by engine.content.page (section Markdown; see there for the blocks and the `lesson:<id>`
link form that ref shortcodes become). Loading never raises on bad content: each lesson's problems
are on `lesson.problems`, and every problem (lessons, quizzes, links) is on `course.problems`.

Course layout: `lessons/` (or the book folder itself) holds a tree; `_index.md` in a folder makes it
a chapter (its body, if any, is the chapter's first lesson, with the folder as id); `index.md` in a
folder is a lesson whose id is the folder path (`4/4/1`); any other `name.md` is a lesson `…/name`.
The `_index.md` at the top gives the course title. Lessons and chapters are ordered by `nav_weight`,
then by name (numbers in names compare as numbers). Quizzes come from `quizzes/*.yaml` (attached
through `lesson:`) and from quizdown blocks in pages (quiz id = lesson id with `/` -> `-`).
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from engine.model import Chapter, Course, Example, Heading, Lesson, Markdown, Quiz
from engine.problems import Problem
from engine.content.page import LINK_SCHEME, Page, natural_key, parse_page, read_page

__all__ = ["LINK_SCHEME", "Page", "load_course", "parse_page", "read_page"]


# ---------------------------------------------------------------- a course


def load_course(root: Path) -> Course:
    """A course folder (lessons/ + quizzes/) or a book folder -> Course. Never raises on bad content."""
    root = Path(root)
    lessons_root = root / "lessons" if (root / "lessons").is_dir() else root
    course = Course(title=root.resolve().name, root=root)
    if not lessons_root.is_dir():
        course.problems.append(Problem(str(root), 0, "not a course folder: it has no lessons/ folder "
                                       "and no Markdown pages"))
        return course
    top = _load_chapter(lessons_root, "", course)
    course.title = top.title or course.title
    if top.lessons:
        course.chapters.append(Chapter(id="", title=top.title, path=lessons_root, lessons=top.lessons,
                                       front_matter=top.front_matter, weight=top.weight))
    course.chapters.extend(top.chapters)
    _attach_yaml_quizzes(root / "quizzes", course)
    _resolve_links(course)
    return course


def _load_chapter(folder: Path, chapter_id: str, course: Course) -> Chapter:
    index = folder / "_index.md"
    chapter = Chapter(id=chapter_id, title="", path=folder)
    lessons: list[Lesson] = []
    if index.is_file():
        page = read_page(index, lesson_id=chapter_id)
        chapter.front_matter = page.front_matter
        chapter.title = str(page.front_matter.get("linkTitle") or page.title or folder.name)
        chapter.weight = page.weight
        has_body = any(not isinstance(b, Heading) for b in page.blocks) or page.quiz is not None
        if has_body and chapter_id:
            chapter.lessons.append(_lesson_from_page(page, chapter_id, index, course))
        elif has_body:  # the course page's own text becomes a first lesson
            chapter.lessons.append(_lesson_from_page(page, "index", index, course))
        else:
            _record(course, page.problems)
    else:
        chapter.title = folder.name
    subchapters: list[Chapter] = []
    for entry in sorted(folder.iterdir(), key=lambda p: natural_key(p.name)):
        rel = f"{chapter_id}/{entry.name}" if chapter_id else entry.name
        if entry.is_dir():
            if (entry / "_index.md").is_file() or (not (entry / "index.md").is_file() and _has_pages(entry)):
                subchapters.append(_load_chapter(entry, rel, course))
            elif (entry / "index.md").is_file():
                page = read_page(entry / "index.md", lesson_id=rel)
                lessons.append(_lesson_from_page(page, rel, entry / "index.md", course))
        elif entry.suffix == ".md" and entry.name not in ("_index.md", "index.md") and not entry.name.startswith("."):
            lid = rel[: -len(".md")]
            lessons.append(_lesson_from_page(read_page(entry, lesson_id=lid), lid, entry, course))
        elif entry.name == "index.md" and chapter_id:
            lessons.append(_lesson_from_page(read_page(entry, lesson_id=chapter_id), chapter_id, entry, course))
    lessons.sort(key=lambda l: (l.weight, natural_key(l.id.rsplit("/", 1)[-1])))
    subchapters.sort(key=lambda c: (c.weight, natural_key(c.path.name)))
    chapter.lessons.extend(lessons)
    chapter.chapters = subchapters
    return chapter


def _has_pages(folder: Path) -> bool:
    return any(p.suffix == ".md" for p in folder.rglob("*.md"))


def _record(course: Course, problems: list[Problem]) -> None:
    course.problems.extend(problems)


def _lesson_from_page(page: Page, lesson_id: str, path: Path, course: Course) -> Lesson:
    lesson = Lesson(
        id=lesson_id,
        title=page.title or lesson_id,
        path=path,
        blocks=page.blocks,
        front_matter=page.front_matter,
        weight=page.weight,
        description=str(page.front_matter.get("description") or "").strip(),
        problems=list(page.problems),
    )
    lesson.examples = lesson_examples(page, path.parent, lesson.problems)
    if page.quiz is not None:
        quiz = page.quiz
        quiz.lesson = lesson_id
        quiz.title = quiz.title or lesson.link_title
        quiz.path = path
        _add_quiz(course, quiz, lesson.problems, page.file)
        lesson.quiz = quiz
    _record(course, lesson.problems)
    return lesson


def lesson_examples(page: Page, folder: Path, problems: list[Problem]) -> list[Example]:
    """A lesson's runnable examples, in the order its front matter `examples:` lists them."""
    raw = page.front_matter.get("examples")
    if raw is None:
        return []
    key = re.search(r"^examples[ \t]*:", page.text, re.M)
    line = page.text.count("\n", 0, key.start()) + 1 if key else 1  # the `examples:` line of the front matter
    if not isinstance(raw, list):
        problems.append(Problem(page.file, line, "examples: must be a list such as "
                                "`examples: [{name: lost-acks, title: \"Acks lost\"}]`"))
        return []
    out: list[Example] = []
    for entry in raw:
        if isinstance(entry, str):
            entry = {"name": entry}
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name:
            problems.append(Problem(page.file, line, f"examples: entry {entry!r} has no name; write "
                                    "`{name: lost-acks, title: \"...\"}`"))
            continue
        script = folder / "examples" / f"{name}.py"
        scenario = folder / "examples" / f"{name}.yaml"
        if not script.is_file():
            problems.append(Problem(page.file, line, f"examples: {name}: the script examples/{name}.py is missing; "
                                    "add it next to the lesson or remove the entry"))
            continue
        out.append(Example(name=name, script=script, scenario=scenario if scenario.is_file() else None,
                           title=str(entry.get("title") or name)))
    return out


def _add_quiz(course: Course, quiz: Quiz, problems: list[Problem], file: str) -> bool:
    if quiz.id in course.quizzes:
        other = course.quizzes[quiz.id].path
        problems.append(Problem(file, 0, f"quiz id {quiz.id!r} is already used by {other}; give each quiz "
                                "its own id"))
        return False
    course.quizzes[quiz.id] = quiz
    return True


def _attach_yaml_quizzes(folder: Path, course: Course) -> None:
    from engine.content.quizfile import read_quiz  # here, not at the top: quizfile imports nothing of ours back

    if not folder.is_dir():
        return
    by_id = {lesson.id: lesson for lesson in course.lessons()}
    for path in sorted(folder.glob("*.yaml"), key=lambda p: natural_key(p.name)):
        quiz, problems = read_quiz(path)
        course.problems.extend(problems)
        if quiz is None:
            continue
        if quiz.id in course.quizzes:
            course.problems.append(_problem_at(path, "id", f"quiz id {quiz.id!r} is already "
                                           f"used by {course.quizzes[quiz.id].path}; give each quiz its own id"))
            continue
        course.quizzes[quiz.id] = quiz
        if quiz.lesson is None:
            continue
        lesson = by_id.get(quiz.lesson)
        if lesson is None:
            close = difflib.get_close_matches(quiz.lesson, list(by_id), n=1)
            hint = (f"did you mean {close[0]!r}?" if close else
                    f"use a lesson id (its folder under lessons/), e.g. {next(iter(by_id))!r}" if by_id else
                    f"there is no lessons/{quiz.lesson}/index.md yet")
            course.problems.append(_problem_at(path, "lesson", f"lesson: {quiz.lesson!r} names no lesson; {hint}"))
        elif lesson.quiz is not None and lesson.quiz is not quiz:
            course.problems.append(_problem_at(path, "lesson", f"lesson {quiz.lesson!r} already has a quiz "
                                               f"({lesson.quiz.path}); a lesson has one quiz", "warning"))
        else:
            lesson.quiz = quiz


def _problem_at(path: Path, key: str, message: str, severity: str = "error") -> Problem:
    """A problem placed on the top-level `key:` line of a YAML file (found after loading it)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        text = ""
    m = re.search(rf"^{re.escape(key)}[ \t]*:", text, re.M)
    line = text.count("\n", 0, m.start()) + 1 if m else 0
    return Problem(str(path), line, message, 1 if m else 0, severity)  # type: ignore[arg-type]


_LESSON_LINK = re.compile(r"\(lesson:([^)\s#]*)(#[^)\s]*)?")


def _resolve_links(course: Course) -> None:
    """Make `lesson:` links name lesson ids; a book's own folder name in the target is dropped."""
    ids: dict[str, str] = {}  # link target -> lesson id; a chapter's target is its first lesson

    def add_chapter(chapter: Chapter) -> None:
        first = next(chapter.all_lessons(), None)
        if first is not None and chapter.id:
            ids.setdefault(chapter.id, first.id)
        for sub in chapter.chapters:
            add_chapter(sub)

    for lesson in course.lessons():
        ids[lesson.id] = lesson.id
    for chapter in course.chapters:
        add_chapter(chapter)

    def target(raw: str) -> str | None:
        if raw in ids:
            return ids[raw]
        _, _, rest = raw.partition("/")
        return ids.get(rest)

    for lesson in course.lessons():
        for block in lesson.blocks:
            if not isinstance(block, Markdown) or "(lesson:" not in block.text:
                continue

            def fix(m: re.Match[str], block: Markdown = block, lesson: Lesson = lesson) -> str:
                found = target(m.group(1))
                if found is None:
                    p = Problem(str(lesson.path), block.line, f"link to {m.group(1)!r}: no such lesson in this "
                                "course", severity="warning")
                    lesson.problems.append(p)
                    course.problems.append(p)
                    return m.group(0)
                return f"(lesson:{found}{m.group(2) or ''}"

            block.text = _LESSON_LINK.sub(fix, block.text)
