"""Pages read as Hugo reads them: shortcodes before Markdown, KaTeX forms, nesting, `{{% %}}`,
escapes, and front matter in YAML, TOML and JSON. Small pages of our own."""

from __future__ import annotations

from pathlib import Path

from engine.content.importer import import_paths
from engine.content.page import parse_page
from engine.content.quizfile import load_quiz
from engine.content.shortcodes import lex, nest
from engine.model import CodeGroup, Heading, Markdown, Shortcode

QUIZ = "{{< quizdown >}}\n\n### Which acks setting waits for all in-sync replicas?\n\n- [x] all\n- [ ] 1\n\n" \
       "{{< /quizdown >}}\n"


def _warnings(page) -> list[tuple[int, str]]:
    return [(p.line, p.message) for p in page.problems]


def test_self_closing_katex_is_a_page_switch_not_an_opening_tag() -> None:
    page = parse_page("---\ntitle: T\n---\n{{< katex />}}\n\nThe sum of lags.\n\n" + QUIZ, file="p.md")
    assert page.math
    assert page.quiz is not None and len(page.quiz.questions) == 1
    assert page.problems == []
    assert [b.text for b in page.blocks] == ["The sum of lags."]
    # the switch may also come last, right after the quiz
    after = parse_page("## Lag\n\n" + QUIZ + "{{< katex />}}\n\n", file="p.md")
    assert after.math and after.problems == [] and after.quiz is not None
    assert [type(b).__name__ for b in after.blocks] == ["Heading"]


def test_katex_pair_on_one_line_is_inline_math_and_the_quiz_after_it_survives() -> None:
    src = "Lag is\n\n{{< katex >}}L = \\sum_p (e_p - c_p){{< /katex >}}\n\nper group.\n\n" + QUIZ
    page = parse_page(src, file="p.md")
    assert page.problems == []
    assert page.quiz is not None and [o.text for o in page.quiz.questions[0].options] == ["all", "1"]
    assert page.blocks[0].text == "Lag is\n\n$L = \\sum_p (e_p - c_p)$\n\nper group."
    assert page.math


def test_a_quiz_after_an_unclosed_code_fence_is_still_a_quiz() -> None:
    src = "Intro\n\n```java\nproducer.send(record);\n\n" + QUIZ
    page = parse_page(src, file="p.md")
    assert page.quiz is not None and len(page.quiz.questions) == 1
    # the only warning is the real problem: the fence that swallows the rest of the page
    (problem,) = page.problems
    assert problem.line == 3 and "never closed" in problem.message and "```" in problem.message
    assert isinstance(page.blocks[1], CodeGroup) and "quizdown" not in page.blocks[1].samples[0].code


def test_shortcodes_inside_a_fence_run_as_in_hugo_and_escapes_show_literally() -> None:
    escaped = parse_page("```md\n{{</* quizdown */>}}\n### Q\n{{</* /quizdown */>}}\n```\n")
    assert escaped.quiz is None and escaped.problems == []
    (group,) = escaped.blocks
    assert isinstance(group, CodeGroup)
    assert group.samples[0].code == "{{< quizdown >}}\n### Q\n{{< /quizdown >}}"
    # Not escaped, Hugo runs it even inside a fence: the quiz is a quiz
    running = parse_page("```md\n" + QUIZ + "```\n")
    assert running.quiz is not None and len(running.quiz.questions) == 1


def test_escapes_are_never_processed_even_when_they_span_tags() -> None:
    src = ('Write {{</* ref "/kafka/1" */>}} for a link and {{%/* katex */%}} for math.\n\n'
           "{{</* katex display >}}\nx^2\n{{< /katex */>}}\n")
    page = parse_page(src, file="p.md")
    assert page.problems == [] and not page.math
    text = page.blocks[0].text
    assert 'Write {{< ref "/kafka/1" >}} for a link and {{% katex %}} for math.' in text
    assert "{{< katex display >}}\nx^2\n{{< /katex >}}" in text
    assert "lesson:" not in text and "$" not in text


def test_nested_shortcodes_pair_with_their_own_closing_tags() -> None:
    src = ("{{< details \"Outer\" >}}\n\nBefore.\n\n{{< details \"Inner\" >}}\nDeep {{< katex >}}x{{< /katex >}}\n"
           "{{< /details >}}\n\nAfter.\n\n{{< /details >}}\n\n"
           "{{< quizdown >}}\n### Is {{< katex >}}n+1{{< /katex >}} more than n? See {{< ref \"/b/2\" >}}\n"
           "- [x] yes\n- [ ] no\n{{< /quizdown >}}\n")
    page = parse_page(src, file="p.md")
    shortcodes = [b for b in page.blocks if isinstance(b, Shortcode)]
    assert [(s.text, s.line) for s in shortcodes] == [('{{< details "Outer" >}}', 1), ('{{< details "Inner" >}}', 5),
                                                      ("{{< /details >}}", 7), ("{{< /details >}}", 11)]
    assert any(isinstance(b, Markdown) and b.text == "Deep $x$" for b in page.blocks)
    # one warning per unknown shortcode opened, none for the closings that pair with them
    assert [(p.line, p.message.split(";")[0]) for p in page.problems] == [(1, "unknown shortcode `details`"),
                                                                          (5, "unknown shortcode `details`")]
    # shortcodes nested in the quiz are rendered first, as Hugo renders a shortcode's inner content
    assert page.quiz is not None
    assert page.quiz.questions[0].prompt == "Is $n+1$ more than n? See [b/2](lesson:b/2)"


