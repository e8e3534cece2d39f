"""The section Markdown reader on small pages of our own."""

from __future__ import annotations

from tests.paths import FIXTURES as ALL_FIXTURES

from pathlib import Path

from engine.content.page import parse_page, read_page
from engine.model import CodeGroup, Diagram, Heading, Markdown, Shortcode

FIXTURES = ALL_FIXTURES / "content"
FIRST = FIXTURES / "course" / "lessons" / "01-first-steps" / "index.md"


def test_blocks_of_a_lesson() -> None:
    page = read_page(FIRST, lesson_id="01-first-steps")
    kinds = [type(b).__name__ for b in page.blocks]
    assert kinds == ["Heading", "Markdown", "Heading", "CodeGroup", "Markdown", "CodeGroup", "Diagram",
                     "Shortcode", "Markdown", "Heading"]
    assert page.front_matter["linkTitle"] == "First steps"
    assert page.title == "First steps with a log"
    assert page.weight == 20


def test_labelled_fences_form_one_group_and_a_lone_fence_its_own() -> None:
    page = read_page(FIRST)
    groups = [b for b in page.blocks if isinstance(b, CodeGroup)]
    assert [s.label for s in groups[0].samples] == ["Python", "Java"]
    assert groups[0].languages == ["python", "java"]
    assert groups[0].sample("java").code == 'producer.send(new ProducerRecord<>("orders", "order-1"));'
    assert groups[0].line == 18  # the first label line
    assert [(s.language, s.label, s.code) for s in groups[1].samples] == [("text", "", "plain output")]


def test_ref_becomes_lesson_link_and_katex_math_text() -> None:
    page = read_page(FIRST)
    text = page.blocks[1].text
    assert '[retries](lesson:02-retries "Retries")' in text
    assert "$O(n)$" in text
    assert "{{<" not in text


def test_mermaid_diagram_unknown_shortcode_and_headings() -> None:
    page = read_page(FIRST)
    diagram = next(b for b in page.blocks if isinstance(b, Diagram))
    assert diagram.kind == "mermaid" and diagram.source.startswith("sequenceDiagram")
    sc = next(b for b in page.blocks if isinstance(b, Shortcode))
    assert sc.name == "callout" and sc.text == "{{< callout >}}" and sc.line == 41
    assert [(p.line, p.severity) for p in page.problems] == [(41, "warning")]
    heads = [b for b in page.blocks if isinstance(b, Heading)]
    assert [(h.level, h.anchor) for h in heads] == [(2, "first-steps"), (3, "sending-one-record"),
                                                   (2, "first-steps-1")]
    # A bold line followed by more text is ordinary Markdown, not a code label.
    assert "**Note** this bold line" in page.blocks[8].text


def test_quizdown_block_is_cut_out_of_the_lesson() -> None:
    page = read_page(FIXTURES / "course" / "lessons" / "02-retries" / "index.md", lesson_id="02-retries")
    assert page.quiz is not None and page.quiz.id == "02-retries"
    assert len(page.quiz.questions) == 3
    assert not any("quizdown" in getattr(b, "text", "") for b in page.blocks)
    assert "quizdown" not in page.text_without_quiz() and "Retrying a send" in page.text_without_quiz()


def test_bare_ref_and_ref_with_anchor() -> None:
    page = parse_page('---\ntitle: t\n---\nSee {{< ref "/book/2/1#leaders" >}} and {{< relref "x/index.md" >}}.\n')
    text = page.blocks[0].text
    assert "[book/2/1#leaders](lesson:book/2/1#leaders)" in text
    assert "[x](lesson:x)" in text


def test_crlf_bom_and_missing_closing_shortcode_are_reported_not_fatal(tmp_path: Path) -> None:
    p = tmp_path / "index.md"
    p.write_bytes(b"\xef\xbb\xbf---\r\ntitle: T\r\n---\r\n\r\n## H\r\n\r\n{{< quizdown >}}\r\n\r\n### Q?\r\n\r\n"
                  b"- [x] a  \r\n- [ ] b\r\n")
    page = read_page(p, lesson_id="x")
    assert page.front_matter == {"title": "T"}
    assert [b.text for b in page.blocks if isinstance(b, Heading)] == ["H"]
    assert page.quiz is not None and [o.text for o in page.quiz.questions[0].options] == ["a", "b"]
    messages = [p.message for p in page.problems]
    assert any("CRLF" in m for m in messages)
    assert any("never closed" in m for m in messages)
    assert all(p.severity == "warning" for p in page.problems)


