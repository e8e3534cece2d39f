"""quizdown (the body of a `{{< quizdown >}}` block) -> Quiz, following quizdown-js's rules.

The rules (those of quizdown-js, the renderer the books use):
- every heading starts a question; text and code between the heading and the list are its body;
- the list type decides the kind: `- [x]`/`- [ ]` = multiple, `1. [x]` = single (one `[x]` only),
  an ordered list without boxes = order (the written order is the correct one);
- a top-level `>` blockquote starting with `**Explanation:**` is the explanation, any other is a hint;
  a blockquote indented under an option is that option's feedback;
- an optional `---` YAML block at the top holds quiz options.

`parse_quizdown` never raises: a bad question is reported as a Problem (file and line) and left
out, and the rest of the quiz still loads. Question ids are `q<n>` with n the heading's position,
so they stay stable when an earlier question is fixed or broken.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from engine.model import Option, Question, Quiz, QuizOptions
from engine.problems import Problem

_BOX = re.compile(r"^\[( |x|X)\](?:[ \t]+|$)")
_EXPLANATION = re.compile(r"^\s*\*\*Explanation:?\*\*:?[ \t]*")
_QUOTE_PREFIX = re.compile(r"^[ \t]*> ?")

# quizdown-js option names (camelCase) and ours (snake_case) -> QuizOptions field.
_OPTION_NAMES = {
    "shuffle_answers": "shuffle_answers",
    "shuffleAnswers": "shuffle_answers",
    "shuffle_questions": "shuffle_questions",
    "shuffleQuestions": "shuffle_questions",
    "nQuestions": "n_questions",
    "n_questions": "n_questions",
    "passingGrade": "passing_grade",
    "passing_grade": "passing_grade",
    "enableRetry": "enable_retry",
    "enable_retry": "enable_retry",
    "partial": "partial",
}
_BOOL_OPTIONS = {"shuffle_answers", "shuffle_questions", "enable_retry", "partial"}

_md: MarkdownIt | None = None


def markdown_parser() -> MarkdownIt:
    """The CommonMark parser (with tables) for quiz bodies.

    Block structure only: the core `inline` rule is off because quizzes keep inline Markdown as
    text (the app renders it); that halves the parse time of a book.
    """
    global _md
    if _md is None:
        _md = MarkdownIt("commonmark").enable("table").disable("inline")
    return _md


@dataclass
class _Draft:
    """A question being collected, before its kind and options are checked."""

    title: str
    line: int  # 1-based, absolute
    number: int
    body: list[str] = field(default_factory=list)
    list_token: Token | None = None
    list_tokens: list[Token] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    explanation: list[str] = field(default_factory=list)
    extra_lists: list[int] = field(default_factory=list)  # lines of further lists (an error)


def parse_quizdown(
    text: str,
    *,
    file: str = "",
    line_offset: int = 0,
    quiz_id: str = "quiz",
    title: str = "",
) -> tuple[Quiz, list[Problem]]:
    """Parse quizdown `text`; `line_offset` is the 0-based line in `file` where it starts."""
    problems: list[Problem] = []
    lines = text.split("\n")
    options, body_start = _read_options(lines, file, line_offset, problems)
    # Blank the options block instead of cutting it, so token line numbers stay absolute.
    source = "\n".join([""] * body_start + lines[body_start:])
    src_lines = source.split("\n")
    try:
        tokens = markdown_parser().parse(source)
    except Exception as exc:  # markdown-it should not fail; if it does, the page must still load
        problems.append(Problem(file, line_offset + 1, f"cannot parse the quiz: {exc}"))
        return Quiz(id=quiz_id, title=title, questions=[], options=options), problems

    drafts: list[_Draft] = []
    stray_line = 0
    i = 0
    n = len(tokens)
    while i < n:
        tok = tokens[i]
        end = _close_index(tokens, i)
        if tok.level != 0:
            i = end + 1
            continue
        start_line = tok.map[0] if tok.map else 0
        if tok.type == "heading_open":
            inline = tokens[i + 1]
            drafts.append(_Draft(inline.content.strip(), line_offset + start_line + 1, len(drafts) + 1))
        elif not drafts:
            if not stray_line:
                stray_line = line_offset + start_line + 1
        elif tok.type in ("bullet_list_open", "ordered_list_open"):
            d = drafts[-1]
            if d.list_token is None:
                d.list_token = tok
                d.list_tokens = tokens[i : end + 1]
            else:
                d.extra_lists.append(line_offset + start_line + 1)
        elif tok.type == "blockquote_open":
            quote = _unquote(_slice(src_lines, tok))
            m = _EXPLANATION.match(quote)
            if m:
                drafts[-1].explanation.append(quote[m.end() :].strip())
            else:
                drafts[-1].hints.append(quote.strip())
        else:
            drafts[-1].body.append(_slice(src_lines, tok))
        i = end + 1

    if stray_line:
        problems.append(
            Problem(file, stray_line, "text before the first question heading is not part of any question; "
                    "start each question with a heading such as `### Which ...?`", severity="warning")
        )
    questions = []
    for d in drafts:
        q = _finish(d, src_lines, file, line_offset, problems)
        if q is not None:
            questions.append(q)
    if not drafts:
        problems.append(Problem(file, line_offset + 1, "the quiz has no questions; start each one with a "
                                "heading (`### ...?`) followed by a list of options"))
    return Quiz(id=quiz_id, title=title, questions=questions, options=options), problems


# ---------------------------------------------------------------- helpers


def _close_index(tokens: list[Token], i: int) -> int:
    """Index of the token closing the one opened at `i` (itself for a self-contained token)."""
    if tokens[i].nesting != 1:
        return i
    depth = 0
    for j in range(i, len(tokens)):
        depth += tokens[j].nesting
        if depth == 0:
            return j
    return len(tokens) - 1


def _slice(src_lines: list[str], tok: Token) -> str:
    if not tok.map:
        return tok.content
    return "\n".join(src_lines[tok.map[0] : tok.map[1]]).strip("\n")


def _unquote(text: str) -> str:
    return "\n".join(_QUOTE_PREFIX.sub("", line, count=1) for line in text.split("\n"))


def _dedent(text: str) -> str:
    lines = text.split("\n")
    indents = [len(s) - len(s.lstrip(" ")) for s in lines if s.strip()]
    cut = min(indents) if indents else 0
    return "\n".join(s[cut:] for s in lines)


def _read_options(
    lines: list[str], file: str, line_offset: int, problems: list[Problem]
) -> tuple[QuizOptions, int]:
    """The `---` YAML options block at the top, if any; returns the options and the body's first line."""
    options = QuizOptions()
    first = next((k for k, s in enumerate(lines) if s.strip()), None)
    if first is None or lines[first].strip() != "---":
        return options, 0
    close = next((k for k in range(first + 1, len(lines)) if lines[k].strip() == "---"), None)
    if close is None:
        problems.append(Problem(file, line_offset + first + 1, "the quiz options block opened with `---` "
                                "is never closed; add a `---` line after the options"))
        return options, 0
    block = "\n".join(lines[first + 1 : close])
    try:
        data = yaml.safe_load(block) if block.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = line_offset + first + 2 + (mark.line if mark else 0)
        col = (mark.column + 1) if mark else 0
        problems.append(Problem(file, line, f"the quiz options are not valid YAML "
                                f"({getattr(exc, 'problem', None) or exc}); write `name: value` lines", col))
        return options, close + 1
    if not isinstance(data, dict):
        problems.append(Problem(file, line_offset + first + 2, "the quiz options must be `name: value` lines"))
        return options, close + 1
    for key, value in data.items():
        name = _OPTION_NAMES.get(str(key))
        if name is None:
            options.extra[str(key)] = value
        elif name in _BOOL_OPTIONS:
            if isinstance(value, bool):
                setattr(options, name, value)
            else:
                problems.append(Problem(file, line_offset + first + 2, f"quiz option `{key}` must be true or false"))
        elif isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            setattr(options, name, value)
        else:
            problems.append(Problem(file, line_offset + first + 2, f"quiz option `{key}` must be a whole number"))
    return options, close + 1


