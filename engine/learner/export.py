"""Instructor export: quizzes as Moodle XML or GIFT (Moodle's question bank), or as quizdown.

QTI (`qti21`): an IMS QTI 2.1 content package (.zip); the mapping is in engine.learner.qti.

quizdown (`quizdown`): a section Markdown page holding one `{{< quizdown >}}` block, the format
`course import` reads (engine.content.quizdown), so a quiz can go back into a book or any site
that renders quizdown. import(export(quiz)) gives the same title, options and questions
(Markdown texts compared without their surrounding blank lines). What a page cannot carry:
- question ids: quizdown numbers questions `q1`, `q2`, ... by position; other ids give a warning;
- the quiz id, lesson and source: `course import` derives them from where the page is put;
- a prompt whose body holds a list, a heading or a blockquote (quizdown would read it as the
  options, a new question or a hint): each question is parsed back as it is written, and one
  that does not come back the same is an ExportError naming it.

Moodle XML (`moodle-xml`), one category per quiz (`$course$/top/<quiz title>`):
- `single` -> `multichoice` with `<single>true</single>`; the right option 100 %, the others 0.
- `multiple` -> `multichoice` with `<single>false</single>`; with k correct options each right
  one weighs +100/k % and each wrong one -100/k %. Moodle adds the weights of the ticked
  options and clamps to 0..1, which is exactly engine.learner.grading's partial rule. Moodle has no
  all-or-nothing multi-answer type in core, so an all-or-nothing quiz still gets partial credit
  there: export() returns a warning naming those questions.
  Moodle only accepts weights from its list (1/q for q <= 10, p/q for q <= 6, p/10, 1/20): more
  than 10 correct options cannot be written exactly and is an ExportError.
- `order` -> `ordering` (qtype_ordering: core since Moodle 4.4, a plugin before). Items are
  written in the right order, `fraction` = position; all items shown (`selecttype` ALL);
  `gradingtype` ALL_OR_NOTHING, or LONGEST_ORDERED_SUBSET when the quiz has `partial: true`
  (the rule engine.learner.grading uses).
- Prompts, options, feedback, explanations and hints are Markdown, rendered to HTML
  (format="html"). The explanation is the general feedback, an option's feedback is that
  answer's feedback, the hint is a `<hint>` (shown between tries in interactive mode).
- Quiz-level settings (passing grade, shuffle questions, nQuestions) belong to a Moodle quiz
  activity, not to the question bank, so they are not exported; shuffle_answers is per question.

GIFT (`gift`), Moodle's plain-text format:
- Texts keep their Markdown (`[markdown]`); GIFT's special characters ~ = # { } : and \\ are
  escaped, and line breaks written as `\\n`, because a blank line ends a question.
- `single`: `=right ~wrong`; `multiple`: `~%50%right ~%-50%wrong` (same weights as above);
  option feedback after `#`, the explanation as general feedback after `####`.
- GIFT has no hint: a hint is written as a `// hint:` comment line above its question so the
  instructor sees it (Moodle ignores comments).
- GIFT has no ordering question. Moodle's qtype_ordering (core since 4.4) reads its own
  extension, `{>N ALL VERTICAL <grading> SHOW none` then one item per line, and that is what
  is written; without qtype_ordering Moodle cannot import those questions. Its items are read
  raw (no escapes, no Markdown), so an item containing `{`, `}` or a line break is an
  ExportError. Its GIFT reader cannot parse LONGEST_ORDERED_SUBSET (the pattern misspells
  it), so partial-credit ordering questions are written with ABSOLUTE_POSITION and a warning;
  use moodle-xml to keep the course's rule.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Callable, Sequence

from markdown_it import MarkdownIt

from engine.model import Question, Quiz

FORMATS = ("moodle-xml", "gift", "quizdown", "qti21")

# Moodle's grade list (question_bank::fraction_options): 1/q for q <= 10, p/q for q <= 6, p/10,
# 1/20. Written as percent with 5 decimals, i.e. fractions to the 7 decimals Moodle compares.
_MOODLE_FRACTIONS = sorted(
    {round(p / q, 7) for q in range(1, 7) for p in range(0, q + 1)}
    | {round(p / 10, 7) for p in range(11)}
    | {round(1 / q, 7) for q in range(1, 11)}
    | {0.05}
)

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class ExportError(ValueError):
    """A quiz that the chosen format cannot express."""


@dataclass
class Export:
    text: str
    warnings: list[str] = field(default_factory=list)
    data: bytes | None = None  # a binary export (the QTI zip); `text` is then empty


def to_qti(quizzes: Sequence[Quiz]) -> Export:
    """IMS QTI 2.1 content package (engine.learner.qti)."""
    from engine.learner.qti import to_qti21

    package = to_qti21(quizzes)
    return Export("", package.warnings, package.data)


def export_quizzes(quizzes: Sequence[Quiz], fmt: str) -> Export:
    writers: dict[str, Callable[[Sequence[Quiz]], Export]] = {"moodle-xml": to_moodle_xml, "gift": to_gift,
                                                              "quizdown": to_quizdown, "qti21": to_qti}
    if fmt not in writers:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    return writers[fmt](quizzes)


# ---------------------------------------------------------------- weights shared by both formats


def option_weights(question: Question) -> list[float]:
    """Moodle fraction (-1..1) of each option of a single/multiple question, in written order."""
    correct = set(question.correct_indexes)
    if question.kind == "single":
        return [1.0 if i in correct else 0.0 for i in range(len(question.options))]
    k = len(correct)
    if k == 0:
        raise ExportError(f"question {question.id!r} has no correct option; Moodle needs at least one")
    share = round(1 / k, 7)
    if share not in _MOODLE_FRACTIONS:
        raise ExportError(
            f"question {question.id!r} has {k} correct options; Moodle's weights allow at most 10 "
            "(each right option must weigh 1/k of the mark)"
        )
    return [share if i in correct else -share for i in range(len(question.options))]


def percent(weight: float) -> str:
    """A weight as Moodle writes percentages: up to 5 decimals, no trailing zeros (33.33333, -50, 100)."""
    text = f"{weight * 100:.5f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _all_or_nothing_warning(quiz: Quiz) -> list[str]:
    ids = [q.id for q in quiz.questions if q.kind == "multiple" and not quiz.options.partial]
    if not ids:
        return []
    return [f"{quiz.id}: {', '.join(ids)} are all-or-nothing in the course, but Moodle's multichoice gives "
            "partial credit for multi-answer questions (right +100/k %, wrong -100/k %)"]


# ---------------------------------------------------------------- Moodle XML

_md = MarkdownIt("commonmark", {"html": False})


def markdown_html(text: str | None) -> str:
    return _XML_INVALID.sub("", _md.render(text or "").strip())


def _inline_html(text: str) -> str:
    """An option's Markdown as HTML, without the <p> wrapper of a one-paragraph text."""
    html = markdown_html(text)
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return html


