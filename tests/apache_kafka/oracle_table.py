"""The oracle's one table: every row the real-Kafka comparison ran (producer matrix P1-P6, consumer
rows C1-C5, each lesson example), with each client, its outcome on the sandbox and on Apache Kafka,
and whether the two agree.

The oracle tests attach their row with `record_property("figures", "<row> <client> sandbox: <outcome>
kafka: <outcome>")`, and may add `record_property("verdict", ...)`: "same guarantee" when the counts
differ but the delivery guarantee is the same, otherwise what differs. pytest writes both into its
JUnit XML report (`--junitxml`, also from pytest-xdist workers); this module reads that report:

    python -m tests.apache_kafka.oracle_table build/oracle.xml

The "same?" column says `same` when both outcomes read alike, `same guarantee` when the counts
differ but the test found the same guarantee kept on both (the counts a lost batch holds depend on
batching and timing), and `DIFFERENT` when the test failed or is a known difference (xfail)."""

from __future__ import annotations

import re
import sys
import textwrap
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

FIGURES = re.compile(r"^\s*(?P<row>\S+)\s+(?P<client>\S+)\s+sandbox:\s*(?P<sandbox>.*?)\s+kafka:\s*(?P<kafka>.*?)\s*$")
# Which table each test module's rows belong to, in the order they are shown.
SECTIONS = {"test_matrix": "producer matrix", "test_consumer_rows": "consumer rows",
            "test_lessons": "lesson examples", "test_lessons_kafka_python": "lesson examples"}
SAME_GUARANTEE = "same guarantee"
OUTCOME_WIDTH = 46  # an outcome longer than this wraps onto the next lines of its row


@dataclass(frozen=True)
class OracleRow:
    section: str
    row: str
    client: str
    sandbox: str
    kafka: str
    result: str  # passed, FAILED, xfail (a known difference), skipped
    note: str  # what differs, why it failed or skipped ("" when the two agree)
    seconds: float = 0.0  # the test's own time (both backends), for the budget line, never compared

    @property
    def same(self) -> str:
        if self.result == "skipped":
            return "-"
        if self.result != "passed":
            return "DIFFERENT"
        return "same" if self.sandbox == self.kafka else SAME_GUARANTEE


def read_report(path: Path) -> list[OracleRow]:
    """The oracle rows of one JUnit XML report, in the order they ran: each test that recorded
    figures, and each parametrized test of an oracle module that did not get that far (failed or
    skipped first)."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        raise SystemExit(f"{path}: cannot read the pytest report ({exc}); run the oracle with --junitxml={path}")
    rows = []
    for case in root.iter("testcase"):
        module = case.get("classname", "").rsplit(".", 1)[-1]
        name = case.get("name", "")
        props = {p.get("name"): p.get("value", "") for p in case.iter("property")}
        if module not in SECTIONS or ("figures" not in props and "[" not in name):
            continue
        result, message = _result(case)
        fig = FIGURES.match(props.get("figures", ""))
        if fig:
            row, client, sandbox, kafka = fig["row"], fig["client"], fig["sandbox"], fig["kafka"]
        else:  # ended before its figures: named by its parameters
            row, client, sandbox, kafka = name[name.find("[") + 1:-1], "", "(no outcome)", "(no outcome)"
        verdict = props.get("verdict", "")
        note = message if result != "passed" else ("" if verdict in ("", SAME_GUARANTEE) else verdict)
        if result == "passed" and verdict and verdict != SAME_GUARANTEE:
            result = "FAILED"  # a verdict of difference on a passing test: never shown as agreement
        rows.append(OracleRow(SECTIONS[module], row, client, sandbox, kafka, result, note,
                              float(case.get("time") or 0)))
    return rows


def ordered(rows: list[OracleRow]) -> list[OracleRow]:
    """Matrix and consumer rows by name (P1..P6, C1..C5), lesson examples in lesson order (the order
    pytest first ran them in), each row's clients alphabetically."""
    order = list(dict.fromkeys(SECTIONS.values()))
    first_seen = {r.row: i for i, r in reversed(list(enumerate(rows)))}
    return sorted(rows, key=lambda r: (order.index(r.section),
                                       first_seen[r.row] if r.section == "lesson examples" else r.row, r.client))


def _result(case: ET.Element) -> tuple[str, str]:
    for tag in ("failure", "error"):
        el = case.find(tag)
        if el is not None:
            return "FAILED", _first_line(el.get("message") or el.text or tag)
    el = case.find("skipped")
    if el is not None:
        if el.get("type") == "pytest.xfail":
            return "xfail", _first_line(el.get("message") or "")
        return "skipped", _first_line(el.get("message") or "")
    return "passed", ""


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= 200 else line[:197] + "..."


def render(rows: list[OracleRow]) -> str:
    """A plain text table, one line per row and client, a section header per kind of row, then the
    notes: what differed, failed or was skipped, and why."""
    if not rows:
        return "The oracle report has no rows (did the oracle tests run?)."
    rows = ordered(rows)
    head = ("row", "client", "sandbox", "Kafka", "same?", "test")
    cells = [(r.row, r.client, r.sandbox, r.kafka, r.same, r.result) for r in rows]
    # Long outcomes (the consumer rows') wrap within their column, so the table stays readable.
    wrapped = [tuple(textwrap.wrap(v, OUTCOME_WIDTH, break_on_hyphens=False) or [""] if i in (2, 3) else [v]
                     for i, v in enumerate(c)) for c in cells]
    widths = [max(len(line) for c in [tuple([h] for h in head), *wrapped] for line in c[i]) for i in range(len(head))]

    def line(values: tuple[str, ...]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths)).rstrip()

    out = [line(head), line(tuple("-" * w for w in widths))]
    section = None
    for r, c in zip(rows, wrapped):
        if r.section != section:
            section = r.section
            out.append(f"-- {section}")
        for i in range(max(len(lines) for lines in c)):
            out.append(line(tuple(lines[i] if i < len(lines) else "" for lines in c)))
    counts = {k: sum(1 for r in rows if r.same == k) for k in ("same", SAME_GUARANTEE, "DIFFERENT", "-")}
    out.append(f"{len(rows)} rows: {counts['same']} same, {counts[SAME_GUARANTEE]} same guarantee, "
               f"{counts['DIFFERENT']} different, {counts['-']} skipped")
    spent: dict[tuple[str, str], float] = {}
    for r in rows:
        spent[r.section, r.client] = spent.get((r.section, r.client), 0.0) + r.seconds
    for section in dict.fromkeys(r.section for r in rows):
        out.append(f"time, {section}: " + ", ".join(f"{client or '?'} {secs:.0f} s"
                                                    for (sec, client), secs in spent.items() if sec == section))
    notes = [f"  {r.row} {r.client}: [{r.result}] {r.note}" for r in rows if r.note]
    if notes:
        out += ["notes:", *notes]
    return "\n".join(out)


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: python -m tests.apache_kafka.oracle_table REPORT.xml [...]", file=sys.stderr)
        return 2
    rows = [r for a in argv for r in read_report(Path(a))]
    print(render(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
