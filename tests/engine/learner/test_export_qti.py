"""`course export --format qti21`: an IMS QTI 2.1 content package.

test_qti_xsd.py validates the items and tests against IMS's QTI 2.1 XSD. This file reads the
package independently: the manifest (whose IMS CP schema is not checked there) lists every file
and every test reference resolves; identifiers are NCNames unique in the package; cardinality
and interaction agree and correct responses name existing choices. It also reads the items back
into questions and compares them with the quiz, and scores every possible answer with QTI's
map_response rules to check that the partial credit an LMS computes equals the course's own
grading.
"""

from __future__ import annotations

import io
import itertools
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from course.cli import main
from engine.content.quizfile import load_quiz, load_quiz_text
from engine.learner.grading import grade_question
from engine.learner.qti import CP_NS, QTI_NS, TEMPLATES, to_qti21
from engine.model import Quiz
from tests.paths import ROOT

SHIPPED = sorted((ROOT / "quizzes").glob("*.yaml"))
NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
XSI = "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation"
# assessmentItem's children, in the order the QTI 2.1 schema's sequence requires
ITEM_ORDER = ["responseDeclaration", "outcomeDeclaration", "templateDeclaration", "templateProcessing",
              "stylesheet", "itemBody", "responseProcessing", "modalFeedback"]
CONTENT = {"p", "pre", "code", "em", "strong", "a", "ul", "ol", "li", "blockquote", "h1", "h2", "h3", "h4",
           "h5", "h6", "br", "hr", "img", "div", "span", "choiceInteraction", "orderInteraction",
           "simpleChoice", "prompt"}


def q(tag: str) -> str:
    return f"{{{QTI_NS}}}{tag}"


def local(tag: str) -> str:
    return tag.split("}", 1)[1] if tag.startswith("{") else tag


def read_package(data: bytes) -> tuple[dict[str, ET.Element], ET.Element]:
    zf = zipfile.ZipFile(io.BytesIO(data))
    docs = {name: ET.fromstring(zf.read(name)) for name in zf.namelist()}
    return docs, docs.pop("imsmanifest.xml")


def check_package(data: bytes, quizzes: list[Quiz]) -> None:
    docs, manifest = read_package(data)
    assert manifest.tag == f"{{{CP_NS}}}manifest" and manifest.get(XSI, "").startswith(CP_NS)
    resources = manifest.findall(f"{{{CP_NS}}}resources/{{{CP_NS}}}resource")
    listed = {r.get("href") for r in resources}
    assert listed == set(docs), "every file is a resource of the manifest and vice versa"
    ids = [r.get("identifier") for r in resources]
    assert len(ids) == len(set(ids)) and all(NCNAME.match(i or "") for i in ids)
    by_id = {r.get("identifier"): r for r in resources}
    for r in resources:
        assert r.get("type") in ("imsqti_item_xmlv2p1", "imsqti_test_xmlv2p1")
        assert [f.get("href") for f in r.findall(f"{{{CP_NS}}}file")] == [r.get("href")]
        for dep in r.findall(f"{{{CP_NS}}}dependency"):
            assert dep.get("identifierref") in by_id

    items = {name: doc for name, doc in docs.items() if doc.tag == q("assessmentItem")}
    tests = [doc for doc in docs.values() if doc.tag == q("assessmentTest")]
    assert len(tests) == len(quizzes) and len(items) == sum(len(z.questions) for z in quizzes)
    for doc in docs.values():
        assert doc.get(XSI, "").startswith(QTI_NS + " ")
        assert NCNAME.match(doc.get("identifier", ""))
    for test, quiz in zip(tests, quizzes):
        refs = test.findall(f"{q('testPart')}/{q('assessmentSection')}/{q('assessmentItemRef')}")
        assert len(refs) == len(quiz.questions)
        for ref, question in zip(refs, quiz.questions):
            target = str(Path("tests", ref.get("href", "")).as_posix()).replace("tests/../", "")
            assert target in items and items[target].get("identifier") == ref.get("identifier")
            check_item(items[target], quiz, question)


