"""Book import: section Markdown pages -> a course folder (`lessons/...` and `quizzes/<id>.yaml`).

A PATH is a page or a folder (a book or part of one). Each page is written to
`OUT/lessons/<its path relative to the imported folder>` without its quizdown block, and its quiz to
`OUT/quizzes/<lesson id with / -> ->.yaml` with `lesson:` = the lesson id and `source:` = the page's
path relative to the imported folder. For a single page, the imported folder is the top of its book:
the highest ancestor folder that still holds an `_index.md`, so `kafka/4/4/1/index.md` keeps the id
`4/4/1` whether the page or the whole book is imported. A page bundle outside any book
(`retries/index.md`, alone or as its folder) becomes the lesson `retries`, so any page given alone
imports into a course that opens with its lesson and quiz.

A page is skipped (and reported) only when it cannot be read or its front matter is broken; a quiz
question with an error is reported and left out while the rest of the page and quiz are imported.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from engine.content.page import Page, natural_key, quiz_id_for, read_page
from engine.problems import Problem, ProblemReport
from engine.content.quizfile import dump_quiz


@dataclass
class ImportReport(ProblemReport):
    pages: int = 0
    lessons: int = 0
    quizzes: int = 0
    questions: int = 0

    def to_json(self) -> dict[str, Any]:
        """The summary `course import --json` prints."""
        return {"pages": self.pages, "lessons": self.lessons, "quizzes": self.quizzes,
                "questions": self.questions, **self.problems_json()}


def book_root(page: Path) -> Path:
    """The top of the book a page belongs to (see the module docstring)."""
    root = page.parent
    while (root.parent / "_index.md").is_file() and root.parent != root:
        root = root.parent
    return root


def lesson_id_for(rel: Path) -> str:
    """`4/4/1/index.md` -> `4/4/1`; `4/_index.md` -> `4`; `_index.md` -> `` ; `a/b.md` -> `a/b`."""
    if rel.name in ("index.md", "_index.md"):
        parent = rel.parent.as_posix()
        return "" if parent == "." else parent
    return rel.with_suffix("").as_posix()


def page_place(path: Path, root: Path) -> Path:
    """Where a page goes under `lessons/`: its path relative to the imported folder, except that an
    `index.md` right in that folder (a page bundle given alone, or a bundle's folder) keeps its
    folder's name, `<folder>/index.md`: a course only reads `index.md` inside a lesson folder, so at
    the top it would be a lesson no quiz can name."""
    rel = path.relative_to(root)
    if rel.as_posix() == "index.md":
        return Path(root.resolve().name or "index") / "index.md"
    return rel


def pages_of(path: Path) -> tuple[Path, list[Path]]:
    """The imported folder and its pages in reading order (a single page: its book's root)."""
    if path.is_dir():
        pages = sorted((p for p in path.rglob("*.md") if p.is_file()),
                       key=lambda p: [natural_key(part) for part in p.relative_to(path).parts])
        return path, pages
    return book_root(path), [path]


def import_paths(paths: Iterable[Path], out: Path) -> ImportReport:
    """Import pages and book folders into the course folder `out`. Never raises on bad content."""
    report = ImportReport()
    written: dict[Path, Path] = {}  # target -> the page it came from
    for given in paths:
        given = Path(given)
        if not given.exists():
            report.problems.append(Problem(str(given), 0, "no such file or folder; give a page (`.md`) or a "
                                           "book folder"))
            continue
        if given.is_file() and given.suffix != ".md":
            report.problems.append(Problem(str(given), 0, "not a Markdown page; give a `.md` page or a book "
                                           "folder"))
            continue
        root, pages = pages_of(given)
        if given.is_dir() and not pages:
            report.problems.append(Problem(str(given), 0, "the folder holds no Markdown pages (`.md`)"))
        for path in pages:
            _import_page(path, root, out, report, written)
    return report


def _import_page(path: Path, root: Path, out: Path, report: ImportReport, written: dict[Path, Path]) -> None:
    report.pages += 1
    rel = page_place(path, root)
    lesson_id = lesson_id_for(rel)
    page: Page = read_page(path, lesson_id=lesson_id)
    report.problems.extend(page.problems)
    if not page.front_matter_ok:
        report.problems.append(Problem(str(path), 0, "page skipped: fix the problems above and import it again"))
        return
    target = out / "lessons" / rel
    if target in written:
        report.problems.append(Problem(str(path), 0, f"page skipped: {written[target]} was already imported to "
                                       f"{target}; import the two into different --out folders"))
        return
    written[target] = path
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(page.text_without_quiz().rstrip("\n") + "\n", encoding="utf-8")
    except OSError as exc:
        report.problems.append(Problem(str(target), 0, f"cannot write the lesson: {exc.strerror or exc}"))
        return
    report.lessons += 1
    quiz = page.quiz
    if quiz is None or not quiz.questions:
        return
    quiz.id = quiz_id_for(lesson_id)
    quiz.lesson = lesson_id or "index"
    quiz.source = rel.as_posix()
    quiz.title = str(page.front_matter.get("linkTitle") or page.title or lesson_id)
    qpath = out / "quizzes" / f"{quiz.id}.yaml"
    try:
        qpath.parent.mkdir(parents=True, exist_ok=True)
        qpath.write_text(dump_quiz(quiz), encoding="utf-8")
    except OSError as exc:
        report.problems.append(Problem(str(qpath), 0, f"cannot write the quiz: {exc.strerror or exc}"))
        return
    report.quizzes += 1
    report.questions += len(quiz.questions)
