"""The documentation under docs/ stays true to the code: the files it names exist, every fault,
trigger, count, Sandbox method and sandbox event kind is described, and its examples load."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from engine.content.page import parse_page
from engine.content.quizfile import load_quiz_text
from engine.learner.grading import read_answers
from engine.problems import ContentError
from engine.runs.passrule import parse_rule
from engine.runs.scenario import ACTIONS, METRICS, parse_scenario
from engine.sandbox import Sandbox, SandboxConfig
from engine.yamlsource import load_located
from tests.paths import ROOT

DOCS = ROOT / "docs"
PAGES = ["architecture.md", "formats.md", "sandbox.md"]


def text(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


def section(doc: str, heading: str) -> str:
    """The text of a `## heading` section, up to the next `## `."""
    m = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", doc, re.M | re.S)
    assert m, f"no section `## {heading}`"
    return m.group(1)


def fences(doc: str, lang: str) -> list[str]:
    """The bodies of the ```lang fences in `doc` (four-backtick outer fences are skipped)."""
    return re.findall(rf"^```{lang}\n(.*?)^```$", doc, re.M | re.S)


@pytest.mark.parametrize("name", PAGES + ["../README.md", "../CONTRIBUTING.md"])
def test_every_file_named_exists(name: str) -> None:
    doc = text(name)
    named = set(re.findall(r"`((?:engine|course|tests|benchmarks|lessons|quizzes|exercises)/[\w./-]*?\.(?:py|md|tcss|yaml))`",
                           doc))
    named |= {f"engine/sandbox/{p}" for p in re.findall(r"`((?:common|network|log|replication|server|coordinator)/[\w/]*\.py)`",
                                                         doc)}
    missing = sorted(p for p in named if "<" not in p and not (ROOT / p).exists())
    assert not missing, f"{name} names files that do not exist: {missing}"


def test_every_link_between_pages_resolves() -> None:
    for name in PAGES + ["../README.md", "../CONTRIBUTING.md"]:
        page = DOCS / name
        for target in re.findall(r"\]\(([^)#:\s]+\.md)(?:#[\w-]+)?\)", page.read_text(encoding="utf-8")):
            assert (page.parent / target).resolve().is_file(), f"{name} links to missing {target}"


def test_no_pointer_outside_the_repository() -> None:
    paths = [DOCS / p for p in PAGES] + [ROOT / "README.md", ROOT / "CONTRIBUTING.md"]
    paths += [p for d in ("engine/content", "engine/runs", "engine/learner", "course") for p in (ROOT / d).rglob("*.py")]
    paths += list((ROOT / "engine").glob("*.py"))
    bad = re.compile(r"shared/|DESIGN\.md|[Ii]ssue [0-9]")
    found = [f"{p.relative_to(ROOT)}:{n}" for p in paths
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if bad.search(line)]
    assert not found, found


def test_formats_describe_every_action_trigger_and_count() -> None:
    scenario = section(text("formats.md"), "Scenario YAML")
    for action, args in ACTIONS.items():
        assert f"`{action}`" in scenario, action
        for arg in args:
            assert f"`{arg}:`" in scenario, f"{action} {arg}"
    for trigger in ("start", "seconds", "records", "sent", "acked", "processed"):
        assert trigger in scenario
    counts = section(text("formats.md"), "The report-line protocol")
    for metric in METRICS:
        assert f"| `{metric}` |" in counts, metric


def test_formats_examples_load(tmp_path: Path) -> None:
    doc = text("formats.md")
    quizdown = next(f for f in fences(doc, "markdown") if "{{< quizdown >}}" in f)
    page = parse_page(quizdown, file="formats.md", lesson_id="01-first-steps")
    assert [p for p in page.problems if p.severity == "error"] == []
    assert page.quiz is not None and [q.kind for q in page.quiz.questions] == ["single", "multiple", "order"]
    assert page.quiz.options.shuffle_answers and page.quiz.options.passing_grade == 80
    assert page.quiz.questions[0].explanation and page.quiz.questions[0].options[1].feedback
    assert page.quiz.questions[1].hint

    quiz = load_quiz_text(fences(section(doc, "Quiz YAML"), "yaml")[0], "formats.md")
    assert [q.kind for q in quiz.questions] == ["single", "order"]

    scenario = parse_scenario(fences(section(doc, "Scenario YAML"), "yaml")[0], "formats.md")
    assert [f.action for f in scenario.faults] == ["pause_replication", "stop_broker", "resume_replication",
                                                   "lose_acks"]
    assert scenario.counted_topics == ["orders"] and [t.name for t in scenario.topics] == ["orders", "audit"]

    exercise, _ = load_located(fences(section(doc, "Exercise YAML"), "yaml")[0], "formats.md")
    parse_rule(exercise["pass"], set(METRICS))

    answers_yaml = fences(section(doc, "Answers YAML"), "yaml")[0]
    tmp = tmp_path / "answers.yaml"
    order_quiz = load_quiz_text(
        "id: x\nquestions:\n"
        + "".join(f"  - {{id: q{n}, kind: {k}, prompt: p, options: [{{text: a, correct: true}}, {{text: b}}, "
                  "{text: c}, {text: d, correct: true}]}\n"
                  for n, k in ((1, "multiple"), (2, "multiple"), (3, "order"), (4, "multiple"))))
    tmp.write_text(answers_yaml, encoding="utf-8")
    assert read_answers(tmp, order_quiz) == {"q1": [2], "q2": [1, 3], "q3": [2, 1, 4, 3], "q4": []}


def test_formats_broken_example_is_reported_not_accepted() -> None:
    """The check above can fail: a scenario with an unknown action is refused."""
    with pytest.raises(ContentError):
        parse_scenario("title: t\ntopics: [orders]\nfaults:\n  - {when: start, do: unplug}\n", "x.yaml")


def test_sandbox_doc_covers_every_public_method_and_setting() -> None:
    doc = text("sandbox.md")
    public = [n for n, _ in inspect.getmembers(Sandbox) if not n.startswith("_") and n != "cluster"]
    missing = [n for n in public if not re.search(rf"\b{n}\b", doc)]
    assert not missing, f"docs/sandbox.md does not describe Sandbox.{missing}"
    fields = [f for f in SandboxConfig.__dataclass_fields__]
    assert not [f for f in fields if f"`{f}`" not in doc]


def test_sandbox_doc_lists_every_event_kind() -> None:
    emitted: set[str] = set()
    for path in (ROOT / "engine" / "sandbox").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        emitted |= set(re.findall(r"\bemit\((?:[^,()]+|[^,()]*\([^()]*\)),\s*\"(\w+)\"", source))
        emitted |= set(re.findall(r"\b_emit(?:_fn)?\(\"(\w+)\"", source))
        for chosen in re.findall(r"\bkind = \"(\w+)\" if .*? else \"(\w+)\"", source):   # a kind picked by a condition
            emitted |= set(chosen)
    assert {"append", "leader_change", "isr_shrink", "txn_fenced", "group_join"} <= emitted   # the scan itself works
    doc = text("sandbox.md")
    assert not sorted(k for k in emitted if f"`{k}`" not in doc)


def test_matrix_rows_name_tests_that_exist() -> None:
    doc = section(text("sandbox.md"), "The semantics matrix")
    sources = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests" / "sandbox" / "clients").glob("test_*.py"))
    rows = re.findall(r"^\| ([PC][1-6]) \|.*?`(?:\w+\.py::)?(test_\w+)`", doc, re.M)
    assert [r for r, _ in rows] == ["P1", "P2", "P3", "P4", "P5", "P6", "C1", "C2", "C3", "C4", "C5"]
    assert not [t for _, t in rows if f"def {t}(" not in sources]


def test_sandbox_doc_api_table_is_the_brokers() -> None:
    from engine.sandbox.server.api_handlers import API_HANDLERS

    doc = section(text("sandbox.md"), "Kafka behaviour that is modelled")
    documented = set(re.findall(r"\| (\w+) \| (\d+)-(\d+) \|", doc))
    served = {(h.name, str(h.min_version), str(h.max_version)) for h in API_HANDLERS}
    assert documented == served
