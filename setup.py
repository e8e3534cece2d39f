"""Ships lessons/, quizzes/ and exercises/ inside the wheel, as site-packages/course_content/.

Everything else is declared in pyproject.toml; engine.paths finds the content either in the
checkout or there.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

CONTENT = ("lessons", "quizzes", "exercises")


class BuildPyWithContent(build_py):
    def run(self) -> None:
        super().run()
        here = Path(__file__).resolve().parent
        for name in CONTENT:
            target = Path(self.build_lib) / "course_content" / name
            shutil.copytree(here / name, target, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildPyWithContent})
