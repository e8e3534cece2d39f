"""engine.learner.export: Moodle XML parses and round-trips the answer keys; GIFT read back by Moodle's rules."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from engine.learner.export import ExportError, export_quizzes, gift_escape, markdown_html
from engine.learner.grading import grade_question
from engine.model import Option, Question, Quiz, QuizOptions

# Moodle's grade list (lib/questionlib.php, question_bank::fraction_options_full), typed out
# independently of engine.learner.export so a wrong weight there cannot hide here.
MOODLE_GRADES = [1.0, 0.9, 0.8333333, 0.8, 0.75, 0.7, 0.6666667, 0.6, 0.5, 0.4, 0.3333333, 0.3, 0.25,
                 0.2, 0.1666667, 0.1428571, 0.125, 0.1111111, 0.1, 0.05, 0.0]
MOODLE_GRADES += [-g for g in MOODLE_GRADES if g]


def quizzes(partial: bool = False) -> list[Quiz]:
    tricky = 'Is `a < b && c > d` "true"? ]]> {x} ~ = # : \\ done'
    q1 = Question("q1", "single", "Which `acks` value waits for **all** in-sync replicas?\n\n```python\np = Producer({'acks': 'all'})\n```",
                  [Option("`acks=0`", feedback="Nobody waits."), Option("`acks=all`", True, "Right."), Option(tricky)],
                  explanation="The leader waits for the ISR.", hint="Think *replicas*.")
    q2 = Question("q2", "multiple", "Which can lose an acknowledged message?",
                  [Option("acks=1 & leader crash", True), Option("acks=all, min.insync=2"),
                   Option("unclean election", True), Option("idempotence on"), Option("a disk dies with \x07 bell", True)],
                  explanation="Line one.\n\nLine two: with a colon.")
    q3 = Question("q3", "order", "Order the hops", [Option("producer → leader"), Option("leader → followers"),
                                                    Option("broker → consumer"), Option("consumer processing")],
                  explanation="Weakest hop wins.")
    q4 = Question("q4", "multiple", "Only one right", [Option("yes", True), Option("no")])
    a = Quiz("semantics", "Delivery / semantics", [q1, q2, q3, q4],
             QuizOptions(shuffle_answers=True, partial=partial), lesson="01-where")
    b = Quiz("second", "Second quiz", [Question("s1", "single", "Pick B", [Option("A"), Option("B", True)])])
    return [a, b]


# ---------------------------------------------------------------- Moodle XML


def parse_moodle(text: str) -> dict[str, ET.Element]:
    root = ET.fromstring(text.encode("utf-8"))  # raises if not well-formed
    assert root.tag == "quiz"
    return {q.findtext("idnumber"): q for q in root.findall("question") if q.get("type") != "category"}


def test_moodle_xml_is_well_formed_with_one_category_per_quiz() -> None:
    text = export_quizzes(quizzes(), "moodle-xml").text
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>')
    root = ET.fromstring(text.encode("utf-8"))
    cats = [q.findtext("category/text") for q in root.findall("question[@type='category']")]
    assert cats == ["$course$/top/Delivery // semantics", "$course$/top/Second quiz"]
    assert sorted(parse_moodle(text)) == ["second/s1", "semantics/q1", "semantics/q2", "semantics/q3", "semantics/q4"]


@pytest.mark.parametrize("partial", [False, True])
def test_moodle_xml_round_trips_the_answer_keys(partial: bool) -> None:
    source = {f"{qz.id}/{q.id}": (qz, q) for qz in quizzes(partial) for q in qz.questions}
    parsed = parse_moodle(export_quizzes(quizzes(partial), "moodle-xml").text)
    assert parsed.keys() == source.keys()
    for key, el in parsed.items():
        quiz, q = source[key]
        answers = el.findall("answer")
        assert [a.findtext("text") for a in answers] == [strip_p(markdown_html(o.text)) for o in q.options]
        if q.kind == "order":
            assert el.get("type") == "ordering"
            order = sorted(range(len(answers)), key=lambda i: float(answers[i].get("fraction")))
            assert order == q.correct_indexes  # the items' positions give the written (right) order
            assert el.findtext("selecttype") == "ALL"
            assert el.findtext("gradingtype") == ("LONGEST_ORDERED_SUBSET" if partial else "ALL_OR_NOTHING")
            continue
        assert el.get("type") == "multichoice"
        assert el.findtext("single") == ("true" if q.kind == "single" else "false")
        assert el.findtext("shuffleanswers") == ("true" if quiz.options.shuffle_answers else "false")
        fractions = [float(a.get("fraction")) / 100 for a in answers]
        for f in fractions:  # Moodle refuses weights outside its list (within 5e-8)
            assert any(abs(f - g) < 5e-8 for g in MOODLE_GRADES), f
        assert [i for i, f in enumerate(fractions) if f > 0] == q.correct_indexes
        k = len(q.correct_indexes)
        if q.kind == "single":
            assert fractions == [1.0 if i in q.correct_indexes else 0.0 for i in range(len(q.options))]
        else:
            assert fractions == pytest.approx([1 / k if i in q.correct_indexes else -1 / k
                                               for i in range(len(q.options))], abs=1e-7)


def strip_p(html: str) -> str:
    return html[3:-4] if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1 else html


def test_moodle_scoring_of_the_exported_weights_equals_the_course_partial_rule() -> None:
    """Moodle: sum of the ticked answers' fractions, clamped to 0..1. Checked on every subset."""
    parsed = parse_moodle(export_quizzes(quizzes(), "moodle-xml").text)
    for key in ("semantics/q2", "semantics/q4"):
        el = parsed[key]
        q = next(q for q in quizzes()[0].questions if f"semantics/{q.id}" == key)
        fractions = [float(a.get("fraction")) / 100 for a in el.findall("answer")]
        for r in range(1, len(fractions) + 1):
            for picked in itertools.combinations(range(len(fractions)), r):
                moodle = min(1.0, max(0.0, sum(fractions[i] for i in picked)))
                ours = grade_question(q, [i + 1 for i in picked], partial=True).credit
                assert moodle == pytest.approx(ours, abs=1e-6), (key, picked)


