"""Gauges the alert rules read: when each drill last passed and its RTO, and the last daily inspection.

``DrillOverdue`` (monitoring/rules/platform.rules.yml) fires on
``lofin_drill_last_success_timestamp_seconds``. The values are set just before ``/metrics`` answers,
from the drill reports' directory (a cached ``stat``, see :mod:`app.ops.drills`) and the newest
inspection row (one indexed query at most every :data:`INSPECTION_CACHE_SECONDS`).
"""

from __future__ import annotations

import time

from prometheus_client import Gauge
from sqlalchemy import select

from app.ops.drills import drill_reports
from app.ops.models import Inspection
from app.platform.db import Database
from app.platform.metrics import refresh_on_scrape
from app.platform.settings import get_settings

INSPECTION_CACHE_SECONDS = 10.0

DRILL_LAST_SUCCESS = Gauge(
    "lofin_drill_last_success_timestamp_seconds",
    "When each drill scenario last passed (Unix time).",
    ["scenario"],
    multiprocess_mode="mostrecent",
)
DRILL_LAST_RTO = Gauge(
    "lofin_drill_last_rto_seconds",
    "RTO the newest report of each drill scenario measured.",
    ["scenario"],
    multiprocess_mode="mostrecent",
)
INSPECTION_LAST_RUN = Gauge(
    "lofin_inspection_last_run_timestamp_seconds",
    "When the newest daily inspection finished (Unix time).",
    multiprocess_mode="mostrecent",
)
INSPECTION_FAILED_CHECKS = Gauge(
    "lofin_inspection_failed_checks",
    "Checks that failed in the newest daily inspection.",
    multiprocess_mode="mostrecent",
)

_inspection_checked = 0.0


@refresh_on_scrape
async def refresh_drill_gauges(_database: Database) -> None:
    """Set the drill gauges from the newest report per scenario."""
    for drill in drill_reports(get_settings().drill_reports_dir).latest():
        if drill.last_success_at is not None:
            DRILL_LAST_SUCCESS.labels(drill.scenario).set(drill.last_success_at.timestamp())
        if drill.rto_seconds is not None:
            DRILL_LAST_RTO.labels(drill.scenario).set(drill.rto_seconds)


@refresh_on_scrape
async def refresh_inspection_gauges(database: Database) -> None:
    """Set the inspection gauges from the newest inspection (no series until one has run)."""
    global _inspection_checked  # a per-process cache timestamp
    now = time.monotonic()
    if _inspection_checked and now - _inspection_checked < INSPECTION_CACHE_SECONDS:
        return
    _inspection_checked = now
    async with database.sessions_for(replica=False)() as session:
        newest = (
            await session.execute(
                select(Inspection.finished_at, Inspection.failed_checks)
                .order_by(Inspection.started_at.desc())
                .limit(1)
            )
        ).first()
    if newest is not None:
        INSPECTION_LAST_RUN.set(newest.finished_at.timestamp())
        INSPECTION_FAILED_CHECKS.set(newest.failed_checks)
