"""A drill's report: what was expected, what was measured, what happened when; JSON and Markdown under var/drills/.

The JSON is the contract other parts read (the control center exports
``lofin_drill_last_success_timestamp_seconds{scenario}`` from the newest file per scenario):
``scenario``, ``number``, ``title``, ``started_at``, ``finished_at``, ``passed``, ``rto_seconds``,
``rpo_missing_writes``, ``dr_lag_seconds_at_fault``, ``failed_requests``, ``slow_requests``,
``alerts_fired``, ``failures``, and more measurements besides.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from infra.topology import PROJECT_ROOT

REPORTS_DIR = PROJECT_ROOT / "var" / "drills"


@dataclass
class Report:
    """Everything one run of one scenario measured; filled in as the drill goes."""

    scenario: str
    number: int
    title: str
    given: str
    when: str
    then: list[str]
    started_at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    finished_at: str | None = None
    passed: bool = False
    rto_seconds: float | None = None
    rpo_missing_writes: int | None = None
    dr_lag_seconds_at_fault: float | None = None
    dr_lag_bytes_at_fault: int | None = None
    write_pause_seconds: float | None = None
    failed_requests: int = 0
    slow_requests: int = 0
    acknowledged_writes: int = 0
    requests: dict[str, dict[str, int]] = field(default_factory=dict)
    alerts_fired: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    measurements: dict[str, Any] = field(default_factory=dict)
    topology_before: dict[str, Any] = field(default_factory=dict)
    topology_after: dict[str, Any] = field(default_factory=dict)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    load_average: list[float] = field(default_factory=list)
    duration_seconds: float | None = None
    _clock: float = field(default_factory=time.monotonic, repr=False)

    def event(self, text: str, at: float | None = None) -> None:
        """Add ``text`` to the timeline at monotonic time ``at`` (now by default)."""
        moment = time.monotonic() if at is None else at
        self.timeline.append({"t": round(moment - self._clock, 2), "event": text})

    def seconds_since_start(self, moment: float) -> float:
        """``moment`` (monotonic) as seconds since the drill began."""
        return moment - self._clock

    def finish(self) -> None:
        """Stamp the end, the duration and the machine's load; passed means no expectation failed."""
        self.finished_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self.duration_seconds = round(time.monotonic() - self._clock, 1)
        self.load_average = [round(value, 2) for value in os.getloadavg()]
        self.passed = not self.failures

    def as_json(self) -> dict[str, Any]:
        """The report as the JSON file holds it."""
        data = asdict(self)
        data.pop("_clock")
        return data

    def write(self, directory: Path = REPORTS_DIR) -> tuple[Path, Path]:
        """Write ``<UTC YYYYmmddTHHMMSSZ>-<scenario>.json`` and ``.md``; returns both paths."""
        directory.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.fromisoformat(self.started_at).strftime("%Y%m%dT%H%M%SZ")
        base = directory / f"{stamp}-{self.scenario}"
        json_path, markdown_path = base.with_suffix(".json"), base.with_suffix(".md")
        json_path.write_text(json.dumps(self.as_json(), indent=2, default=str) + "\n", encoding="utf-8")
        markdown_path.write_text(markdown(self), encoding="utf-8")
        return json_path, markdown_path


def _number(value: float | int | None, unit: str = "") -> str:
    if value is None:
        return "–"
    return f"{value:.1f}{unit}" if isinstance(value, float) else f"{value}{unit}"


def markdown(report: Report) -> str:
    """The report for a person: verdict, Given/When/Then, the numbers, topology, timeline."""
    verdict = "PASSED" if report.passed else "FAILED"
    lines = [
        f"# Drill {report.number}: {report.title} — {verdict}",
        "",
        f"Scenario `{report.scenario}`, {report.started_at} → {report.finished_at} "
        f"({_number(report.duration_seconds, ' s')}), load average {report.load_average}.",
        "",
        f"- **Given** {report.given}",
        f"- **When** {report.when}",
        *(f"- **Then** {then}" for then in report.then),
        "",
    ]
    if report.failures:
        lines += ["## Failed expectations", "", *(f"- {failure}" for failure in report.failures), ""]
    lines += [
        "## Measured",
        "",
        "| measure | value |",
        "|---|---|",
        f"| RTO (fault → first acknowledged write) | {_number(report.rto_seconds, ' s')} |",
        f"| longest pause between acknowledged writes | {_number(report.write_pause_seconds, ' s')} |",
        f"| RPO: acknowledged writes missing afterwards | {_number(report.rpo_missing_writes)} |",
        f"| DR replication lag at the fault | {_number(report.dr_lag_seconds_at_fault, ' s')} "
        f"({_number(report.dr_lag_bytes_at_fault, ' bytes')}) |",
        f"| acknowledged writes | {report.acknowledged_writes} |",
        f"| failed requests | {report.failed_requests} |",
        f"| slow requests (> 1 s) | {report.slow_requests} |",
        f"| alerts fired | {', '.join(report.alerts_fired) or '–'} |",
        *(f"| {name} | {value} |" for name, value in report.measurements.items()),
        "",
        "Requests by outcome: "
        + "; ".join(f"{kind}: {counts}" for kind, counts in report.requests.items())
        + "",
        "",
        "## Topology",
        "",
        "| when | region | member | role | state | TL |",
        "|---|---|---|---|---|---|",
    ]
    for when, topology in (("before", report.topology_before), ("after", report.topology_after)):
        for region, found in topology.items():
            lines += [
                f"| {when} | {region} | {m['name']} | {m['role']} | {m['state']} | {m['timeline']} |"
                for m in found
            ] or [f"| {when} | {region} | (no member answers) | | | |"]
    lines += ["", "## Timeline", "", "| t (s) | event |", "|---|---|"]
    lines += [f"| {entry['t']:.2f} | {entry['event']} |" for entry in report.timeline]
    return "\n".join(lines) + "\n"