def test_moodle_xml_carries_texts_feedback_and_hints() -> None:
    el = parse_moodle(export_quizzes(quizzes(), "moodle-xml").text)["semantics/q1"]
    assert el.find("questiontext").get("format") == "html"
    prompt = el.findtext("questiontext/text")
    assert "<strong>all</strong>" in prompt and '<code class="language-python">' in prompt
    assert el.findtext("generalfeedback/text") == "<p>The leader waits for the ISR.</p>"
    assert el.findtext("hint/text") == "<p>Think <em>replicas</em>.</p>"
    answers = el.findall("answer")
    assert answers[0].findtext("feedback/text") == "<p>Nobody waits.</p>"
    assert answers[2].find("feedback") is None
    # Markdown's raw HTML is escaped, not passed through: "<" stays text, never a tag.
    assert answers[2].findtext("text").startswith("Is <code>a &lt; b &amp;&amp; c &gt; d</code>")
    assert el.findtext("name/text").startswith("q1: Which acks value waits for all")


def test_control_characters_do_not_break_the_xml() -> None:
    parsed = parse_moodle(export_quizzes(quizzes(), "moodle-xml").text)
    assert parsed["semantics/q2"].findall("answer")[4].findtext("text") == "a disk dies with  bell"


def test_more_than_ten_correct_options_cannot_be_weighted() -> None:
    q = Question("big", "multiple", "?", [Option(str(i), True) for i in range(11)])
    with pytest.raises(ExportError, match="at most 10"):
        export_quizzes([Quiz("z", "Z", [q])], "moodle-xml")


def test_all_or_nothing_multiples_are_warned_about() -> None:
    warnings = export_quizzes(quizzes(partial=False), "moodle-xml").warnings
    assert warnings == ["semantics: q2, q4 are all-or-nothing in the course, but Moodle's multichoice gives "
                        "partial credit for multi-answer questions (right +100/k %, wrong -100/k %)"]
    assert export_quizzes(quizzes(partial=True), "moodle-xml").warnings == []


