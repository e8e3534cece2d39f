"""Problems found in course content: what is wrong, where, and what to do about it."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Iterable, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One error or warning, located at file:line:column (1-based; 0 = unknown)."""

    file: str
    line: int
    message: str
    column: int = 0
    severity: Severity = "error"

    def __str__(self) -> str:
        where = self.file if not self.line else f"{self.file}:{self.line}"
        if self.line and self.column:
            where += f":{self.column}"
        return f"{where}: {self.severity}: {self.message}"

    def to_json(self) -> dict:
        """The shape `course import --json` and `course validate --json` print."""
        out = {"file": self.file, "line": self.line, "message": self.message}
        if self.column:
            out["column"] = self.column
        if self.severity != "error":
            out["severity"] = self.severity
        return out


def did_you_mean(word: Any, choices: Iterable[str]) -> str:
    """` (did you mean `drop_requests`?)` for a misspelt name, or "" when nothing is close."""
    close = difflib.get_close_matches(word, list(choices), n=1) if isinstance(word, str) else []
    return f" (did you mean `{close[0]}`?)" if close else ""


def unknown_field(key: str, known: Iterable[str], what: str = "field") -> str:
    """The message for a key a file does not take: unknown field `tilte` (did you mean `title`?);
    expected one of: ... (scenarios, their topics, exercises)."""
    names = sorted(known)
    return f"unknown {what} `{key}`{did_you_mean(key, names)}; expected one of: {', '.join(names)}"


class ContentError(Exception):
    """Raised when content cannot be loaded at all; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class ProblemReport:
    """What a whole run over content found (import, validate): problems, split by severity."""

    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity != "error"]

    def problems_json(self) -> dict[str, Any]:
        return {"errors": [p.to_json() for p in self.errors], "warnings": [p.to_json() for p in self.warnings]}
