"""Property tests: Quiz YAML dump -> load gives the model back; readers never raise."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.content.course import parse_page
from engine.model import Option, Question, Quiz, QuizOptions
from engine.content.quizdown import parse_quizdown
from engine.content.quizfile import dump_quiz, load_quiz_text, read_quiz_text

# Text as instructors might write it, including YAML-significant characters and odd whitespace.
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
ident = st.from_regex(r"[a-z][a-z0-9-]{0,11}", fullmatch=True)
optional_text = st.none() | text

options = st.builds(
    QuizOptions,
    shuffle_answers=st.booleans(),
    shuffle_questions=st.booleans(),
    n_questions=st.none() | st.integers(0, 50),
    passing_grade=st.none() | st.integers(0, 100),
    partial=st.booleans(),
    enable_retry=st.booleans(),
    extra=st.dictionaries(st.from_regex(r"x[A-Za-z]{1,8}", fullmatch=True),
                          st.integers() | st.booleans() | text, max_size=2),
)


@st.composite
def questions(draw: st.DrawFn, qid: str) -> Question:
    kind = draw(st.sampled_from(["single", "multiple", "order"]))
    opts = draw(st.lists(st.builds(Option, text=text, correct=st.just(False), feedback=optional_text),
                         min_size=2, max_size=4))
    if kind == "single":
        opts[draw(st.integers(0, len(opts) - 1))].correct = True
    elif kind == "multiple":
        for i in draw(st.sets(st.integers(0, len(opts) - 1), min_size=1)):
            opts[i].correct = True
    return Question(qid, kind, draw(text), opts, draw(optional_text), draw(optional_text))  # type: ignore[arg-type]


@st.composite
def quizzes(draw: st.DrawFn) -> Quiz:
    ids = draw(st.lists(ident, min_size=1, max_size=4, unique=True))
    return Quiz(
        id=draw(ident), title=draw(text), questions=[draw(questions(i)) for i in ids], options=draw(options),
        lesson=draw(st.none() | ident), source=draw(st.none() | text),
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(quizzes())
def test_dump_then_load_is_the_same_model(quiz: Quiz) -> None:
    back = load_quiz_text(dump_quiz(quiz), "prop.yaml")
    for q in back.questions:
        q.line = 0
    assert back == quiz


# Pieces of section Markdown glued together at random: the readers' hard cases come up often.
markdownish = st.lists(
    st.sampled_from(list("#-*>`[]x {}<>/%\n\r\t1.:|$\"'") + ["{{< quizdown >}}", "{{< /quizdown >}}", "---\n",
                                                           "```", "**Java**", "{{< ref \"/a/b\" >}}",
                                                           "- [x] ", "1. [ ] ", "> **Explanation:** ",
                                                           "{{< katex >}}", "Â©", "\ufeff", "é", "\n### Q\n",
                                                           "  > ", "{{< note >}}"]),
    max_size=120,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(st.one_of(markdownish, st.text(max_size=200)))
def test_page_reader_never_raises(source: str) -> None:
    page = parse_page(source, file="p.md", lesson_id="a/b")
    assert not any("internal error" in p.message for p in page.problems), page.problems
    for p in page.problems:
        assert p.file == "p.md" and p.line >= 0


@settings(max_examples=200, deadline=None)
@given(st.one_of(markdownish, st.text(max_size=200)))
def test_quizdown_parser_never_raises(source: str) -> None:
    quiz, problems = parse_quizdown(source, file="q.md")
    for q in quiz.questions:
        assert q.options and (q.kind == "order" or any(o.correct for o in q.options))
        if q.kind == "single":
            assert sum(o.correct for o in q.options) == 1


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(st.sampled_from(list("-:{}[]#&*!|>'\"%@` \n\tqxyz0123")), max_size=200),
                 st.text(max_size=100)))
def test_quiz_yaml_reader_never_raises(source: str) -> None:
    quiz, problems = read_quiz_text(source, "f.yaml")
    assert not any("internal error" in p.message for p in problems), problems
    assert quiz is not None or problems
