"""Pass rules of self-check exercises: small boolean expressions over a run's counts,
e.g. `lost == 0 and duplicates == 0`. Parsed with `ast` and checked: nothing else is evaluated."""

from __future__ import annotations

import ast
import operator
from dataclasses import dataclass
from typing import Callable, Mapping

_CMP: dict[type, Callable[[int, int], bool]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt,
    ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge,
}


class RuleError(ValueError):
    """A pass rule that uses something other than counts, numbers, comparisons, and/or/not."""


@dataclass(frozen=True)
class PassRule:
    text: str
    tree: ast.Expression
    names: frozenset[str]

    def holds(self, values: Mapping[str, int]) -> bool:
        return bool(_eval(self.tree.body, values))

    def failing_parts(self, values: Mapping[str, int]) -> list[str]:
        """The comparisons that do not hold, as written (to explain a failure)."""
        parts = []
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Compare) and not _eval(node, values):
                parts.append(ast.unparse(node))
        return parts


def parse_rule(text: str, allowed: set[str] | frozenset[str]) -> PassRule:
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise RuleError(f"not a rule: {exc.msg}; write e.g. `lost == 0 and duplicates == 0`") from None
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if node.id not in allowed:
                raise RuleError(f"`{node.id}` is not counted; use: {', '.join(sorted(allowed))}")
            names.add(node.id)
        elif not isinstance(node, (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not,
                                   ast.Compare, ast.Constant, ast.Load, *_CMP)):
            raise RuleError(f"`{ast.unparse(node)}` is not allowed; use counts, numbers, comparisons, and/or/not")
        if isinstance(node, ast.Constant) and not isinstance(node.value, int):
            raise RuleError(f"`{node.value!r}` is not a whole number")
    return PassRule(text.strip(), tree, frozenset(names))


def _eval(node: ast.AST, values: Mapping[str, int]) -> int | bool:
    if isinstance(node, ast.BoolOp):
        results = [_eval(v, values) for v in node.values]
        return all(results) if isinstance(node.op, ast.And) else any(results)
    if isinstance(node, ast.UnaryOp):
        return not _eval(node.operand, values)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, values)
        for op, right_node in zip(node.ops, node.comparators):
            right = _eval(right_node, values)
            if not _CMP[type(op)](left, right):
                return False
            left = right
        return True
    if isinstance(node, ast.Name):
        return int(values[node.id])
    if isinstance(node, ast.Constant):
        return node.value
    raise RuleError(f"cannot evaluate `{ast.unparse(node)}`")