# ---------------------------------------------------------------- GIFT, read back the way Moodle reads it


def gift_unescape(text: str) -> str:
    """qformat_gift::escapedchar_pre + escapedchar_post, done at once."""
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), text)


def gift_blocks(text: str) -> list[list[str]]:
    """Questions are separated by blank lines; comment lines are dropped (as Moodle does)."""
    blocks, current = [], []
    for line in text.splitlines():
        if not line.strip():
            if current:
                blocks.append(current)
            current = []
        elif not line.strip().startswith("//"):
            current.append(line)
    if current:
        blocks.append(current)
    return blocks


def split_unescaped(text: str, chars: str) -> list[str]:
    """Split before each unescaped char in `chars` (the separators stay at the start of each part)."""
    parts, start, i = [], 0, 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] in chars and i > start:
            parts.append(text[start:i])
            start = i
        i += 1
    parts.append(text[start:])
    return parts


def find_unescaped(text: str, char: str) -> int:
    i = 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == char:
            return i
        i += 1
    return -1


def read_gift(text: str) -> tuple[list[str], dict[str, dict]]:
    categories, questions = [], {}
    for block in gift_blocks(text):
        body = "\n".join(block).strip()
        if body.startswith("$CATEGORY:"):
            categories.append(body[len("$CATEGORY:"):].strip())
            continue
        assert body.startswith("::")
        end = body.index("::", 2)
        name = gift_unescape(body[2:end])
        rest = body[end + 2:]
        open_, close = find_unescaped(rest, "{"), find_unescaped(rest, "}")
        assert 0 < open_ < close == len(rest) - 1, body
        prompt, answer = rest[:open_], rest[open_ + 1:close]
        general = None
        if "####" in answer:
            answer, general = answer.rsplit("####", 1)
            general = gift_unescape(general.strip())
        q: dict = {"prompt": gift_unescape(prompt.removeprefix("[markdown]")), "general": general}
        if answer.lstrip().startswith(">"):
            header, *items = [line.strip() for line in answer.strip().splitlines()]
            q.update(kind="order", header=header.split(), items=items)
        else:
            opts = []
            for part in split_unescaped(answer.strip(), "~="):
                part = part.strip()
                mark, body_ = part[0], part[1:]
                weight = 1.0 if mark == "=" else 0.0
                m = re.match(r"^%(-?[0-9]{1,3}(?:\.[0-9]*)?)%", body_)
                if mark == "~" and m:
                    weight, body_ = float(m.group(1)) / 100, body_[m.end():]
                fb = find_unescaped(body_, "#")
                text_, feedback = (body_, None) if fb < 0 else (body_[:fb], gift_unescape(body_[fb + 1:].strip()))
                opts.append((gift_unescape(text_.strip()), weight, feedback))
            q.update(kind="single" if "=" in [p.strip()[0] for p in split_unescaped(answer.strip(), "~=")] else "multiple",
                     options=opts)
        questions[name.split(":", 1)[0]] = q
    return categories, questions


def test_gift_reads_back_to_the_same_keys_texts_and_feedback() -> None:
    source = quizzes()
    cats, read = read_gift(export_quizzes(source, "gift").text)
    assert cats == ["$course$/top/Delivery // semantics", "$course$/top/Second quiz"]
    for q in [q for qz in source for q in qz.questions]:
        got = read[q.id]
        assert got["prompt"] == q.prompt.strip()
        assert got["general"] == (q.explanation.strip() if q.explanation else None)
        if q.kind == "order":
            assert got["items"] == [o.text for o in q.options]
            assert got["header"] == [f">{len(q.options)}", "ALL", "VERTICAL", "ALL_OR_NOTHING", "SHOW", "none"]
            continue
        assert got["kind"] == q.kind
        assert [o[0] for o in got["options"]] == [o.text.strip() for o in q.options]
        assert [o[2] for o in got["options"]] == [o.feedback for o in q.options]
        weights = [o[1] for o in got["options"]]
        assert [i for i, w in enumerate(weights) if w > 0] == q.correct_indexes
        for w in weights:
            assert any(abs(w - g) < 5e-8 for g in MOODLE_GRADES), w


