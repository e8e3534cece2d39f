"""The oracle's table is read from a real pytest JUnit report: a small test file recording figures
the way the oracle tests do is run by pytest, and its report rendered."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from tests.apache_kafka.oracle_table import read_report, render

ORACLE_LIKE = textwrap.dedent('''
    import pytest

    @pytest.mark.parametrize("row", ["P1", "P2", "P3", "P4", "P5"])
    def test_row_on_sandbox_and_kafka(row, record_property):
        kafka = {"P2": "acked=5 lost=2", "P5": "acked=4 lost=0"}.get(row, "acked=5 lost=0")
        record_property("figures", f"{row:3s} java             sandbox: acked=5 lost=0     kafka: {kafka}")
        if row == "P3":
            record_property("verdict", "lost: sandbox 0, Kafka 3")
        if row == "P5":
            record_property("verdict", "same guarantee")
        if row == "P4":
            pytest.xfail("a known difference")
        assert row != "P2", "P2 differs"

    @pytest.mark.parametrize("row", ["C9"])
    def test_without_figures(row):
        pytest.skip("no Kafka here")
''')


def test_the_table_shows_each_row_and_whether_the_backends_agree(tmp_path: Path) -> None:
    (tmp_path / "test_matrix.py").write_text(ORACLE_LIKE)
    report = tmp_path / "oracle.xml"
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                    f"--rootdir={tmp_path}", f"--junitxml={report}", str(tmp_path / "test_matrix.py")],
                   cwd=tmp_path, capture_output=True, text=True, timeout=300)
    rows = {r.row: r for r in read_report(report)}
    names = ("P1", "P2", "P3", "P4", "P5", "C9")
    assert sorted(rows) == sorted(names)
    assert (rows["P1"].client, rows["P1"].sandbox, rows["P1"].kafka) == ("java", "acked=5 lost=0", "acked=5 lost=0")
    assert [rows[r].same for r in names] == ["same", "DIFFERENT", "DIFFERENT", "DIFFERENT", "same guarantee", "-"]
    assert [rows[r].result for r in names] == ["passed", "FAILED", "FAILED", "xfail", "passed", "skipped"]
    assert "P2 differs" in rows["P2"].note and rows["P3"].note == "lost: sandbox 0, Kafka 3"
    table = render(list(rows.values()))
    assert "6 rows: 1 same, 1 same guarantee, 3 different, 1 skipped" in table
    assert any(line.startswith("P2 ") and "acked=5 lost=2" in line and "DIFFERENT" in line
               for line in table.splitlines())


def test_an_unreadable_report_says_how_to_make_one(tmp_path: Path) -> None:
    try:
        read_report(tmp_path / "missing.xml")
    except SystemExit as exc:
        assert "--junitxml" in str(exc) and "missing.xml" in str(exc)
    else:
        raise AssertionError("a missing report must stop the table with a message")