def test_mojibake_and_bad_bytes_are_located(tmp_path: Path) -> None:
    p = tmp_path / "index.md"
    p.write_bytes("---\ntitle: T\n---\n\nCopyright Â© 2024\n".encode() + b"bad \xff byte\n")
    page = read_page(p)
    by_msg = {p.message.split(" ")[0]: p for p in page.problems}
    moj = next(x for x in page.problems if "mojibake" in x.message)
    assert (moj.line, moj.column) == (5, 11) and "'©'" in moj.message
    bad = next(x for x in page.problems if "UTF-8" in x.message and "bytes" in x.message)
    assert (bad.line, bad.column) == (6, 5)
    assert by_msg  # both reported, and the page still has its text
    assert "byte" in page.blocks[-1].text


def test_broken_front_matter_is_an_error_with_line_and_column() -> None:
    page = parse_page("---\ntitle: ok\ntags: [a, b\n---\n\nText.\n", file="p.md")
    assert not page.front_matter_ok
    (problem,) = page.problems
    assert problem.file == "p.md" and problem.severity == "error" and problem.line >= 3 and problem.column > 0
    assert isinstance(page.blocks[0], Markdown) and page.blocks[0].text == "Text."


def test_escaped_shortcodes_in_a_fence_are_code_not_shortcodes() -> None:
    page = parse_page("```md\n{{</* quizdown */>}}\n### Q\n{{</* /quizdown */>}}\n```\n")
    assert page.quiz is None and not page.problems
    (group,) = page.blocks
    assert isinstance(group, CodeGroup) and "{{< quizdown >}}" in group.samples[0].code


def test_inline_shortcodes_katex_block_and_refs_in_headings() -> None:
    src = ("## See {{< ref \"/b/1\" >}}\n\nText {{< badge \"new\" >}} inline.\n\n"
           "{{< katex display >}}  \nx^2 + y^2\n{{< /katex >}}\n\n{{< /quizdown >}}\n")
    page = parse_page(src, file="p.md")
    heading, text, math = page.blocks
    assert isinstance(heading, Heading) and heading.text == "See [b/1](lesson:b/1)" and heading.anchor == "see-b1"
    assert '{{< badge "new" >}}' in text.text
    assert isinstance(math, Markdown) and math.text == "$$\nx^2 + y^2\n$$" and math.line == 5
    got = [(p.line, p.column, p.message.split(";")[0]) for p in page.problems]
    assert got == [(3, 10, "unknown shortcode `badge`"), (9, 0, "`{{< /quizdown >}}` closes nothing")]
    assert page.quiz is None


def test_shortcode_lines_with_trailing_spaces_and_a_second_quiz() -> None:
    src = "Intro\n\n{{< quizdown >}}   \n### Q\n- [x] a\n- [ ] b\n{{< /quizdown >}}  \n\n{{< quizdown >}}\n" \
          "### R\n- [x] c\n- [ ] d\n{{< /quizdown >}}\nOutro\n"
    page = parse_page(src, file="p.md", lesson_id="x/y")
    assert page.quiz is not None and page.quiz.id == "x-y" and len(page.quiz.questions) == 1
    assert [p.line for p in page.problems] == [9] and "second quizdown block" in page.problems[0].message
    assert page.quiz_lines == (2, 7)
    assert page.text_without_quiz().startswith("Intro\n\n{{< quizdown >}}\n### R")
    assert [b.text for b in page.blocks if isinstance(b, Markdown)] == ["Intro", "Outro"]


def test_a_label_names_the_language_of_a_bare_fence() -> None:
    page = parse_page("**Python**\n\n```\nprint(1)\n```\n\n**Go**\n```go\nfmt.Println(1)\n```\n")
    (group,) = page.blocks
    assert isinstance(group, CodeGroup)
    assert [(s.language, s.label, s.line) for s in group.samples] == [("python", "Python", 1), ("go", "Go", 7)]


def test_parse_page_reports_cr_line_ends_too() -> None:
    page = parse_page("\ufeffone\r\ntwo\rthree\n", file="p.md")
    assert page.text == "one\ntwo\nthree\n" and page.blocks[0].text == "one\ntwo\nthree"
    assert [(p.line, p.severity) for p in page.problems] == [(1, "warning")] and "CRLF" in page.problems[0].message