def _finish(
    d: _Draft, src_lines: list[str], file: str, line_offset: int, problems: list[Problem]
) -> Question | None:
    """Check a draft against the quizdown rules; a broken question gives problems and None."""
    where = f"question {d.number} ({d.title[:60]!r})"
    for extra in d.extra_lists:
        problems.append(Problem(file, extra, f"{where} has a second list; a question has one list of "
                                "options: start a new question with a heading", severity="warning"))
    if d.list_token is None:
        problems.append(Problem(file, d.line, f"{where} has no options; add a list such as "
                                "`- [x] right` / `- [ ] wrong` under the heading"))
        return None
    ordered = d.list_token.type == "ordered_list_open"
    options: list[Option] = []
    boxes: list[bool | None] = []  # None = no box
    lines: list[int] = []
    toks = d.list_tokens
    k = 1
    while k < len(toks) - 1:
        if toks[k].type != "list_item_open" or toks[k].level != 1:
            k += 1
            continue
        end = _close_index(toks, k)
        box, opt = _read_option(toks[k + 1 : end], src_lines)
        boxes.append(box)
        options.append(opt)
        lines.append(line_offset + (toks[k].map[0] if toks[k].map else 0) + 1)
        k = end + 1

    boxed = [b for b in boxes if b is not None]
    if not boxed:
        if not ordered:
            problems.append(Problem(file, d.line, f"{where}: its options have no boxes; write `- [x] right` "
                                    "and `- [ ] wrong` (or a numbered list `1. ...` for an ordering question)"))
            return None
        kind = "order"
    elif len(boxed) != len(boxes):
        missing = lines[boxes.index(None)]
        marker = "1." if ordered else "-"
        problems.append(Problem(file, missing, f"{where}: this option has no box; write `{marker} [ ] text` "
                                f"or `{marker} [x] text`"))
        return None
    else:
        kind = "single" if ordered else "multiple"
    n_correct = sum(1 for b in boxed if b)
    if kind != "order" and n_correct == 0:
        problems.append(Problem(file, d.line, f"{where} has no correct option; mark the right one(s) with `[x]`"))
        return None
    if kind == "single" and n_correct > 1:
        at = ", ".join(str(lines[j]) for j, b in enumerate(boxes) if b)
        problems.append(Problem(file, d.line, f"{where} is single choice (numbered list) but has {n_correct} "
                                f"correct options (lines {at}); keep one `[x]`, or use `- [x]` task-list items "
                                "for a multiple-choice question"))
        return None
    if len(options) < 2:
        problems.append(Problem(file, d.line, f"{where} has only one option; add at least one more",
                                severity="warning"))
    for opt, b in zip(options, boxes):
        opt.correct = bool(b)
    prompt = d.title
    body = "\n\n".join(b for b in d.body if b.strip())
    if body:
        prompt = f"{prompt}\n\n{body}" if prompt else body
    return Question(
        id=f"q{d.number}",
        kind=kind,  # type: ignore[arg-type]
        prompt=prompt,
        options=options,
        explanation="\n\n".join(d.explanation) or None,
        hint="\n\n".join(d.hints) or None,
        line=d.line,
    )


