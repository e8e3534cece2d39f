"""Noticing saved course files by polling: what `course --watch` and `course validate --watch` use.

Polling (a stat of every lesson, quiz, exercise and example file, twice a second) needs no new
dependency and behaves the same on every platform and file system, including editors that save by
writing a new file and renaming it over the old one. A change is reported once the files have
stayed the same for one more poll, so a save that writes in several steps is one change.

    watcher = CourseWatcher(Path("my-course"))
    changed = watcher.poll()          # None, or a Changes once something was saved and settled
    for changes in watch(root, stop): # a blocking loop (run it in a thread, set `stop` to end it)
        ...
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

# What a course is made of: pages, quiz / scenario / exercise YAML, and the examples' sources.
WATCHED_SUFFIXES = frozenset({".md", ".yaml", ".yml", ".py", ".java", ".kt", ".scala", ".clj"})
WATCHED_FOLDERS = ("lessons", "quizzes", "exercises")

Stamp = tuple[int, int]  # (mtime in ns, size): a save changes at least one of them


@dataclass(frozen=True)
class Changes:
    """Files saved, created and removed since the last report (paths relative to the course)."""

    changed: tuple[Path, ...] = ()
    added: tuple[Path, ...] = ()
    removed: tuple[Path, ...] = ()
    paths: tuple[Path, ...] = field(default=(), init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "paths", tuple(sorted({*self.changed, *self.added, *self.removed})))

    def lessons(self) -> set[str]:
        """Lesson folders touched (`lessons/02-at-most-once/...` -> `02-at-most-once`)."""
        return {p.parts[1] for p in self.paths if len(p.parts) > 2 and p.parts[0] == "lessons"}

    def describe(self) -> str:
        names = [str(p) for p in self.paths]
        return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def snapshot(root: Path) -> dict[Path, Stamp]:
    """Every watched file of the course, relative to `root`, with its stamp."""
    stamps: dict[Path, Stamp] = {}
    for folder in WATCHED_FOLDERS:
        base = root / folder
        if not base.is_dir():
            continue
        for path in base.rglob("*"):
            if path.suffix not in WATCHED_SUFFIXES or any(part.startswith(".") for part in path.parts[-2:]):
                continue
            try:
                st = path.stat()
            except OSError:  # removed between listing and stat: the next poll sees it gone
                continue
            stamps[path.relative_to(root)] = (st.st_mtime_ns, st.st_size)
    return stamps


class CourseWatcher:
    """Compares snapshots of a course folder; `poll()` reports settled changes."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._reported = snapshot(self.root)  # what the caller has seen
        self._last = self._reported  # what the previous poll saw

    def poll(self) -> Changes | None:
        now = snapshot(self.root)
        settled = now == self._last
        self._last = now
        if not settled or now == self._reported:
            return None  # still being written, or nothing new
        before = self._reported
        self._reported = now
        return Changes(
            changed=tuple(sorted(p for p in now.keys() & before.keys() if now[p] != before[p])),
            added=tuple(sorted(now.keys() - before.keys())),
            removed=tuple(sorted(before.keys() - now.keys())),
        )


def watch(root: Path, stop: threading.Event, interval: float = 0.5,
          watcher: CourseWatcher | None = None) -> Iterator[Changes]:
    """Yield each settled change until `stop` is set (checked every `interval` seconds).

    Pass a `watcher` made earlier to count saves from that moment (e.g. before a first check)."""
    watcher = watcher or CourseWatcher(root)
    while not stop.wait(interval):
        changes = watcher.poll()
        if changes is not None:
            yield changes
