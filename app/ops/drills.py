"""Drill reports (``var/drills/<UTC stamp>-<scenario>.json``, written by ``lofin-ops drill``), read cheaply.

The directory is re-read only when its modification time changes (a new report is a new file) and at
most every few seconds, so the control center's polling and every ``/metrics`` scrape cost a
``stat``. A file that is not a drill report (half-written, another format) is skipped, never fatal.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Annotated

import msgspec

from app.ops.schemas import DrillState

RESCAN_AFTER_SECONDS = 5.0
MAX_REPORT_BYTES = 5 * 1024 * 1024


class DrillReport(msgspec.Struct):
    """The part of a drill report the control center reads (the file holds more)."""

    scenario: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    number: int
    title: str
    started_at: datetime
    finished_at: datetime
    passed: bool
    rto_seconds: float | None = None
    rpo_missing_writes: int | None = None
    dr_lag_seconds_at_fault: float | None = None
    failed_requests: int = 0
    slow_requests: int = 0
    alerts_fired: list[str] = msgspec.field(default_factory=list)
    failures: list[str] = msgspec.field(default_factory=list)


_decoder = msgspec.json.Decoder(DrillReport)


def read_report(path: Path) -> DrillReport | None:
    """One report, or ``None`` when the file is not a complete drill report."""
    try:
        if path.stat().st_size > MAX_REPORT_BYTES:
            return None
        report = _decoder.decode(path.read_bytes())
    except (OSError, msgspec.DecodeError):
        return None
    if report.started_at.tzinfo is None or report.finished_at.tzinfo is None:
        return None
    return report


def summarise(reports: list[DrillReport]) -> list[DrillState]:
    """The newest report per scenario, with when that scenario last passed; ordered by drill number."""
    latest: dict[str, DrillReport] = {}
    last_success: dict[str, datetime] = {}
    for report in reports:
        known = latest.get(report.scenario)
        if known is None or report.finished_at > known.finished_at:
            latest[report.scenario] = report
        passed_at = last_success.get(report.scenario)
        if report.passed and (passed_at is None or report.finished_at > passed_at):
            last_success[report.scenario] = report.finished_at
    return [
        DrillState(
            scenario=report.scenario,
            number=report.number,
            title=report.title,
            finished_at=report.finished_at,
            passed=report.passed,
            rto_seconds=report.rto_seconds,
            rpo_missing_writes=report.rpo_missing_writes,
            failures=report.failures,
            last_success_at=last_success.get(report.scenario),
        )
        for report in sorted(latest.values(), key=lambda r: (r.number, r.scenario))
    ]


class DrillReports:
    """The drill summaries of one directory, cached until the directory changes."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._checked = 0.0
        self._mtime: float | None = None
        self._summary: list[DrillState] = []

    def latest(self) -> list[DrillState]:
        """The newest report per scenario (empty when there is no directory or no report)."""
        with self._lock:
            now = time.monotonic()
            if now - self._checked < RESCAN_AFTER_SECONDS and self._checked:
                return self._summary
            self._checked = now
            try:
                mtime = self.directory.stat().st_mtime
            except OSError:
                self._mtime, self._summary = None, []
                return self._summary
            if mtime != self._mtime:
                reports = [read_report(path) for path in sorted(self.directory.glob("*.json"))]
                self._summary = summarise([r for r in reports if r is not None])
                self._mtime = mtime
            return self._summary


_by_directory: dict[Path, DrillReports] = {}


def drill_reports(directory: Path) -> DrillReports:
    """The process-wide cache for ``directory``."""
    return _by_directory.setdefault(directory, DrillReports(directory))
