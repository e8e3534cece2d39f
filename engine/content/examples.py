"""Finding a lesson's runnable examples on disk (docs/formats.md: `examples/<name>.py` + `.yaml`), and
their twins in the JVM languages beside them (`<name>.java`, `.kt`, `.scala`, `.clj`; engine.jvm)."""

from __future__ import annotations

from pathlib import Path

from engine import paths
from engine.content.course import lesson_examples
from engine.jvm.languages import LANGUAGES
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


# The languages an example may be written in, by the name `course run --lang` takes.
EXTENSIONS: dict[str, str] = {"python": ".py", **{name: lang.extension for name, lang in LANGUAGES.items()}}


def find_example(lesson: str, name: str | None = None, root: Path | None = None,
                 lang: str = "python") -> tuple[Path, Path | None]:
    """The (script, scenario) of a lesson's example: the named one, else the first its page lists;
    in another language than Python, its twin next to the Python script, under the same scenario."""
    given = Path(lesson)
    if given.suffix in EXTENSIONS.values() and given.is_file():
        scenario = given.with_suffix(".yaml")
        return given, scenario if scenario.is_file() else None
    script, scenario = _find_python_example(lesson, name, root)
    return (script if lang == "python" else twin(script, lang)), scenario


def twin(script: Path, lang: str) -> Path:
    """The example `script` written in `lang` (`commit-first.py` -> `commit-first.java`); a clear
    error naming the languages it does exist in when it is missing."""
    if lang not in EXTENSIONS:
        raise ContentError([Problem(str(script), 0, f"unknown language `{lang}`; use one of: {', '.join(EXTENSIONS)}")])
    path = script.with_suffix(EXTENSIONS[lang])
    if not path.is_file():
        have = [name for name, ext in EXTENSIONS.items() if script.with_suffix(ext).is_file()]
        raise ContentError([Problem(str(path), 0, f"example `{script.stem}` has no {lang} version; "
                                                  f"it exists in: {', '.join(have)}")])
    return path


def _find_python_example(lesson: str, name: str | None, root: Path | None) -> tuple[Path, Path | None]:
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
