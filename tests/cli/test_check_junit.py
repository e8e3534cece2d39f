"""`course check --junit FILE`: one testcase per exercise, the failure message is the check's feedback."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from course.cli import main

pytestmark = pytest.mark.slow


def test_junit_report_matches_the_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "course"
    for name in ("drops-fixed", "drops-open"):
        assert main(["new", "exercise", name, "--course", str(root)]) == 0
    workspace = tmp_path / "ws"
    workspace.mkdir()
    # one learner copy is the reference solution, the other stays the starting script
    (workspace / "drops-fixed.py").write_text((root / "exercises" / "drops-fixed" / "solution.py").read_text())
    monkeypatch.setenv("COURSE_WORKSPACE", str(workspace))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    capsys.readouterr()
    report = tmp_path / "out" / "report.xml"
    code = main(["--course", str(root), "check", "--json", "--junit", str(report)])
    assert code == 1  # one exercise does not pass yet
    results = {r["exercise"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert set(results) == {"drops-fixed", "drops-open"}

    tree = ET.parse(report).getroot()
    assert tree.tag == "testsuites"
    suite = tree.find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("2", "1", "0")
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert set(cases) == set(results)
    assert all(c.get("classname") == "exercises" and float(c.get("time", "0")) > 0 for c in cases.values())
    assert cases["drops-fixed"].find("failure") is None and results["drops-fixed"]["passed"]
    failure = cases["drops-open"].find("failure")
    assert failure is not None and not results["drops-open"]["passed"]
    assert failure.get("message") == " ".join(results["drops-open"]["feedback"])
    assert "missing from the log" in failure.get("message", "")
    assert "pass rule: lost == 0" in (failure.text or "")
    out = cases["drops-open"].find("system-out")
    assert out is not None and "events still waiting" in (out.text or "")
