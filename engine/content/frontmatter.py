"""A page's front matter in the three formats Hugo reads.

- YAML between two `---` lines;
- TOML between two `+++` lines;
- JSON: an object that opens the page with `{` and ends at its matching `}`.

The front matter must start on the page's first line. One that is never closed is not front
matter (Hugo would refuse the page): it is read as page text, with a warning. Data that does not
parse is an error at its line and column, and the page's front matter counts as broken.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

import yaml

from engine.problems import Problem

_TOML_AT = re.compile(r"\(at line (\d+), column (\d+)\)")
_FENCES = {"---": "YAML", "+++": "TOML"}


@dataclass
class FrontMatter:
    """What the top of a page holds: its data, the lines it takes, and what is wrong with it."""

    format: str = ""  # "yaml", "toml", "json", or "" for none
    data: dict[str, Any] = field(default_factory=dict)
    lines: int = 0  # lines at the top of the page it takes, its delimiters included
    problems: list[Problem] = field(default_factory=list)
    ok: bool = True


def read_front_matter(lines: list[str], file: str) -> FrontMatter:
    """The front matter at the top of a page given as lines (LF line ends)."""
    if not lines:
        return FrontMatter()
    first = lines[0].rstrip()
    if first in _FENCES:
        close = next((k for k in range(1, len(lines)) if lines[k].rstrip() == first), None)
        if close is None:
            return FrontMatter(problems=[Problem(file, 1, f"the page starts with `{first}` but no `{first}` line "
                                                 f"closes the {_FENCES[first]} front matter; it is read as page "
                                                 f"text: add a `{first}` line after the front matter",
                                                 severity="warning")])
        content = "\n".join(lines[1:close])
        fm = FrontMatter("yaml" if first == "---" else "toml", lines=close + 1)
        data = _yaml(content, file, fm) if first == "---" else _toml(content, file, fm)
    elif first.startswith("{") and not first.startswith("{{"):
        text = "\n".join(lines)
        end = _json_end(text)
        if end is None:
            return FrontMatter(problems=[Problem(file, 1, "the page starts with `{` but no `}` closes the JSON "
                                                 "front matter; it is read as page text: close the object",
                                                 severity="warning")])
        fm = FrontMatter("json", lines=text.count("\n", 0, end) + 1)
        data = _json(text[: end + 1], file, fm)
    else:
        return FrontMatter()
    if data is None:
        fm.ok = False
    elif not isinstance(data, dict):
        fm.problems.append(Problem(file, 2 if fm.format != "json" else 1,
                                   "the front matter must be a set of named values such as `title`"))
        fm.ok = False
    else:
        fm.data = {str(k): v for k, v in data.items()}
    return fm


def _yaml(content: str, file: str, fm: FrontMatter) -> Any:
    try:
        return yaml.safe_load(content) if content.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        fm.problems.append(Problem(file, (mark.line + 2) if mark else 1,
                                   f"the front matter is not valid YAML ({getattr(exc, 'problem', None) or exc}); "
                                   "write `key: value` lines between the `---` lines and quote values that "
                                   "hold `:` or `#`", (mark.column + 1) if mark else 0))
        return None


def _toml(content: str, file: str, fm: FrontMatter) -> Any:
    try:
        return tomllib.loads(content)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        at = _TOML_AT.search(message)
        reason = _TOML_AT.sub("", message).strip()
        fm.problems.append(Problem(file, int(at.group(1)) + 1 if at else 1,
                                   f"the front matter is not valid TOML ({reason}); write `key = value` lines "
                                   "between the `+++` lines and quote text values",
                                   int(at.group(2)) if at else 0))
        return None


def _json(content: str, file: str, fm: FrontMatter) -> Any:
    try:
        return json.loads(content)
    except json.JSONDecodeError as exc:
        fm.problems.append(Problem(file, exc.lineno, f"the front matter is not valid JSON ({exc.msg}); write "
                                   '`"key": value` pairs separated by commas inside the `{ }`', exc.colno))
        return None


def _json_end(text: str) -> int | None:
    """The offset of the `}` that closes the object opening `text` (strings and escapes respected)."""
    depth = 0
    in_string = False
    escaped = False
    for k, c in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif c == "\\":
                escaped = True
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return k
    return None
