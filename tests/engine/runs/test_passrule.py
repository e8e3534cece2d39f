"""Pass rules are evaluated from a checked AST: counts, numbers, comparisons, and/or/not only."""

from __future__ import annotations

import pytest

from engine.runs.passrule import RuleError, parse_rule

COUNTS = {"lost", "duplicates", "acknowledged", "sent"}


def test_rule_holds_and_names_what_failed() -> None:
    rule = parse_rule("lost == 0 and duplicates == 0 and acknowledged == sent", COUNTS)
    assert rule.names == {"lost", "duplicates", "acknowledged", "sent"}
    assert rule.holds({"lost": 0, "duplicates": 0, "acknowledged": 5, "sent": 5})
    values = {"lost": 3, "duplicates": 0, "acknowledged": 2, "sent": 5}
    assert not rule.holds(values)
    assert rule.failing_parts(values) == ["lost == 0", "acknowledged == sent"]


def test_or_not_and_chained_comparisons() -> None:
    rule = parse_rule("not lost > 0 or 1 <= duplicates < 3", COUNTS)
    assert rule.holds({"lost": 0, "duplicates": 9})
    assert rule.holds({"lost": 4, "duplicates": 2})
    assert not rule.holds({"lost": 4, "duplicates": 3})


@pytest.mark.parametrize("text, says", [
    ("__import__('os').system('true')", "not allowed"),
    ("lost.real == 0", "not allowed"),
    ("lost == 'none'", "not a whole number"),
    ("[x for x in ()]", "not allowed"),
    ("lots == 0", "`lots` is not counted"),
    ("lost =", "not a rule"),
])
def test_anything_else_is_refused_with_a_reason(text: str, says: str) -> None:
    with pytest.raises(RuleError, match=says):
        parse_rule(text, COUNTS)
