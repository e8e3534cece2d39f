"""What the learner sees after submitting: per-option marks and feedback, then the explanation."""

from __future__ import annotations

import re

from engine.learner.grading import QuestionGrade, QuizGrade
from engine.model import Question


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _first_words(prompt: str) -> str:
    """The prompt's first paragraph of prose: a code block first (a config to read) is not a title."""
    prose = [p for p in re.sub(r"^```.*?^```[ \t]*$", "", prompt, flags=re.S | re.M).split("\n\n") if p.strip()]
    return prose[0] if prose else prompt


def question_feedback(question: Question, grade: QuestionGrade, shown: list[int]) -> str:
    """Markdown: a verdict, each option (in the order shown) marked, chosen options' feedback."""
    if grade.correct:
        verdict = "**✓ Correct.**"
    elif grade.credit > 0:
        verdict = f"**◐ Partly right** ({grade.credit:.0%} credit)."
    elif not grade.given:
        verdict = "**✗ Not answered.**"
    else:
        verdict = "**✗ Not quite.**"
    lines = [verdict, ""]
    if question.kind == "order":
        lines.append("Your order, place by place:")
        lines.append("")
        for pos, (given, right) in enumerate(zip(grade.given or [0] * len(grade.expected), grade.expected), 1):
            mine = _one_line(question.options[given - 1].text) if given else "—"
            if given == right:
                lines.append(f"{pos}. ✓ {mine}")
            else:
                lines.append(f"{pos}. ✗ {mine}  ")
                lines.append(f"   *belongs here:* {_one_line(question.options[right - 1].text)}")
    else:
        for n in shown:
            option = question.options[n - 1]
            chosen = n in grade.given
            if chosen and option.correct:
                mark, note = "✓", "your choice, right"
            elif chosen:
                mark, note = "✗", "your choice, wrong"
            elif option.correct:
                mark, note = "○", "right, not chosen"
            else:
                mark, note = "·", "not chosen"
            lines.append(f"- {mark} {_one_line(option.text)} — *{note}*")
            if chosen and option.feedback:
                lines.append(f"  > {_one_line(option.feedback)}")
    if question.explanation:
        lines += ["", "**Explanation.** " + question.explanation.strip()]
    return "\n".join(lines)


def quiz_summary(title: str, grade: QuizGrade, questions: list[Question]) -> str:
    """Markdown: score against the passing grade, then one line per question."""
    return quiz_score(title, grade) + "\n\n" + quiz_table(grade, questions)


def quiz_score(title: str, grade: QuizGrade) -> str:
    """Markdown: the score against the passing grade (what the screen shows first, with the next steps)."""
    verdict = "**Passed** ✓" if grade.passed else "**Not passed yet** ✗"
    return "\n".join([
        f"## {title}: {grade.score:g} / {grade.max} ({grade.percent:g}%)",
        "",
        f"{verdict} — the passing grade is {grade.passing_grade}%.",
    ])


def quiz_table(grade: QuizGrade, questions: list[Question]) -> str:
    """Markdown: one line per question, right or not."""
    lines = [
        "| # | Question | Result |",
        "|---|---|---|",
    ]
    for i, (question, qgrade) in enumerate(zip(questions, grade.questions), 1):
        prompt = _one_line(_first_words(question.prompt)).replace("|", "\\|")
        if len(prompt) > 60:
            prompt = prompt[:59] + "…"
        result = "✓" if qgrade.correct else (f"◐ {qgrade.credit:.0%}" if qgrade.credit > 0 else "✗")
        lines.append(f"| {i} | {prompt} | {result} |")
    return "\n".join(lines)
