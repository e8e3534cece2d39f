"""Quiz YAML (docs/formats.md, "Quiz YAML"): load, validate, dump.

The text is composed into YAML nodes with PyYAML's safe loader (no object construction at all:
only plain scalars, sequences and mappings are read), so every value keeps its mark and each
problem names file:line:column and says what to write instead. A question with an error is left
out and reported; `load_quiz` raises ContentError when there is any error, `read_quiz` returns
what loaded plus the problems (what `engine.content.course.load_course` uses), `validate_quiz_file`
returns the problems only. `dump_quiz` writes YAML that `load_quiz_text` reads back into the
same model (question `line` and quiz `path` aside, which say where a quiz was read from).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml

from engine.model import QUESTION_KINDS, Option, Question, Quiz, QuizOptions
from engine.problems import ContentError, Problem, did_you_mean
from engine.content.quizdown import quiz_options_dict

# libyaml's safe classes when present (same safe semantics, several times faster).
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_STR = "tag:yaml.org,2002:str"

QUIZ_KEYS = ("id", "title", "lesson", "source", "options", "questions")
QUESTION_KEYS = ("id", "kind", "prompt", "options", "explanation", "hint")
OPTION_KEYS = ("text", "correct", "feedback")
OPTION_NAMES = {  # Quiz YAML names; quizdown-js's camelCase spellings accepted too
    "shuffle_answers": "shuffle_answers", "shuffleAnswers": "shuffle_answers",
    "shuffle_questions": "shuffle_questions", "shuffleQuestions": "shuffle_questions",
    "n_questions": "n_questions", "nQuestions": "n_questions",
    "passing_grade": "passing_grade", "passingGrade": "passing_grade",
    "partial": "partial",
    "enable_retry": "enable_retry", "enableRetry": "enable_retry",
}
_BOOL_OPTIONS = {"shuffle_answers", "shuffle_questions", "partial", "enable_retry"}


class _Reader:
    """Walks the node tree of one file, collecting problems."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []
        self._constructor = yaml.SafeLoader("")

    def problem(self, node: yaml.Node, message: str, severity: str = "error") -> None:
        mark = node.start_mark
        self.problems.append(
            Problem(self.file, mark.line + 1, message, mark.column + 1, severity)  # type: ignore[arg-type]
        )

    def mapping(
        self, node: yaml.Node, what: str, keys: tuple[str, ...], example: str
    ) -> dict[str, tuple[yaml.Node, yaml.Node]] | None:
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{what} must be a mapping of `key: value` lines, e.g. {example}")
            return None
        out: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for knode, vnode in node.value:
            key = str(knode.value) if isinstance(knode, yaml.ScalarNode) else "?"
            if key in out:
                self.problem(knode, f"`{key}` appears twice in {what}; keep one")
                continue
            out[key] = (knode, vnode)
            if keys and key not in keys:
                close = difflib.get_close_matches(key, keys, n=1)
                hint = f"did you mean `{close[0]}`?" if close else f"the keys are: {', '.join(keys)}"
                self.problem(knode, f"unknown key `{key}` in {what} (ignored); {hint}", "warning")
        return out

    def text(self, node: yaml.Node | None, what: str, required: bool = False) -> str | None:
        if node is None or (isinstance(node, yaml.ScalarNode) and node.tag == _NULL):
            if required:
                if node is not None:
                    self.problem(node, f"{what} is empty; write the text after the colon")
                return None
            return None
        if not isinstance(node, yaml.ScalarNode):
            self.problem(node, f"{what} must be text; quote it: \"...\" (or use `|` for several lines)")
            return None
        # The raw scalar, not its YAML type: `text: yes` means the word, `text: 42` the number as text.
        return str(node.value)

    def boolean(self, node: yaml.Node, what: str) -> bool | None:
        if isinstance(node, yaml.ScalarNode) and node.tag == _BOOL:
            return bool(self._constructor.construct_object(node))
        self.problem(node, f"{what} must be true or false")
        return None

    def integer(self, node: yaml.Node, what: str) -> int | None:
        if isinstance(node, yaml.ScalarNode) and node.tag == _INT:
            value = int(self._constructor.construct_object(node))
            if value >= 0:
                return value
        self.problem(node, f"{what} must be a whole number (0 or more)")
        return None

    def plain(self, node: yaml.Node) -> Any:
        return self._constructor.construct_object(node, deep=True)


