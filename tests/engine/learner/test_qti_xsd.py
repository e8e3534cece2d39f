"""`course export --format qti21` checked against IMS's own QTI 2.1 XML Schema.

The schema (imsqti_v2p1.xsd, with xml.xsd, XInclude, MathML 2 and APIP that it imports) comes
from Maven Central inside the QTIWorks JQTI+ jar, pinned in qti21_xsd.pom.xml beside this file
and resolved with engine/jvm/maven.py (cached by the pom's hash, so Maven runs once per
machine). The schema imports by absolute URL; a resolver maps each URL to the jar's copy
(`xml-catalog/<host>/<path>`), and the parser never uses the network, so every import must
resolve from the jar: one that does not fails the test instead of being silently skipped, which
would leave part of the schema unchecked.

Every item and test of every shipped quiz's export must be valid, and so must a quiz that uses
every option the exporter maps (partial credit, order questions, question selection and
shuffling, rich Markdown). Deliberately broken exports must be rejected with the schema's reason.
The content package manifest (IMS CP 1.1) is not covered: its XSD is not in the jar;
test_export_qti.py checks the manifest's structure.
"""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import pytest

from engine.content.quizfile import load_quiz, load_quiz_text
from engine.jvm.maven import MissingTool, ResolveError, find_tools, jars, resolve_classpath
from engine.learner.qti import to_qti21
from tests.paths import ROOT

etree = pytest.importorskip("lxml.etree", reason="lxml (a test extra) validates XML against XSD")

POM = Path(__file__).with_name("qti21_xsd.pom.xml")
CATALOG = "uk/ac/ed/ph/jqtiplus/xml-catalog/"
QTI21_XSD = "http://www.imsglobal.org/xsd/imsqti_v2p1.xsd"
SHIPPED = sorted((ROOT / "quizzes").glob("*.yaml"))


class JarCatalog(etree.Resolver):
    """Serves `http(s)://host/path` from `<CATALOG>host/path` inside the jar; remembers misses."""

    def __init__(self, jar: zipfile.ZipFile) -> None:
        super().__init__()
        self.jar = jar
        self.missing: list[str] = []

    def entry(self, url: str) -> str | None:
        match = re.match(r"https?://(.+)$", url)
        name = CATALOG + match.group(1) if match else None
        return name if name in self.jar.NameToInfo else None

    def resolve(self, url, pubid, context):  # noqa: ANN001 - lxml's callback signature
        name = self.entry(url)
        if name is None:
            self.missing.append(url)
            return None
        # base_url keeps the http URL, so the MathML schema's relative includes come back here
        return self.resolve_string(self.jar.read(name), context, base_url=url)


def schema_jar() -> Path:
    """The JQTI+ jar from Maven Central: a skip (a failure under CI=true) when Maven is missing."""
    try:
        tools = find_tools(("mvn",), "checking QTI exports against the QTI 2.1 XSD")
        classpath = resolve_classpath(POM, tools)
    except (MissingTool, ResolveError) as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must check QTI exports against the XSD: {exc}")
        pytest.skip(str(exc))
    return next(j for j in jars(classpath) if "qtiworks-jqtiplus" in j.name)


@pytest.fixture(scope="module")
def qti21_schema() -> etree.XMLSchema:
    with zipfile.ZipFile(schema_jar()) as jar:
        catalog = JarCatalog(jar)
        parser = etree.XMLParser(no_network=True)
        parser.resolvers.add(catalog)
        entry = catalog.entry(QTI21_XSD)
        assert entry is not None, f"{QTI21_XSD} is not in the jar"
        root = etree.fromstring(jar.read(entry), parser, base_url=QTI21_XSD)
        schema = etree.XMLSchema(etree.ElementTree(root))
    assert catalog.missing == [], f"schema imports not found in the jar: {catalog.missing}"
    return schema


def problems(schema: etree.XMLSchema, files: dict[str, str]) -> list[str]:
    """`file:line: message` for each schema error in the package's items and tests."""
    found = []
    for name, text in files.items():
        if name == "imsmanifest.xml":
            continue
        if not schema.validate(etree.fromstring(text.encode("utf-8"))):
            found += [f"{name}:{e.line}: {e.message}" for e in schema.error_log]
    return found


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_every_shipped_quiz_exports_valid_qti21(qti21_schema: etree.XMLSchema, path: Path) -> None:
    package = to_qti21([load_quiz(path)])
    assert problems(qti21_schema, package.files) == []


EVERY_OPTION = """\
id: every-option
title: Every option the exporter maps
options: {partial: true, shuffle_questions: true, n_questions: 2, shuffle_answers: true}
questions:
  - id: one
    kind: single
    prompt: |
      ## A heading

      Some *em*, **strong**, `acks=all`, a [link](https://kafka.apache.org) and <b>raw</b> HTML.

      > a quote

      1. first
      2. second

      ```python
      print("x < y & z")
      ```

      ![a picture](pic.png)

      ---
    options: [{text: "`acks=all`", correct: true}, {text: "two\\n\\nparagraphs"}]
  - id: many
    kind: multiple
    prompt: Which ones?
    options: [{text: a, correct: true}, {text: b}, {text: c, correct: true}]
  - id: order
    kind: order
    prompt: Put them in order
    options: [{text: first}, {text: second}, {text: third}]
"""


def test_every_option_the_exporter_maps_is_valid(qti21_schema: etree.XMLSchema) -> None:
    package = to_qti21([load_quiz_text(EVERY_OPTION, "every-option.yaml")])
    assert problems(qti21_schema, package.files) == []
    test = package.files["tests/T-every-option.xml"]
    assert "<selection" in test and "<ordering" in test and "map_response" in str(package.files)


def test_one_package_of_all_shipped_quizzes_is_valid(qti21_schema: etree.XMLSchema) -> None:
    """What `course export quizzes/*.yaml --format qti21` writes (test_export_qti.py runs the command)."""
    package = to_qti21([load_quiz(path) for path in SHIPPED])
    assert sum(name.startswith("tests/") for name in package.files) == len(SHIPPED)
    assert problems(qti21_schema, package.files) == []


BREAKAGES = {
    # assessmentItem's children are a sequence: response processing comes after the body
    "children out of order": (
        lambda x: re.sub(r"(<itemBody>.*</itemBody>)(<responseProcessing [^>]*/>)", r"\2\1", x, flags=re.S),
        "itemBody': This element is not expected"),
    "unknown cardinality": (lambda x: x.replace('cardinality="single"', 'cardinality="one"', 1), "cardinality"),
    "not an NCName identifier": (lambda x: x.replace('identifier="C1"', 'identifier="1 C"', 1), "identifier"),
    "element outside the content model": (lambda x: x.replace("<itemBody>", "<itemBody><font>x</font>", 1), "font"),
    "required attribute dropped": (lambda x: x.replace(' timeDependent="false"', "", 1), "timeDependent"),
}


@pytest.mark.parametrize("breakage", BREAKAGES, ids=str)
def test_a_broken_export_is_rejected(qti21_schema: etree.XMLSchema, breakage: str) -> None:
    package = to_qti21([load_quiz(SHIPPED[0])])
    name = next(n for n, text in package.files.items() if n.startswith("items/") and 'cardinality="single"' in text)
    mutate, reason = BREAKAGES[breakage]
    broken = mutate(package.files[name])
    assert broken != package.files[name], "the breakage did not apply"
    found = problems(qti21_schema, {name: broken})
    assert found and any(reason in p for p in found), found
