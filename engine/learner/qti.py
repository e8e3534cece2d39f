"""Quizzes as an IMS QTI 2.1 content package (a .zip), for LMSs that import QTI (`--format qti21`).

The package holds `imsmanifest.xml` (IMS Content Packaging 1.1), one `assessmentItem` per
question under `items/` and one `assessmentTest` per quiz under `tests/`. The mapping:

- `single` -> `choiceInteraction` with maxChoices 1, response cardinality `single`;
- `multiple` -> `choiceInteraction` with maxChoices 0 (any number), cardinality `multiple`;
- `order` -> `orderInteraction`, cardinality `ordered`, the written order being correct;
- scoring: the standard `match_correct` response-processing template (all or nothing), except
  `multiple` in a quiz with `partial: true`, which uses `map_response` with each right option
  worth +1/k and each wrong one -1/k, bounded to 0..1: the rule engine.learner.grading applies.
  QTI 2.1 has no standard template for partial credit on an order, so a partial `order`
  question is all-or-nothing there (export warns);
- prompts and options are Markdown rendered to XHTML; option feedback, hints and explanations
  are left out (QTI needs response processing of its own to show them; export warns);
- `shuffle_answers` becomes the interaction's `shuffle`; an order is always shown shuffled.

Identifiers are NCNames made from the quiz and question ids (`I-<quiz>-<question>`), so the
same quiz always exports to the same identifiers and an LMS re-import updates, not duplicates.

The test suite validates every item and test against IMS's QTI 2.1 XSD (imsqti_v2p1.xsd).
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from typing import Sequence

from engine.model import Question, Quiz

QTI_NS = "http://www.imsglobal.org/xsd/imsqti_v2p1"
QTI_XSD = "http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd"
CP_NS = "http://www.imsglobal.org/xsd/imscp_v1p1"
CP_XSD = "http://www.imsglobal.org/xsd/imscp_v1p1.xsd"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
TEMPLATES = "http://www.imsglobal.org/question/qti_v2p1/rptemplates/"

_NOT_NCNAME = re.compile(r"[^A-Za-z0-9_.-]")


@dataclass
class QtiPackage:
    data: bytes  # the zip
    files: dict[str, str] = field(default_factory=dict)  # path in the zip -> XML text
    warnings: list[str] = field(default_factory=list)


def ncname(*parts: str) -> str:
    """An XML NCName (what QTI identifiers must be) from free-form ids: other characters become `_`."""
    return _NOT_NCNAME.sub("_", "-".join(parts))


def item_identifier(quiz: Quiz, q: Question) -> str:
    return ncname("I", quiz.id, q.id)


def choice_identifier(n: int) -> str:
    return f"C{n}"


def _xhtml(markdown: str) -> ET.Element:
    """Markdown -> a <div> of XHTML elements (QTI 2.1's content model is XHTML's)."""
    from engine.learner.export import markdown_html

    try:
        return ET.fromstring(f"<div>{markdown_html(markdown)}</div>")
    except ET.ParseError:  # not well-formed XHTML (raw HTML in the Markdown): keep the text
        wrapper = ET.Element("div")
        ET.SubElement(wrapper, "p").text = markdown
        return wrapper


def _fill(target: ET.Element, markdown: str) -> None:
    """Put the Markdown's XHTML into `target`; a single paragraph is unwrapped (an option's text)."""
    wrapper = _xhtml(markdown)
    if len(wrapper) == 1 and wrapper[0].tag == "p" and not (wrapper.text or "").strip():
        wrapper = wrapper[0]
    target.text = wrapper.text
    target.extend(list(wrapper))


def _root(tag: str, namespace: str, schema: str, attrs: dict[str, str]) -> ET.Element:
    """A document element declaring its default namespace and schema location.

    Elements are built unqualified and the root carries `xmlns`, so XHTML from the Markdown
    renderer lands in the QTI namespace as QTI 2.1 wants its content elements (ElementTree's
    default_namespace option refuses unqualified attribute names, hence this way)."""
    return ET.Element(tag, {"xmlns": namespace, "xmlns:xsi": XSI_NS,
                            "xsi:schemaLocation": f"{namespace} {schema}", **attrs})


def item_xml(quiz: Quiz, q: Question, warnings: list[str]) -> ET.Element:
    cardinality = {"single": "single", "multiple": "multiple", "order": "ordered"}[q.kind]
    item = _root("assessmentItem", QTI_NS, QTI_XSD, {
        "identifier": item_identifier(quiz, q), "title": f"{quiz.title}: {q.id}",
        "adaptive": "false", "timeDependent": "false"})
    response = ET.SubElement(item, "responseDeclaration", {
        "identifier": "RESPONSE", "cardinality": cardinality, "baseType": "identifier"})
    correct = ET.SubElement(response, "correctResponse")
    for i in q.correct_indexes:
        ET.SubElement(correct, "value").text = choice_identifier(i + 1)
    partial_multiple = q.kind == "multiple" and quiz.options.partial
    if partial_multiple:
        k = len(q.correct_indexes)
        mapping = ET.SubElement(response, "mapping", {"lowerBound": "0", "upperBound": "1",
                                                          "defaultValue": "0"})
        right = set(q.correct_indexes)
        for i in range(len(q.options)):
            ET.SubElement(mapping, "mapEntry", {
                "mapKey": choice_identifier(i + 1), "mappedValue": repr((1 if i in right else -1) / k)})
    outcome = ET.SubElement(item, "outcomeDeclaration", {
        "identifier": "SCORE", "cardinality": "single", "baseType": "float"})
    ET.SubElement(ET.SubElement(outcome, "defaultValue"), "value").text = "0"
    body = ET.SubElement(item, "itemBody")
    body.extend(list(_xhtml(q.prompt)))
    if q.kind == "order":
        interaction = ET.SubElement(body, "orderInteraction", {"responseIdentifier": "RESPONSE", "shuffle": "true"})
        if quiz.options.partial:
            warnings.append(f"{quiz.id}/{q.id}: QTI 2.1 has no standard partial credit for an order; "
                            "all-or-nothing there")
    else:
        interaction = ET.SubElement(body, "choiceInteraction", {
            "responseIdentifier": "RESPONSE", "shuffle": "true" if quiz.options.shuffle_answers else "false",
            "maxChoices": "1" if q.kind == "single" else "0"})
    for n, option in enumerate(q.options, 1):
        choice = ET.SubElement(interaction, "simpleChoice", {"identifier": choice_identifier(n)})
        _fill(choice, option.text)
    template = "map_response" if partial_multiple else "match_correct"
    ET.SubElement(item, "responseProcessing", {"template": TEMPLATES + template})
    return item


def test_xml(quiz: Quiz) -> ET.Element:
    test = _root("assessmentTest", QTI_NS, QTI_XSD, {"identifier": ncname("T", quiz.id), "title": quiz.title})
    part = ET.SubElement(test, "testPart", {"identifier": "P1", "navigationMode": "nonlinear",
                                                "submissionMode": "simultaneous"})
    section = ET.SubElement(part, "assessmentSection", {
        "identifier": "S1", "title": quiz.title, "visible": "true"})
    if quiz.options.shuffle_questions or quiz.options.n_questions:
        select = {"select": str(quiz.options.n_questions or len(quiz.questions))}
        ET.SubElement(section, "selection", select)
        if quiz.options.shuffle_questions:
            ET.SubElement(section, "ordering", {"shuffle": "true"})
    for q in quiz.questions:
        ET.SubElement(section, "assessmentItemRef", {
            "identifier": item_identifier(quiz, q), "href": f"../items/{item_identifier(quiz, q)}.xml"})
    return test


def _text(element: ET.Element, indent: bool = False) -> str:
    """The document's XML text; items are not indented, because whitespace inside <pre> is content."""
    if indent:
        ET.indent(element, space="  ")
    body = ET.tostring(element, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def manifest_xml(quizzes: Sequence[Quiz]) -> ET.Element:
    def cp(tag: str) -> str:
        return tag

    manifest = _root("manifest", CP_NS, CP_XSD, {"identifier": ncname("M", *(quiz.id for quiz in quizzes))})
    metadata = ET.SubElement(manifest, cp("metadata"))
    ET.SubElement(metadata, cp("schema")).text = "QTIv2.1 Package"
    ET.SubElement(metadata, cp("schemaversion")).text = "1.0.0"
    ET.SubElement(manifest, cp("organizations"))
    resources = ET.SubElement(manifest, cp("resources"))
    for quiz in quizzes:
        items = []
        for q in quiz.questions:
            ident = item_identifier(quiz, q)
            href = f"items/{ident}.xml"
            res = ET.SubElement(resources, cp("resource"), {"identifier": ident, "type": "imsqti_item_xmlv2p1",
                                                            "href": href})
            ET.SubElement(res, cp("file"), {"href": href})
            items.append(ident)
        href = f"tests/{ncname('T', quiz.id)}.xml"
        res = ET.SubElement(resources, cp("resource"), {"identifier": ncname("T", quiz.id),
                                                        "type": "imsqti_test_xmlv2p1", "href": href})
        ET.SubElement(res, cp("file"), {"href": href})
        for ident in items:
            ET.SubElement(res, cp("dependency"), {"identifierref": ident})
    return manifest


def to_qti21(quizzes: Sequence[Quiz]) -> QtiPackage:
    """The content package: manifest, items and tests, zipped in a fixed order (same input, same bytes)."""
    warnings: list[str] = []
    files: dict[str, str] = {}
    for quiz in quizzes:
        for q in quiz.questions:
            files[f"items/{item_identifier(quiz, q)}.xml"] = _text(item_xml(quiz, q, warnings))
        files[f"tests/{ncname('T', quiz.id)}.xml"] = _text(test_xml(quiz), indent=True)
        dropped = [q.id for q in quiz.questions if q.explanation or q.hint or any(o.feedback for o in q.options)]
        if dropped:
            warnings.append(f"{quiz.id}: option feedback, hints and explanations are not exported to QTI "
                            f"({', '.join(dropped)})")
    files = {"imsmanifest.xml": _text(manifest_xml(quizzes), indent=True), **files}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text.encode("utf-8"))
    return QtiPackage(buffer.getvalue(), files, warnings)