def check_item(item: ET.Element, quiz: Quiz, question) -> None:
    for attr in ("identifier", "title", "adaptive", "timeDependent"):
        assert item.get(attr), attr
    order = [ITEM_ORDER.index(local(child.tag)) for child in item]
    assert order == sorted(order), "assessmentItem's children are out of the schema's order"
    decl = item.find(q("responseDeclaration"))
    assert decl is not None and decl.get("baseType") == "identifier"
    body = item.find(q("itemBody"))
    assert body is not None
    for el in body.iter():
        assert el.tag.startswith(f"{{{QTI_NS}}}") and local(el.tag) in CONTENT | {"itemBody"}, el.tag
    choice = body.find(q("choiceInteraction"))
    ordering = body.find(q("orderInteraction"))
    interaction = choice if choice is not None else ordering
    assert interaction is not None and interaction.get("responseIdentifier") == decl.get("identifier")
    choices = [c.get("identifier") for c in interaction.findall(q("simpleChoice"))]
    assert len(choices) == len(set(choices)) == len(question.options)
    correct = [v.text for v in decl.findall(f"{q('correctResponse')}/{q('value')}")]
    assert set(correct) <= set(choices)
    # read the question back
    if ordering is not None:
        kind = "order"
        assert decl.get("cardinality") == "ordered" and correct == choices
    elif choice.get("maxChoices") == "1":
        kind = "single"
        assert decl.get("cardinality") == "single" and len(correct) == 1
    else:
        kind = "multiple"
        assert choice.get("maxChoices") == "0" and decl.get("cardinality") == "multiple"
    assert kind == question.kind
    assert [choices.index(c) for c in correct] == question.correct_indexes
    template = item.find(q("responseProcessing")).get("template")
    mapping = decl.find(q("mapping"))
    if kind == "multiple" and quiz.options.partial:
        assert template == TEMPLATES + "map_response" and mapping is not None
        check_partial_credit(question, choices, mapping)
    else:
        assert template == TEMPLATES + "match_correct" and mapping is None


def check_partial_credit(question, choices: list[str], mapping: ET.Element) -> None:
    """QTI's map_response: sum the mapped values of the distinct chosen keys, then bound it."""
    values = {e.get("mapKey"): float(e.get("mappedValue")) for e in mapping.findall(q("mapEntry"))}
    low, high = float(mapping.get("lowerBound")), float(mapping.get("upperBound"))
    for size in range(1, len(choices) + 1):
        for picked in itertools.combinations(range(len(choices)), size):
            lms = min(high, max(low, sum(values.get(choices[i], float(mapping.get("defaultValue"))) for i in picked)))
            ours = grade_question(question, [i + 1 for i in picked], partial=True).credit
            assert lms == pytest.approx(ours), (question.id, picked)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_quiz_makes_a_well_formed_package(path: Path) -> None:
    quiz = load_quiz(path)
    package = to_qti21([quiz])
    check_package(package.data, [quiz])


def test_partial_credit_is_the_courses(tmp_path: Path) -> None:
    quiz = load_quiz_text("id: '3 partial'\ntitle: P\noptions: {partial: true}\nquestions:\n"
                          "  - {id: m, kind: multiple, prompt: '**which**', options: [{text: a, correct: true}, "
                          "{text: b}, {text: '`c`', correct: true}, {text: d, correct: true}]}\n"
                          "  - {id: o, kind: order, prompt: o, options: [{text: a}, {text: b}]}\n", "p.yaml")
    package = to_qti21([quiz])
    check_package(package.data, [quiz])
    assert any("no standard partial credit for an order" in w for w in package.warnings)


def test_the_same_quiz_gives_the_same_bytes() -> None:
    quiz = load_quiz(SHIPPED[0])
    assert to_qti21([quiz]).data == to_qti21([quiz]).data


def test_course_export_writes_the_package(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "quizzes.zip"
    assert main(["export", str(SHIPPED[0]), str(SHIPPED[1]), "--format", "qti21", "--out", str(out)]) == 0
    quizzes = [load_quiz(SHIPPED[0]), load_quiz(SHIPPED[1])]
    check_package(out.read_bytes(), quizzes)
    err = capsys.readouterr().err
    assert "not exported to QTI" in err
