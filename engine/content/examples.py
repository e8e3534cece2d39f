"""Finding a lesson's runnable examples on disk (CONTRIBUTING.md: `examples/<name>.py` + `.yaml`)."""

from __future__ import annotations

from pathlib import Path

from engine import paths
from engine.content.course import lesson_examples
from engine.problems import ContentError, Problem
from engine.content.page import read_page


def lesson_folder(lesson: str, root: Path | None = None) -> Path:
    """A lesson given by id (`04-acks-and-replication`) or by a path to its folder or index.md."""
    given = Path(lesson)
    if given.is_file() and given.name == "index.md":
        return given.parent
    if given.is_dir():
        return given
    folder = (root or paths.course_dir()) / "lessons" / lesson
    if folder.is_dir():
        return folder
    known = sorted(p.name for p in ((root or paths.course_dir()) / "lessons").glob("*/") if p.is_dir())
    raise ContentError([Problem(lesson, 0, f"no lesson `{lesson}`; lessons: {', '.join(known) or 'none'}")])


def find_example(lesson: str, name: str | None = None, root: Path | None = None) -> tuple[Path, Path | None]:
    """The (script, scenario) of a lesson's example: the named one, else the first its page lists."""
    given = Path(lesson)
    if given.suffix == ".py" and given.is_file():
        scenario = given.with_suffix(".yaml")
        return given, scenario if scenario.is_file() else None
    folder = lesson_folder(lesson, root)
    problems: list[Problem] = []
    examples = lesson_examples(read_page(folder / "index.md"), folder, problems)
    if problems:
        raise ContentError(problems)
    if not examples:
        raise ContentError([Problem(str(folder / "index.md"), 0, "this lesson lists no runnable example "
                                    "(front matter `examples:`)")])
    if name is None:
        return examples[0].script, examples[0].scenario
    for example in examples:
        if example.name == name:
            return example.script, example.scenario
    names = ", ".join(e.name for e in examples)
    raise ContentError([Problem(str(folder), 0, f"no example `{name}`; this lesson has: {names}")])