def test_nesting_closes_the_nearest_open_tag_of_the_name() -> None:
    text = "{{< a >}}{{< b >}}{{< a >}}{{< /a >}}{{< /a >}}{{< c >}}"
    outer, c = nest(lex(text)[0], len(text), leaf=frozenset(), to_end=frozenset())
    assert outer.name == "a" and outer.close is not None and outer.close.start == text.rindex("{{< /a >}}")
    b, inner = outer.children
    assert b.name == "b" and b.unclosed and b.close is None and b.children == []
    assert inner.name == "a" and inner.close is not None and inner.close.start == text.index("{{< /a >}}")
    assert c.name == "c" and c.unclosed


def test_percent_shortcodes_work_like_angle_ones_and_a_mismatched_end_is_reported() -> None:
    src = ('See [x]({{% ref "/b/1" %}}) and {{% katex %}}a+b{{% /katex %}}.\n\n'
           "{{% quizdown %}}\n### Q?\n- [x] a\n- [ ] b\n{{% /quizdown %}}\n\nAnd {{< badge %}} here.\n")
    page = parse_page(src, file="p.md")
    assert page.blocks[0].text == "See [x](lesson:b/1) and $a+b$."
    assert page.quiz is not None and len(page.quiz.questions) == 1
    assert [(p.line, p.message.split(";")[0]) for p in page.problems] == [
        (9, "`{{< badge %}}` opens with `{{<` but ends with `%}}`"), (9, "unknown shortcode `badge`")]


def test_a_quiz_opened_within_a_line_is_cut_out_of_that_line_only() -> None:
    src = "Try this: {{< quizdown >}}\n### Q?\n- [x] a\n- [ ] b\n{{< /quizdown >}} Then read on.\n"
    page = parse_page(src, file="p.md", lesson_id="x")
    assert page.problems == [] and page.quiz is not None and page.quiz.questions[0].line == 2
    assert page.text_without_quiz() == "Try this:  Then read on.\n"
    assert [b.text.strip() for b in page.blocks] == ["Try this:", "Then read on."]


def test_unclosed_katex_is_reported_and_swallows_nothing() -> None:
    page = parse_page("{{< katex >}}\n\nText.\n\n" + QUIZ, file="p.md")
    assert page.quiz is not None and len(page.quiz.questions) == 1
    (problem,) = page.problems
    assert problem.line == 1 and "never closed" in problem.message and "{{< katex />}}" in problem.message
    assert page.blocks[0].text == "Text."


def test_toml_front_matter() -> None:
    page = parse_page('+++\ntitle = "Fencing"\nnav_weight = 30\ntags = ["eos"]\n+++\n\n## Zombies\n', file="p.md")
    assert page.front_matter_format == "toml" and page.front_matter_ok and page.problems == []
    assert page.front_matter == {"title": "Fencing", "nav_weight": 30, "tags": ["eos"]}
    assert page.weight == 30 and [b.text for b in page.blocks if isinstance(b, Heading)] == ["Zombies"]


def test_json_front_matter() -> None:
    src = '{\n  "title": "Retries {not a brace}",\n  "nav_weight": 4\n}\n\nBody {{< ref "/b/1" >}}.\n'
    page = parse_page(src, file="p.md")
    assert page.front_matter_format == "json" and page.problems == []
    assert page.front_matter == {"title": "Retries {not a brace}", "nav_weight": 4}
    assert [(b.text, b.line) for b in page.blocks] == [("Body [b/1](lesson:b/1).", 6)]


def test_broken_toml_and_json_front_matter_are_errors_at_their_place() -> None:
    toml = parse_page('+++\ntitle = "ok"\nweight 3\n+++\nText.\n', file="p.md")
    (err,) = toml.problems
    assert not toml.front_matter_ok and err.severity == "error" and (err.line, err.column) == (3, 8)
    assert "not valid TOML" in err.message
    js = parse_page('{\n  "title": "ok",\n  "weight": ,\n}\nText.\n', file="p.md")
    (err,) = js.problems
    assert not js.front_matter_ok and (err.line, err.column) == (3, 13) and "not valid JSON" in err.message
    unclosed = parse_page("+++\ntitle = 1\n\nText.\n", file="p.md")
    (warn,) = unclosed.problems
    assert unclosed.front_matter_ok and warn.severity == "warning" and "no `+++` line closes" in warn.message


def test_a_page_with_each_hugo_form_imports_its_quiz(tmp_path: Path) -> None:
    book = tmp_path / "book"
    (book / "1").mkdir(parents=True)
    (book / "_index.md").write_text('+++\ntitle = "Book"\n+++\n')
    (book / "1" / "index.md").write_text(
        '{\n "title": "Lag"\n}\n{{< katex />}}\n\n{{< katex >}}x_1{{< /katex >}}\n\nWrite {{</* quizdown */>}} '
        "to start a quiz.\n\n```sh\nkafka-consumer-groups.sh --describe\n\n" + QUIZ)
    report = import_paths([book], tmp_path / "out")
    assert (report.pages, report.lessons, report.quizzes, report.questions) == (2, 2, 1, 1)
    assert report.errors == []
    (warning,) = report.warnings  # the unclosed fence, nothing else
    assert warning.line == 10 and "never closed" in warning.message
    quiz = load_quiz(tmp_path / "out" / "quizzes" / "1.yaml")
    assert quiz.lesson == "1" and len(quiz.questions) == 1
    lesson = (tmp_path / "out" / "lessons" / "1" / "index.md").read_text()
    assert "quizdown >}}\n\n###" not in lesson and "{{</* quizdown */>}}" in lesson


def test_a_tag_written_over_several_lines_keeps_the_lines_after_it_in_place() -> None:
    page = parse_page('See {{< ref\n  "/b/1" >}} now.\n\n## After\n', file="p.md")
    text, heading = page.blocks
    assert text.text.startswith("See [b/1](lesson:b/1)") and isinstance(heading, Heading) and heading.line == 4
