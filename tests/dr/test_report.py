"""The drill report is the contract the control center reads: its JSON fields and file names, without a lab."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from dr.cli import drill, summary_table
from dr.report import Report
from dr.scenarios import SCENARIOS

REQUIRED = {
    "scenario": str,
    "number": int,
    "title": str,
    "started_at": str,
    "finished_at": str,
    "passed": bool,
    "rto_seconds": (float, type(None)),
    "rpo_missing_writes": (int, type(None)),
    "dr_lag_seconds_at_fault": (float, type(None)),
    "failed_requests": int,
    "slow_requests": int,
    "alerts_fired": list,
    "failures": list,
}


def a_report(failures: list[str]) -> Report:
    report = Report("primary-crash", 1, "Primary node crash", "given", "when", ["then"])
    report.rto_seconds, report.rpo_missing_writes, report.dr_lag_seconds_at_fault = 19.4, 0, 0.0
    report.alerts_fired = ["PatroniLeaderChanged (daejeon)"]
    report.failures = failures
    report.event("FAULT: kill -9")
    report.finish()
    return report


class TestReportFiles:
    def test_json_has_every_field_the_control_center_reads(self, tmp_path: Path) -> None:
        json_path, markdown_path = a_report([]).write(tmp_path)
        assert re.fullmatch(r"\d{8}T\d{6}Z-primary-crash\.json", json_path.name)
        assert markdown_path.name == json_path.name.replace(".json", ".md")
        data = json.loads(json_path.read_text())
        for field, kind in REQUIRED.items():
            assert isinstance(data[field], kind), (field, data[field])
        assert data["passed"] is True
        assert data["load_average"] and data["timeline"][0]["event"] == "FAULT: kill -9"

    def test_a_failed_expectation_fails_the_report_and_shows_in_markdown(self, tmp_path: Path) -> None:
        report = a_report(["RTO 25.0 s is over the 20 s target"])
        assert report.passed is False
        _, markdown_path = report.write(tmp_path)
        text = markdown_path.read_text()
        assert "FAILED" in text.splitlines()[0]
        assert "RTO 25.0 s is over the 20 s target" in text


class TestCommands:
    def test_list_names_every_scenario_in_order(self) -> None:
        result = CliRunner().invoke(drill, ["list"])
        assert result.exit_code == 0
        slugs = re.findall(r"^(\d)\s+(\S+)", result.output, re.MULTILINE)
        assert slugs == [(str(s.number), s.slug) for s in SCENARIOS]
        assert [s.number for s in SCENARIOS] == [1, 2, 3, 4, 5, 6, 7]

    def test_an_unknown_scenario_is_refused(self) -> None:
        result = CliRunner().invoke(drill, ["primary-crsh"])
        assert result.exit_code == 2
        assert "Invalid value" in result.output

    def test_summary_table_shows_each_result_and_its_failures(self) -> None:
        table = summary_table([a_report([]), a_report(["RTO 25.0 s is over the 20 s target"])])
        lines = table.splitlines()
        assert "PASS" in lines[1] and "19.4" in lines[1]
        assert "FAIL" in lines[2]
        assert lines[-1].strip() == "primary-crash: RTO 25.0 s is over the 20 s target"
