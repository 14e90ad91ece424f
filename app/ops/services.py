"""Control-center rules: storing Alertmanager's notifications and the daily inspections, and reading them back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.ops.models import AlertNotification, AlertStatus, CheckStatus, Inspection
from app.ops.schemas import (
    AlertState,
    InspectionCheck,
    InspectionOut,
    InspectionReport,
    WebhookNotification,
)
from app.platform import audit
from app.platform.auth.models import Role
from app.platform.errors import ForbiddenError, InvalidInputError
from app.platform.paging import fetch_page
from app.platform.tenancy import Actor

OPERATOR_ROLES = frozenset({Role.OPERATOR})
# How far back the page looks for alerts when Alertmanager does not answer.
HISTORY_WINDOW = timedelta(hours=24)


def require_operator(actor: Actor) -> None:
    """Only control-center operators read and write the control center's records."""
    if actor.role not in OPERATOR_ROLES:
        raise ForbiddenError("Only control-center operators may use the control center.")


async def store_notification(
    session: AsyncSession, notification: WebhookNotification, received_at: datetime
) -> int:
    """One row per alert of an Alertmanager notification; returns how many were stored.

    Alertmanager itself authenticates with the webhook token (there is no acting account), so this is
    history, not an audited change of anyone's records.
    """
    for alert in notification.alerts:
        labels, annotations = alert.labels, alert.annotations
        session.add(
            AlertNotification(
                received_at=received_at,
                receiver=notification.receiver,
                fingerprint=alert.fingerprint,
                status=alert.status,
                alertname=labels.get("alertname", "")[:200] or "(unnamed)",
                severity=labels.get("severity", "")[:20],
                region=labels.get("region", "")[:40],
                summary=annotations.get("summary", "")[:1000],
                runbook_url=annotations.get("runbook_url", "")[:500],
                starts_at=_real_time(alert.starts_at),
                # Alertmanager sends 0001-01-01 for "not ended"
                ends_at=_real_time(alert.ends_at),
                labels=dict(labels),
            )
        )
    await session.flush()
    return len(notification.alerts)


def _real_time(moment: datetime | None) -> datetime | None:
    if moment is None or moment.year < 2000:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _alert_state(row: AlertNotification) -> AlertState:
    return AlertState(
        alertname=row.alertname,
        severity=row.severity,
        region=row.region,
        summary=row.summary,
        runbook_url=row.runbook_url,
        starts_at=row.starts_at,
        status=str(row.status),
        received_at=row.received_at,
    )


async def alert_history(session: AsyncSession, limit: int = 20) -> list[AlertState]:
    """The newest notifications, newest first."""
    rows = await session.scalars(select(AlertNotification).order_by(AlertNotification.id.desc()).limit(limit))
    return [_alert_state(row) for row in rows]


async def firing_from_history(session: AsyncSession, now: datetime) -> list[AlertState]:
    """Alerts whose newest notification of the last day says firing: what fires, as last heard."""
    newest = (
        select(func.max(AlertNotification.id))
        .where(AlertNotification.received_at >= now - HISTORY_WINDOW)
        .group_by(AlertNotification.alertname, AlertNotification.region, AlertNotification.fingerprint)
    )
    rows = await session.scalars(
        select(AlertNotification)
        .where(AlertNotification.id.in_(newest), AlertNotification.status == AlertStatus.FIRING)
        .order_by(AlertNotification.severity, AlertNotification.alertname)
    )
    return [_alert_state(row) for row in rows]


def _outcome(checks: list[InspectionCheck]) -> tuple[CheckStatus, int, int]:
    failed = sum(1 for check in checks if check.status is CheckStatus.FAIL)
    warned = sum(1 for check in checks if check.status is CheckStatus.WARN)
    status = CheckStatus.FAIL if failed else CheckStatus.WARN if warned else CheckStatus.OK
    return status, failed, warned


def inspection_out(row: Inspection) -> InspectionOut:
    """A stored inspection as the API and the page show it."""
    return InspectionOut(
        id=str(row.id),
        started_at=row.started_at,
        finished_at=row.finished_at,
        environment=row.environment,
        inspected_from=row.inspected_from,
        status=row.status,
        failed_checks=row.failed_checks,
        warned_checks=row.warned_checks,
        checks=msgspec.convert(row.checks, list[InspectionCheck]),
    )


async def record_inspection(session: AsyncSession, actor: Actor, report: InspectionReport) -> Inspection:
    """Keep one finished inspection; its status is its worst check's."""
    require_operator(actor)
    if report.finished_at < report.started_at:
        raise InvalidInputError("An inspection cannot finish before it started.")
    for moment in (report.started_at, report.finished_at):
        if moment.tzinfo is None:
            raise InvalidInputError("Give the inspection's times with a time zone (ISO 8601, e.g. ...Z).")
    status, failed, warned = _outcome(report.checks)
    inspection = Inspection(
        started_at=report.started_at,
        finished_at=report.finished_at,
        environment=report.environment,
        inspected_from=report.inspected_from,
        status=status,
        failed_checks=failed,
        warned_checks=warned,
        checks=[
            {
                "name": c.name,
                "category": c.category,
                "status": str(c.status),
                "detail": c.detail,
                "duration_seconds": c.duration_seconds,
            }
            for c in report.checks
        ],
        submitted_by=actor.user_id,
    )
    session.add(inspection)
    await session.flush()
    await audit.record_event(
        session,
        actor,
        "ops.inspection.recorded",
        target_type="ops_inspection",
        target_id=inspection.id,
        government_code=None,
        after={"status": str(status), "failed_checks": failed, "warned_checks": warned},
    )
    return inspection


async def list_inspections(
    session: AsyncSession, actor: Actor, *, limit: int, offset: int
) -> tuple[list[Inspection], int]:
    """Inspections, newest first."""
    require_operator(actor)
    return await fetch_page(
        session,
        select(Inspection),
        order_by=[Inspection.started_at.desc(), Inspection.id],
        limit=limit,
        offset=offset,
    )


async def latest_inspections(session: AsyncSession, limit: int) -> list[Inspection]:
    """The newest inspections, newest first (for the control center, whose route admits operators only)."""
    rows = await session.scalars(select(Inspection).order_by(Inspection.started_at.desc()).limit(limit))
    return list(rows)