def _text(parent: ET.Element, tag: str, html: str, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    ET.SubElement(el, "text").text = html
    return el


def question_name(q: Question, limit: int = 60) -> str:
    """What the question bank lists: the id and the start of the prompt, Markdown marks dropped."""
    flat = " ".join(re.sub(r"[`*_#>\[\]]", "", q.prompt).split())
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return f"{q.id}: {flat}" if flat else q.id


def to_moodle_xml(quizzes: Sequence[Quiz]) -> Export:
    root = ET.Element("quiz")
    warnings: list[str] = []
    for quiz in quizzes:
        root.append(ET.Comment(f" quiz {quiz.id}: {quiz.title} (exported by `course export`) "))
        cat = ET.SubElement(root, "question", type="category")
        # Moodle category paths use "/" as separator and "//" for a literal slash.
        _text(cat, "category", f"$course$/top/{quiz.title.replace('/', '//')}")
        _text(cat, "info", f"Quiz {quiz.id}" + (f" (lesson {quiz.lesson})" if quiz.lesson else ""), format="html")
        for q in quiz.questions:
            root.append(_moodle_question(quiz, q))
        warnings += _all_or_nothing_warning(quiz)
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode")
    return Export('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n", warnings)


def _moodle_question(quiz: Quiz, q: Question) -> ET.Element:
    qtype = "ordering" if q.kind == "order" else "multichoice"
    el = ET.Element("question", type=qtype)
    _text(el, "name", question_name(q))
    _text(el, "questiontext", markdown_html(q.prompt), format="html")
    _text(el, "generalfeedback", markdown_html(q.explanation), format="html")
    ET.SubElement(el, "defaultgrade").text = "1"
    ET.SubElement(el, "penalty").text = "0.3333333"
    ET.SubElement(el, "hidden").text = "0"
    ET.SubElement(el, "idnumber").text = f"{quiz.id}/{q.id}"
    if q.kind == "order":
        for tag, value in (
            ("layouttype", "VERTICAL"),
            ("selecttype", "ALL"),
            ("selectcount", str(len(q.options))),
            ("gradingtype", "LONGEST_ORDERED_SUBSET" if quiz.options.partial else "ALL_OR_NOTHING"),
            ("showgrading", "SHOW"),
            ("numberingstyle", "none"),
        ):
            ET.SubElement(el, tag).text = value
    else:
        ET.SubElement(el, "single").text = "true" if q.kind == "single" else "false"
        ET.SubElement(el, "shuffleanswers").text = "true" if quiz.options.shuffle_answers else "false"
        ET.SubElement(el, "answernumbering").text = "abc"
        ET.SubElement(el, "showstandardinstruction").text = "0"
    for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
        _text(el, tag, "", format="html")
    ET.SubElement(el, "shownumcorrect")
    if q.kind == "order":
        weights = [str(position) for position in range(1, len(q.options) + 1)]  # fraction = position
    else:
        weights = [percent(w) for w in option_weights(q)]
    for option, weight in zip(q.options, weights):
        answer = _text(el, "answer", _inline_html(option.text), fraction=weight, format="html")
        if option.feedback:
            _text(answer, "feedback", markdown_html(option.feedback), format="html")
    if q.hint:
        _text(el, "hint", markdown_html(q.hint), format="html")
    return el


# ---------------------------------------------------------------- GIFT

_GIFT_SPECIAL = re.compile(r"([\\~=#{}:])")


def gift_escape(text: str) -> str:
    """Escape GIFT's special characters and turn line breaks into `\\n` (a blank line ends a question)."""
    escaped = _GIFT_SPECIAL.sub(r"\\\1", text.replace("\r\n", "\n").replace("\r", "\n").strip())
    return escaped.replace("\n", "\\n")


def _comment(label: str, text: str) -> list[str]:
    return [f"// {label}: {line}".rstrip() for line in text.strip().splitlines()]


def to_gift(quizzes: Sequence[Quiz]) -> Export:
    out: list[str] = []
    warnings: list[str] = []
    for quiz in quizzes:
        out += [f"// quiz {quiz.id}: {quiz.title} (exported by `course export`)",
                f"$CATEGORY: $course$/top/{quiz.title.replace('/', '//')}", ""]
        for q in quiz.questions:
            block = _comment("hint", q.hint) if q.hint else []
            head = f"::{gift_escape(question_name(q))}::[markdown]{gift_escape(q.prompt)}"
            if q.kind == "order":
                block += _gift_order(quiz, q, head, warnings)
            else:
                block.append(head + "{")
                for option, weight in zip(q.options, option_weights(q)):
                    if q.kind == "single":
                        mark = "=" if weight == 1.0 else "~"
                    else:
                        mark = f"~%{percent(weight)}%"
                    line = f"\t{mark}{gift_escape(option.text)}"
                    if option.feedback:
                        line += f"#{gift_escape(option.feedback)}"
                    block.append(line)
                if q.explanation:
                    block.append(f"\t####{gift_escape(q.explanation)}")
                block.append("}")
            out += block + [""]
        warnings += _all_or_nothing_warning(quiz)
    return Export("\n".join(out), warnings)


def _gift_order(quiz: Quiz, q: Question, head: str, warnings: list[str]) -> list[str]:
    for n, option in enumerate(q.options, 1):
        if re.search(r"[{}\r\n]", option.text.strip()):
            raise ExportError(
                f"{quiz.id}/{q.id} option {n}: GIFT ordering items cannot hold braces or line breaks "
                "(qtype_ordering reads them raw); export this quiz with --format moodle-xml"
            )
    lines = []
    grading = "ALL_OR_NOTHING"
    if quiz.options.partial:
        grading = "ABSOLUTE_POSITION"
        warnings.append(
            f"{quiz.id}/{q.id}: GIFT ordering cannot say LONGEST_ORDERED_SUBSET (Moodle's GIFT reader does "
            "not recognise it); written as ABSOLUTE_POSITION. Use --format moodle-xml to keep the course's rule"
        )
        lines.append("// grading: the course uses LONGEST_ORDERED_SUBSET; change it after import")
    lines.append(f"{head}{{>{len(q.options)} ALL VERTICAL {grading} SHOW none")
    lines += [f"\t{option.text.strip()}" for option in q.options]
    if q.explanation:
        lines.append(f"\t####{gift_escape(q.explanation)}")
    lines.append("}")
    return lines


# ---------------------------------------------------------------- quizdown

# quizdown-js's camelCase spelling of each option; `partial` is this course's own.
_QUIZDOWN_OPTION_NAMES = {"shuffle_answers": "shuffleAnswers", "shuffle_questions": "shuffleQuestions",
                          "n_questions": "nQuestions", "passing_grade": "passingGrade", "enable_retry": "enableRetry"}


def to_quizdown(quizzes: Sequence[Quiz]) -> Export:
    """One quiz -> a section Markdown page with its `{{< quizdown >}}` block."""
    import yaml

    from engine.content.quizdown import quiz_options_dict

    if len(quizzes) != 1:
        raise ExportError("a quizdown page holds one quiz; export the quizzes one at a time")
    quiz = quizzes[0]
    warnings: list[str] = []
    front = yaml.safe_dump({"title": quiz.title}, allow_unicode=True, sort_keys=False, width=1000).strip()
    lines = ["---", front, "---", "", "{{< quizdown >}}", ""]
    options = {_QUIZDOWN_OPTION_NAMES.get(k, k): v for k, v in quiz_options_dict(quiz.options).items()}
    if options:
        lines += ["---", yaml.safe_dump(options, allow_unicode=True, sort_keys=False).strip(), "---", ""]
    renamed = []
    for n, q in enumerate(quiz.questions, 1):
        lines += quizdown_question(quiz, q, n) + [""]
        if q.id != f"q{n}":
            renamed.append(f"{q.id} -> q{n}")
    if renamed:
        warnings.append(f"{quiz.id}: quizdown numbers questions by position, so ids change "
                        f"({', '.join(renamed)}); answers files for this quiz name the new ids after import")
    lines += ["{{< /quizdown >}}", ""]
    return Export("\n".join(lines), warnings)


def quizdown_question(quiz: Quiz, q: Question, n: int) -> list[str]:
    """The quizdown lines of one question; ExportError if quizdown would read them back differently."""
    for candidate in _prompt_forms(q.prompt):
        lines = candidate + [""] + _quizdown_options(q) + _quizdown_quotes(q)
        if _reads_back(lines, q):
            return lines
    raise ExportError(f"{quiz.id}/{q.id}: quizdown cannot hold this question as written (its prompt holds a "
                      "list, a heading or a quote, which quizdown reads as options, a new question or a hint); "
                      "reword it or export with --format moodle-xml")


def _prompt_forms(prompt: str) -> list[list[str]]:
    """The prompt as `## first line` + body, else as an empty heading followed by the whole prompt."""
    text = prompt.strip("\n")
    first, _, body = text.partition("\n\n")
    forms = []
    if first and "\n" not in first:
        forms.append([f"## {first}"] + (["", body.strip(chr(10))] if body.strip() else []))
    forms.append(["##", "", text] if text else ["##"])
    return forms


def _quizdown_options(q: Question) -> list[str]:
    marker = "-" if q.kind == "multiple" else "1."
    indent = " " * (len(marker) + 1)
    lines: list[str] = []
    for option in q.options:
        box = "" if q.kind == "order" else ("[x] " if option.correct else "[ ] ")
        first, *rest = option.text.strip("\n").split("\n")
        lines.append(f"{marker} {box}{first}".rstrip())
        lines += [indent + line if line.strip() else "" for line in rest]
        if option.feedback:
            lines += [indent + ("> " + line if line.strip() else ">") for line in option.feedback.strip().split("\n")]
    return lines


def _quote(text: str, lead: str = "") -> list[str]:
    body = (lead + text.strip()).split("\n")
    return ["> " + line if line.strip() else ">" for line in body]


def _quizdown_quotes(q: Question) -> list[str]:
    """The hint and the explanation, each a blockquote after the options."""
    out: list[str] = []
    if q.hint:
        out += [""] + _quote(q.hint)
    if q.explanation:
        out += [""] + _quote(q.explanation, "**Explanation:** ")
    return out


def _reads_back(lines: list[str], q: Question) -> bool:
    from engine.content.quizdown import parse_quizdown

    back, problems = parse_quizdown("\n".join(lines))
    if any(p.severity == "error" for p in problems) or len(back.questions) != 1:
        return False
    return same_question(back.questions[0], q)


def _trim(text: str | None) -> str | None:
    return text.strip() if text is not None else None


def same_question(a: Question, b: Question) -> bool:
    """Equal kind, prompt, options, feedback, explanation and hint (Markdown compared without the
    blank lines around it, and `correct` ignored for `order`, where the written order is the answer)."""
    if (a.kind, _trim(a.prompt), _trim(a.explanation), _trim(a.hint)) != (b.kind, _trim(b.prompt), _trim(b.explanation),
                                                                      _trim(b.hint)):
        return False
    if len(a.options) != len(b.options):
        return False
    return all(_trim(x.text) == _trim(y.text) and _trim(x.feedback) == _trim(y.feedback)
               and (a.kind == "order" or x.correct == y.correct) for x, y in zip(a.options, b.options))