def _read(text: str, file: str, default_id: str) -> tuple[Quiz | None, list[Problem]]:
    r = _Reader(file)
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or "not valid YAML"
        if exc.context:
            what = f"{exc.context}, {what}"
        r.problems.append(Problem(file, mark.line + 1 if mark else 0,
                                  f"{what}: check the indentation (keys of one mapping line up; list items "
                                  "start with `- ` under their key) and quote text that holds `: ` or ` #`",
                                  mark.column + 1 if mark else 0))
        return None, r.problems
    except yaml.YAMLError as exc:
        r.problems.append(Problem(file, 0, f"not valid YAML: {exc}"))
        return None, r.problems
    if root is None:
        r.problems.append(Problem(file, 1, "the file is empty; a quiz needs `id:`, `title:` and `questions:`"))
        return None, r.problems
    top = r.mapping(root, "the quiz", QUIZ_KEYS, "`id: my-quiz`")
    if top is None:
        return None, r.problems

    def field(name: str) -> yaml.Node | None:
        return top[name][1] if name in top else None

    quiz_id = r.text(field("id"), "id") or default_id
    title = r.text(field("title"), "title")
    title = quiz_id if title is None else title
    quiz = Quiz(id=quiz_id, title=title, questions=[], lesson=r.text(field("lesson"), "lesson"),
                source=r.text(field("source"), "source"))
    opts = field("options")
    if opts is not None and not (isinstance(opts, yaml.ScalarNode) and opts.tag == _NULL):
        quiz.options = _options(r, opts)
    qnode = field("questions")
    if qnode is None:
        r.problems.append(Problem(file, root.start_mark.line + 1, "the quiz has no `questions:`; add a list of "
                                  "questions (`- id: q1`, `kind: single`, `prompt: ...`, `options: ...`)"))
    elif not isinstance(qnode, yaml.SequenceNode):
        r.problem(qnode, "questions must be a list: start each question with `- ` under `questions:`")
    else:
        if not qnode.value:
            r.problem(qnode, "the quiz has no questions; add at least one under `questions:`")
        seen: set[str] = set()
        for n, node in enumerate(qnode.value, 1):
            q = _question(r, node, n)
            if q is None:
                continue
            if q.id in seen:
                r.problem(node, f"question id {q.id!r} is used twice; give each question its own id")
                continue
            seen.add(q.id)
            quiz.questions.append(q)
    return quiz, r.problems


def _options(r: _Reader, node: yaml.Node) -> QuizOptions:
    options = QuizOptions()
    entries = r.mapping(node, "options", (), "`{shuffle_answers: true, passing_grade: 70}`")
    for key, (knode, vnode) in (entries or {}).items():
        name = OPTION_NAMES.get(key)
        if name is None:
            options.extra[key] = r.plain(vnode)
        elif name in _BOOL_OPTIONS:
            value = r.boolean(vnode, f"options: {key}")
            if value is not None:
                setattr(options, name, value)
        else:
            value = r.integer(vnode, f"options: {key}")
            if value is not None:
                if name == "passing_grade" and value > 100:
                    r.problem(vnode, "options: passing_grade is a percentage: write a number from 0 to 100")
                else:
                    setattr(options, name, value)
    return options


def _question(r: _Reader, node: yaml.Node, n: int) -> Question | None:
    before = len([p for p in r.problems if p.severity == "error"])
    fields = r.mapping(node, f"question {n}", QUESTION_KEYS,
                       "`- {id: q1, kind: single, prompt: \"...\", options: [...]}`")
    if fields is None:
        return None
    where = f"question {n}"

    def get(name: str) -> yaml.Node | None:
        return fields[name][1] if name in fields else None

    qid = r.text(get("id"), f"{where}: id") or f"q{n}"
    where = f"question {qid}"
    kind_node = get("kind")
    kind = r.text(kind_node, f"{where}: kind", required=True)
    if kind_node is None:
        r.problem(node, f"{where} has no `kind:`; write `kind: single`, `kind: multiple` or `kind: order`")
    elif kind is not None and kind not in QUESTION_KINDS:
        r.problem(kind_node, f"kind: {kind!r} is not a question kind{did_you_mean(kind, QUESTION_KINDS)}; "
                             "write single, multiple or order")
    prompt = r.text(get("prompt"), f"{where}: prompt", required=True)
    if get("prompt") is None:
        close = next((k for k in fields if difflib.get_close_matches(k, ["prompt"], n=1)), None)
        hint = f" (`{close}` is not a key: write `prompt`)" if close else ""
        r.problem(node, f"{where} has no `prompt:`{hint}; write the question text as `prompt: \"...\"`")
    options: list[Option] = []
    onode = get("options")
    if onode is None:
        r.problem(node, f"{where} has no `options:`; list the answers as `- {{text: \"...\", correct: true}}`")
    elif not isinstance(onode, yaml.SequenceNode) or not onode.value:
        r.problem(onode, f"{where}: options must be a list of answers, each `- {{text: \"...\", correct: false}}`")
    else:
        for m, onode_item in enumerate(onode.value, 1):
            opt = _option(r, onode_item, f"{where}, option {m}")
            if opt is not None:
                options.append(opt)
    q = Question(
        id=qid,
        kind=kind if kind in QUESTION_KINDS else "single",  # type: ignore[arg-type]
        prompt=prompt or "",
        options=options,
        explanation=r.text(get("explanation"), f"{where}: explanation"),
        hint=r.text(get("hint"), f"{where}: hint"),
        line=node.start_mark.line + 1,
    )
    if len([p for p in r.problems if p.severity == "error"]) > before:
        return None
    n_correct = sum(o.correct for o in options)
    anchor = onode if onode is not None else node
    if q.kind == "single" and n_correct != 1:
        r.problem(anchor, f"{where} is single choice and has {n_correct} correct options; mark exactly one "
                  "with `correct: true`" + (" (or make it `kind: multiple`)" if n_correct > 1 else ""))
        return None
    if q.kind == "multiple" and n_correct == 0:
        r.problem(anchor, f"{where} has no correct option; mark at least one with `correct: true`")
        return None
    if len(options) < 2:
        r.problem(anchor, f"{where} has only one option; add at least one more", "warning")
    return q


