"""One attempt at a quiz: which questions are asked and in what order each one's options are shown.

Shared by every place a learner takes a quiz (the app's quiz screen, `course quiz` in the plain
terminal), so attempt N of a quiz looks the same wherever it is taken.
"""

from __future__ import annotations

import random

from engine.model import Question, Quiz


def plan_attempt(quiz: Quiz, attempt: int) -> tuple[list[Question], dict[str, list[int]]]:
    """The questions to ask and the order to show each one's options (1-based option numbers).

    Seeded by quiz id and attempt, so an attempt looks the same every time it is drawn.
    Ordering questions are always shown out of order (else the answer is the order shown).
    """
    rng = random.Random(f"{quiz.id}/{attempt}")
    questions = list(quiz.questions)
    if quiz.options.shuffle_questions:
        rng.shuffle(questions)
    if quiz.options.n_questions:
        questions = questions[: quiz.options.n_questions]
    orders: dict[str, list[int]] = {}
    for q in questions:
        order = list(range(1, len(q.options) + 1))
        if q.kind == "order" or quiz.options.shuffle_answers:
            rng.shuffle(order)
        if q.kind == "order" and len(order) > 1 and order == sorted(order):
            order = order[1:] + order[:1]
        orders[q.id] = order
    return questions, orders
