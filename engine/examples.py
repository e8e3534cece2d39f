"""Finding a lesson's runnable examples on disk (CONTRIBUTING.md: `examples/<name>.py` + `.yaml`)."""

from __future__ import annotations

from pathlib import Path

from engine import paths
from engine.problems import ContentError, Problem


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


def example_scripts(folder: Path) -> list[Path]:
    return sorted((folder / "examples").glob("*.py"))


def find_example(lesson: str, name: str | None = None, root: Path | None = None) -> tuple[Path, Path | None]:
    """The (script, scenario) of a lesson's example: the named one, else the first."""
    given = Path(lesson)
    if given.suffix == ".py" and given.is_file():
        scenario = given.with_suffix(".yaml")
        return given, scenario if scenario.is_file() else None
    folder = lesson_folder(lesson, root)
    scripts = example_scripts(folder)
    if not scripts:
        raise ContentError([Problem(str(folder), 0, "this lesson has no runnable example (examples/*.py)")])
    if name is None:
        script = scripts[0]
    else:
        matches = [s for s in scripts if s.stem == name]
        if not matches:
            names = ", ".join(s.stem for s in scripts)
            raise ContentError([Problem(str(folder), 0, f"no example `{name}`; this lesson has: {names}")])
        script = matches[0]
    scenario = script.with_suffix(".yaml")
    return script, scenario if scenario.is_file() else None