def _option(r: _Reader, node: yaml.Node, where: str) -> Option | None:
    if isinstance(node, yaml.ScalarNode):
        r.problem(node, f"{where} must be a mapping; write `- {{text: {node.value!r}, correct: false}}`")
        return None
    fields = r.mapping(node, where, OPTION_KEYS, "`- {text: \"...\", correct: true}`")
    if fields is None:
        return None
    if "text" not in fields:
        r.problem(node, f"{where} has no `text:`; write the answer as `text: \"...\"`")
        return None
    text = r.text(fields["text"][1], f"{where}: text", required=True)
    if text is None:
        return None
    correct = False
    if "correct" in fields:
        value = r.boolean(fields["correct"][1], f"{where}: correct")
        if value is None:
            return None
        correct = value
    feedback = r.text(fields["feedback"][1], f"{where}: feedback") if "feedback" in fields else None
    return Option(text=text, correct=correct, feedback=feedback)


# ---------------------------------------------------------------- public API


def read_quiz_text(text: str, filename: str = "<quiz>") -> tuple[Quiz | None, list[Problem]]:
    """Parse Quiz YAML; returns what loaded (bad questions left out) and every problem. Never raises."""
    default_id = Path(filename).stem if filename else "quiz"
    try:
        return _read(text, filename, default_id)
    except Exception as exc:  # a reader bug must not take the course down
        return None, [Problem(filename, 0, f"internal error while reading the quiz ({type(exc).__name__}: "
                                           f"{exc}); please report it")]


def read_quiz(path: Path) -> tuple[Quiz | None, list[Problem]]:
    """Like read_quiz_text, for a file (an unreadable file is one problem)."""
    from engine.content.page import decode

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return None, [Problem(str(path), 0, f"cannot read the quiz: {exc.strerror or exc}")]
    text, problems = decode(data, str(path))
    quiz, more = read_quiz_text(text, str(path))
    if quiz is not None:
        quiz.path = Path(path)
    return quiz, problems + more


def load_quiz_text(text: str, filename: str = "<quiz>") -> Quiz:
    """Parse Quiz YAML; raises ContentError (with every problem) if there is any error."""
    quiz, problems = read_quiz_text(text, filename)
    errors = [p for p in problems if p.severity == "error"]
    if errors or quiz is None:
        raise ContentError(errors or problems)
    return quiz


def load_quiz(path: Path) -> Quiz:
    """Load a Quiz YAML file; raises ContentError with file:line:column problems."""
    quiz, problems = read_quiz(path)
    errors = [p for p in problems if p.severity == "error"]
    if errors or quiz is None:
        raise ContentError(errors or problems)
    return quiz


def validate_quiz_file(path: Path) -> list[Problem]:
    """Every problem (errors and warnings) in a Quiz YAML file."""
    return read_quiz(path)[1]


def quiz_to_data(quiz: Quiz) -> dict[str, Any]:
    """The Quiz YAML mapping for a quiz (defaults and empty fields left out)."""
    data: dict[str, Any] = {"id": quiz.id, "title": quiz.title}
    if quiz.lesson is not None:
        data["lesson"] = quiz.lesson
    if quiz.source is not None:
        data["source"] = quiz.source
    opts = quiz_options_dict(quiz.options)
    if opts:
        data["options"] = opts
    questions = []
    for q in quiz.questions:
        qd: dict[str, Any] = {"id": q.id, "kind": q.kind, "prompt": q.prompt}
        qd["options"] = []
        for o in q.options:
            od: dict[str, Any] = {"text": o.text, "correct": o.correct}
            if o.feedback is not None:
                od["feedback"] = o.feedback
            qd["options"].append(od)
        if q.explanation is not None:
            qd["explanation"] = q.explanation
        if q.hint is not None:
            qd["hint"] = q.hint
        questions.append(qd)
    data["questions"] = questions
    return data


class _QuizDumper(_Dumper):  # type: ignore[misc, valid-type]
    """Multi-line text as `|` blocks, so instructors can edit dumped quizzes by hand."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar(_STR, value, style=style)


_QuizDumper.add_representer(str, _str)


def dump_quiz(quiz: Quiz) -> str:
    """Quiz -> Quiz YAML text (`load_quiz_text(dump_quiz(q))` gives `q` back)."""
    return yaml.dump(quiz_to_data(quiz), Dumper=_QuizDumper, sort_keys=False, allow_unicode=True,
                     width=100, default_flow_style=False)
