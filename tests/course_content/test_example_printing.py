"""Scripts that print report lines from more than one thread print each line whole.

print() writes its text and its newline as two writes, so two threads printing at once can
glue lines together ("acked m-6 2 1processed m-3"); the runner then counts no `processed` for
m-3 and the run shows an unprocessed message the consumer did handle. The course's scripts
print under one lock (a `say` helper, as the Clojure twins do), which this checks from the
source: in a script that starts a thread, every print() call sits inside a `with` block.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from engine.paths import course_dir

ROOT = course_dir()
SCRIPTS = sorted([*(ROOT / "lessons").glob("*/examples/*.py"),
                  *(ROOT / "exercises").glob("*/start.py"),
                  *(ROOT / "exercises").glob("*/solution.py")])


def _starts_threads(tree: ast.Module) -> bool:
    """A call of Thread(...) or threading.Thread(...) anywhere in the script."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            if (isinstance(f, ast.Name) and f.id == "Thread") or (isinstance(f, ast.Attribute) and f.attr == "Thread"):
                return True
    return False


def unlocked_prints(source: str) -> list[int]:
    """Line numbers of print() calls outside any `with` block, in a script that starts threads
    (none for a single-threaded script, where lines cannot interleave)."""
    tree = ast.parse(source)
    if not _starts_threads(tree):
        return []
    found: list[int] = []

    def visit(node: ast.AST, locked: bool) -> None:
        if (not locked and isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "print"):
            found.append(node.lineno)
        inside = locked or isinstance(node, ast.With)
        for child in ast.iter_child_nodes(node):
            visit(child, inside)

    visit(tree, False)
    return found


def test_the_check_finds_a_bare_print_beside_a_thread() -> None:
    threaded = ("import threading\n"
                "def work():\n    print('processed m-1')\n"
                "threading.Thread(target=work).start()\n")
    assert unlocked_prints(threaded) == [3]
    locked = threaded.replace("    print('processed m-1')", "    with LOCK:\n        print('processed m-1')")
    assert unlocked_prints("LOCK = None\n" + locked) == []
    assert unlocked_prints("print('sent m-1')\n") == []   # one thread: nothing to interleave with


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}/{p.name}")
def test_threaded_scripts_print_whole_lines(script: Path) -> None:
    lines = unlocked_prints(script.read_text(encoding="utf-8"))
    assert not lines, (f"{script}: print() outside a lock at line(s) {lines}, in a script that starts threads; "
                       "print through one helper that holds a threading.Lock (see `say` in "
                       "lessons/09-rebalances-and-offsets/examples/static-restart.py)")
