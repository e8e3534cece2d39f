"""Import the real Kafka book (../shared/corpus/kafka) and check it against what the pages say."""

from __future__ import annotations

from tests.paths import CORPUS, ROOT

import json
import re
from pathlib import Path

import pytest

from course.cli import main
from engine.content.course import load_course
from engine.content.quizfile import load_quiz

REPO = ROOT

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the book corpus is not at {CORPUS}"),
]


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, int]:
    out = tmp_path_factory.mktemp("kafka")
    import io
    from contextlib import redirect_stdout

    buf = io.StringIO()
    with redirect_stdout(buf):
        code = main(["import", str(CORPUS), "--out", str(out), "--json"])
    return out, json.loads(buf.getvalue()), code


def _expected(page: Path) -> list[list[tuple[str, bool]]]:
    """(option text, correct) per question, read from the raw page by plain line matching (an independent oracle)."""
    text = page.read_text(encoding="utf-8")
    start, end = text.find("{{< quizdown >}}"), text.find("{{< /quizdown >}}")
    if start < 0:
        return []
    flags: list[list[tuple[str, bool]]] = []
    for line in text[start:end].splitlines():
        if re.match(r"#{1,6} ", line):
            flags.append([])
        m = re.match(r"(?:-|\d+\.) \[([ xX])\] (.*)", line)
        if m:
            flags[-1].append((m.group(2).strip(), m.group(1) != " "))
    return flags


def test_summary_and_exit_code(imported: tuple[Path, dict, int]) -> None:
    _, summary, code = imported
    pages = list(CORPUS.rglob("*.md"))
    with_quiz = [p for p in pages if "{{< quizdown >}}" in p.read_text(encoding="utf-8")]
    assert summary["pages"] == len(pages) == 519
    assert summary["lessons"] == len(pages)
    assert summary["quizzes"] == len(with_quiz) == 484
    assert summary["questions"] == sum(len(_expected(p)) for p in with_quiz)
    assert summary["errors"] == [] and code == 0


def test_every_question_matches_its_page(imported: tuple[Path, dict, int]) -> None:
    out, _, _ = imported
    checked = 0
    for page in sorted(CORPUS.rglob("*.md")):
        expected = _expected(page)
        if not expected:
            continue
        rel = page.relative_to(CORPUS)
        lesson_id = rel.parent.as_posix() if rel.parent.as_posix() != "." else ""
        quiz = load_quiz(out / "quizzes" / f"{lesson_id.replace('/', '-') or 'index'}.yaml")
        assert quiz.source == rel.as_posix() and quiz.lesson == (lesson_id or "index")
        assert [[(o.text, o.correct) for o in q.options] for q in quiz.questions] == expected, rel
        checked += len(expected)
    assert checked > 4000


def test_page_4_4_1(imported: tuple[Path, dict, int]) -> None:
    out, _, _ = imported
    quiz = load_quiz(out / "quizzes" / "4-4-1.yaml")
    assert len(quiz.questions) == 10
    assert {q.kind for q in quiz.questions} == {"multiple"}
    assert sum(1 for q in quiz.questions if len(q.correct_indexes) == 2) == 2
    first = quiz.questions[0]
    raw = (CORPUS / "4" / "4" / "1" / "index.md").read_text(encoding="utf-8")
    assert f"### {first.prompt}" in raw and f"- [x] {first.options[0].text}" in raw
    assert first.explanation and f"> **Explanation:** {first.explanation}" in raw


def test_imported_course_loads_with_every_link_resolved(imported: tuple[Path, dict, int]) -> None:
    out, summary, _ = imported
    course = load_course(out)
    lessons = list(course.lessons())
    assert len(course.quizzes) == summary["quizzes"]
    assert all(lesson.quiz is not None for lesson in lessons if lesson.path.name == "index.md")
    assert [p for p in course.problems if p.severity == "error"] == []
    links = [m for lesson in lessons for b in lesson.blocks
             for m in re.findall(r"\(lesson:([^)#\s]*)", getattr(b, "text", ""))]
    assert len(links) == 290
    for target in links:
        course.lesson(target)  # raises KeyError if a ref did not resolve
    lesson = course.lesson("4/4/1")
    groups = [b for b in lesson.blocks if type(b).__name__ == "CodeGroup"]
    assert groups and groups[0].languages == ["java", "scala", "kotlin", "clojure"]
