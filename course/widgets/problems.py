"""Problems found in content, shown where the content would have been."""

from __future__ import annotations

from textual.widgets import Static

from engine.problems import Problem


def describe(problem: Problem) -> str:
    where = f"{problem.file}:{problem.line}" + (f":{problem.column}" if problem.column else "")
    return f"{problem.severity}: {where}: {problem.message}"


class ProblemsPanel(Static):
    """A bordered list of problems (errors and warnings, file:line:column first)."""

    def __init__(self, problems: list[Problem], title: str = "Problems in this lesson") -> None:
        has_error = any(p.severity == "error" for p in problems)
        super().__init__("\n".join(describe(p) for p in problems), markup=False,
                         classes="problems " + ("-error" if has_error else "-warning"))
        self.border_title = title
        self.problems = problems