def _read_option(item: list[Token], src_lines: list[str]) -> tuple[bool | None, Option]:
    """One list item's tokens (without its open/close) -> (box state or None, Option)."""
    parts: list[str] = []
    feedback: list[str] = []
    box: bool | None = None
    base = item[0].level if item else 0
    j = 0
    while j < len(item):
        tok = item[j]
        end = _close_index(item, j)
        if tok.level != base:
            j = end + 1
            continue
        if tok.type == "paragraph_open" and not parts and box is None:
            content = item[j + 1].content if j + 1 < len(item) else ""
            m = _BOX.match(content)
            if m:
                box = m.group(1) in "xX"
                content = content[m.end() :]
            parts.append(content.strip())
        elif tok.type == "blockquote_open":
            feedback.append(_unquote(_dedent(_slice(src_lines, tok))).strip())
        else:
            parts.append(_dedent(_slice(src_lines, tok)))
        j = end + 1
    text = "\n\n".join(p for p in parts if p)
    return box, Option(text=text, feedback="\n\n".join(feedback) or None)


def quiz_options_dict(options: QuizOptions) -> dict[str, Any]:
    """The non-default options, with the Quiz YAML names (for dumps and summaries)."""
    default = QuizOptions()
    out: dict[str, Any] = {}
    for name in ("shuffle_answers", "shuffle_questions", "n_questions", "passing_grade", "partial", "enable_retry"):
        value = getattr(options, name)
        if value != getattr(default, name):
            out[name] = value
    out.update(options.extra)
    return out
