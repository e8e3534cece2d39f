"""The import contracts in pyproject.toml ([tool.importlinter]) hold, and they are known to bite.

The contracts keep the layers apart: the engine (content, runs, learner state, the sandbox cluster)
runs headless without Textual or the app; the sandbox is a Kafka cluster and knows nothing of the
course; the app reaches the sandbox only through the `engine.sandbox` package; screens and widgets
never import the app (they post messages to it), and the app's packages import each other without
cycles. `lint-imports` (import-linter, pinned in the test extra) checks them from the source.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.paths import ROOT

LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

# One module that breaks each contract: contract name -> (path of a new module, its source, what the
# report must then say).
BREAKERS = {
    "The engine runs headless": ("engine/_layer_probe.py", "import textual\n", "engine._layer_probe -> textual"),
    "The sandbox is a cluster and nothing else": (
        "engine/sandbox/_layer_probe.py", "import engine.runs.runner\n", "engine.sandbox._layer_probe -> engine.runs"),
    "The app reaches the sandbox through the engine.sandbox package only": (
        "course/_layer_probe.py", "from engine.sandbox.cluster import *  # noqa: F403\n",
        "course._layer_probe -> engine.sandbox.cluster"),
    "Screens and widgets hear from the app through messages": (
        "course/widgets/_layer_probe.py", "import course.app\n", "course.widgets._layer_probe -> course.app"),
    "No import cycles between the app's packages": (
        "course/widgets/_cycle_probe.py", "import course.screens.lesson\n", ".widgets -> .screens"),
}


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    """Run `lint-imports` on the packages in `tree`, with `tree`'s pyproject.toml."""
    assert LINT_IMPORTS.exists(), f"{LINT_IMPORTS} is missing: install the test extra (pip install -e '.[test]')"
    env = dict(os.environ, PYTHONPATH=str(tree))  # the tree's packages before any installed copy
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--config", str(tree / "pyproject.toml")],
                          cwd=tree, env=env, capture_output=True, text=True, timeout=300)


def verdicts(output: str) -> dict[str, str]:
    """Each contract's verdict in the report, KEPT or BROKEN (or MISSING), by the start of its name."""
    text = " ".join(output.split())  # long names wrap over lines
    found: dict[str, str] = {}
    for name in BREAKERS:
        start = text.find(name)
        after = text[start:] if start >= 0 else ""
        marks = [(i, word) for word in ("KEPT", "BROKEN") if (i := after.find(f" {word}")) >= 0]
        found[name] = min(marks)[1] if marks else "MISSING"
    return found


def test_the_code_keeps_every_import_contract() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert verdicts(result.stdout) == {name: "KEPT" for name in BREAKERS}, result.stdout


def test_each_contract_fails_when_a_module_breaks_it(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for package in ("engine", "course"):
        shutil.copytree(ROOT / package, tree / package, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    for path, source, _ in BREAKERS.values():
        (tree / path).write_text(source, encoding="utf-8")

    result = lint_imports(tree)

    assert result.returncode != 0, result.stdout
    assert verdicts(result.stdout) == {name: "BROKEN" for name in BREAKERS}, result.stdout
    for _, _, said in BREAKERS.values():  # and the report points at the import that broke it
        assert said in result.stdout, f"{said!r} not in the report:\n{result.stdout}"