def test_gift_escapes_every_special_character_and_line_break() -> None:
    raw = "a~b=c#d{e}f:g\\h\nnext line"
    escaped = gift_escape(raw)
    assert "\n" not in escaped
    assert escaped == "a\\~b\\=c\\#d\\{e\\}f\\:g\\\\h\\nnext line"
    assert gift_unescape(escaped) == raw


def test_gift_hint_is_a_comment_above_its_question() -> None:
    text = export_quizzes(quizzes(), "gift").text
    lines = text.splitlines()
    i = lines.index("// hint: Think *replicas*.")
    assert lines[i + 1].startswith("::q1\\: Which")


def test_gift_partial_ordering_falls_back_with_a_warning() -> None:
    result = export_quizzes(quizzes(partial=True), "gift")
    assert any("ABSOLUTE_POSITION" in w for w in result.warnings)
    _, read = read_gift(result.text)
    assert read["q3"]["header"][3] == "ABSOLUTE_POSITION"


def test_gift_ordering_item_with_braces_is_refused() -> None:
    q = Question("o", "order", "?", [Option("first {x}"), Option("second")])
    with pytest.raises(ExportError, match="moodle-xml"):
        export_quizzes([Quiz("z", "Z", [q])], "gift")
    assert export_quizzes([Quiz("z", "Z", [q])], "moodle-xml").text  # XML has no such limit


def test_unknown_format() -> None:
    with pytest.raises(ValueError, match="moodle-xml, gift"):
        export_quizzes(quizzes(), "qti")


# ---------------------------------------------------------------- the command


QUIZ_YAML = """\
id: tiny
title: Tiny
questions:
  - id: q1
    kind: multiple
    prompt: "Pick the even ones"
    options:
      - {text: "2", correct: true}
      - {text: "3"}
      - {text: "4", correct: true}
  - id: q2
    kind: order
    prompt: "Count"
    options:
      - {text: "one"}
      - {text: "two"}
"""


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "course", *args], capture_output=True, text=True, timeout=60)


def test_export_command_writes_moodle_xml_and_gift(tmp_path: Path) -> None:
    quiz = tmp_path / "tiny.yaml"
    quiz.write_text(QUIZ_YAML)
    out_file = tmp_path / "out" / "tiny.xml"
    out = run("export", str(quiz), "--format", "moodle-xml", "--out", str(out_file))
    assert out.returncode == 0, out.stderr
    assert "wrote 2 questions from 1 quiz" in out.stdout
    assert "q1 are all-or-nothing" in out.stderr
    parsed = parse_moodle(out_file.read_text())
    assert [a.get("fraction") for a in parsed["tiny/q1"].findall("answer")] == ["50", "-50", "50"]
    assert parsed["tiny/q2"].get("type") == "ordering"

    gift = run("export", str(quiz), "--format", "gift", "--out", "-")
    assert gift.returncode == 0
    assert "\t~%50%2\n\t~%-50%3\n\t~%50%4\n" in gift.stdout


def test_export_command_bad_quiz_exits_2(tmp_path: Path) -> None:
    out = run("export", str(tmp_path / "missing.yaml"), "--format", "gift", "--out", str(tmp_path / "x.txt"))
    assert out.returncode == 2 and "no such quiz file or quiz id" in out.stderr
    assert not (tmp_path / "x.txt").exists()


def test_every_course_quiz_exports_and_its_answer_key_scores_100() -> None:
    from engine.learner.grading import expected_answer, grade_quiz
    from engine.paths import course_dir
    from engine.content.quizfile import load_quiz

    files = sorted((course_dir() / "quizzes").glob("*.yaml"))
    if not files:
        pytest.skip("the course has no quizzes yet")
    loaded = [load_quiz(f) for f in files]
    for quiz in loaded:
        key = {q.id: expected_answer(q) for q in quiz.questions}
        grade = grade_quiz(quiz, key)
        assert (grade.percent, grade.passed) == (100.0, True), quiz.id
    parsed = parse_moodle(export_quizzes(loaded, "moodle-xml").text)
    assert len(parsed) == sum(len(q.questions) for q in loaded)
