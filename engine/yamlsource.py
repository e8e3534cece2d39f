"""YAML read safely, with the line and column of every value kept for error messages.

`load_located(text, filename)` returns the plain data (as `yaml.safe_load` would) and a
`Locator` that maps a path into that data (`("faults", 2, "do")`) back to where it was written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Hashable, Sequence

import yaml

from engine.problems import ContentError, Problem

Path_ = Sequence[Hashable]


@dataclass
class Locator:
    filename: str
    root: yaml.Node | None

    def position(self, path: Path_) -> tuple[int, int]:
        """1-based (line, column) of the value at `path`, or of its deepest existing parent."""
        node = self.root
        best = node
        for key in path:
            node = _child(node, key)
            if node is None:
                break
            best = node
        if best is None:
            return (1, 1)
        return (best.start_mark.line + 1, best.start_mark.column + 1)

    def key_position(self, path: Path_) -> tuple[int, int]:
        """Where the *key* of the last element of `path` is written (for unknown-field errors)."""
        parent = self.root
        for key in path[:-1]:
            parent = _child(parent, key)
            if parent is None:
                return self.position(path)
        if isinstance(parent, yaml.MappingNode):
            for k, _ in parent.value:
                if isinstance(k, yaml.ScalarNode) and k.value == str(path[-1]):
                    return (k.start_mark.line + 1, k.start_mark.column + 1)
        return self.position(path)

    def problem(self, path: Path_, message: str, *, key: bool = False, severity: str = "error") -> Problem:
        line, column = self.key_position(path) if key else self.position(path)
        return Problem(self.filename, line, message, column, severity)  # type: ignore[arg-type]


def _child(node: yaml.Node | None, key: Hashable) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == str(key):
                return v
    elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
        return node.value[key]
    return None


def load_located(text: str, filename: str) -> tuple[Any, Locator]:
    """Parse one YAML document; a syntax error becomes a ContentError at its line and column."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or "not valid YAML"
        if exc.context and exc.context_mark and exc.context_mark is not mark:
            # e.g. "while parsing a flow sequence" opened lines earlier: say where.
            what += f" ({exc.context} that starts at line {exc.context_mark.line + 1})"
        raise ContentError(
            [Problem(filename, line, f"{what}; check the indentation and quoting around here", column)]
        ) from None
    except yaml.YAMLError as exc:
        raise ContentError([Problem(filename, 1, f"not valid YAML: {exc}")]) from None
    finally:
        loader.dispose()
    return data, Locator(filename, node)
