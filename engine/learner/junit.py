"""`course check --junit FILE`: exercise results as JUnit XML, the report CI servers read.

One <testcase> per exercise (classname `exercises`, name = the exercise); a check that did not
pass gets a <failure> whose message is the check's feedback (what `course check` prints under
NOT YET), with the counts in its body; the script's own output goes to <system-out>. The layout
is the common one of Ant/Maven Surefire reports that Jenkins, GitLab and GitHub actions parse.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from typing import Sequence

from engine.runs.exercises import CheckResult

SUITE = "course check"


def junit_xml(results: Sequence[CheckResult], now: datetime | None = None) -> str:
    failures = sum(1 for r in results if not r.passed)
    total_time = sum(r.run.duration for r in results)
    stamp = (now or datetime.now(timezone.utc)).replace(microsecond=0).isoformat()
    common = {"tests": str(len(results)), "failures": str(failures), "errors": "0", "skipped": "0",
              "time": f"{total_time:.3f}"}
    root = ET.Element("testsuites", {"name": SUITE, **common})
    suite = ET.SubElement(root, "testsuite", {"name": SUITE, **common, "timestamp": stamp})
    for r in results:
        case = ET.SubElement(suite, "testcase", {"classname": "exercises", "name": r.exercise.name,
                                                 "time": f"{r.run.duration:.3f}"})
        if not r.passed:
            o = r.run.outcome
            kind = "timeout" if r.run.timed_out else "crash" if r.run.exit_code not in (0, None) else "not-yet"
            failure = ET.SubElement(case, "failure", {"message": " ".join(r.feedback), "type": kind})
            failure.text = "\n".join(
                [*r.feedback, "", f"pass rule: {r.exercise.rule.text}",
                 f"sent {o.sent}, acknowledged {o.acknowledged}, in the log {o.in_log}, lost {o.lost}, "
                 f"duplicates {o.duplicates}", f"faults: {'; '.join(r.run.faults) or 'none'}"])
        if r.run.output:
            ET.SubElement(case, "system-out").text = "\n".join(r.run.output)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
