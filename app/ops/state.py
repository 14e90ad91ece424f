"""The control center's state: every source read at once, judged into ok / warn / fail / unknown tiles."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, cast

import httpx
import structlog
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from app.ops import services
from app.ops.drills import drill_reports
from app.ops.schemas import (
    AlertState,
    BackupState,
    DrillState,
    InspectionOut,
    MemberState,
    OpsState,
    RegionState,
    ServiceState,
    SourceState,
    Status,
)
from app.ops.sources import Fetched, firing_alerts, patroni_cluster, prometheus_vectors
from app.platform.settings import Settings
from app.platform.tenancy import Actor
from app.platform.web import N_, SERVICES

logger = structlog.get_logger("lofin.ops")

# Thresholds, the same as the alert rules' (monitoring/rules/database.rules.yml, platform.rules.yml).
DR_LAG_WARN_SECONDS = 5.0
DR_LAG_FAIL_SECONDS = 60.0
REPLICA_LAG_WARN_BYTES = 64 * 1024 * 1024
BACKUP_MAX_AGE_HOURS = 26.0
ERROR_RATIO_WARN, ERROR_RATIO_FAIL = 0.01, 0.05
P95_WARN_SECONDS = 1.0
LEADER_ROLES = ("leader", "primary", "standby_leader")
HEALTHY_MEMBER_STATES = ("running", "streaming")
INSPECTION_HISTORY = 10

_SEVERITY_ORDER = {"page": 0, "ticket": 1}
_WORST: dict[Status, int] = {"ok": 0, "unknown": 1, "warn": 2, "fail": 3}


def worst(statuses: Iterable[Status]) -> Status:
    """The most serious status (``ok`` for none); an unknown source is worse than ok, better than warn."""
    return max(statuses, key=_WORST.__getitem__, default="ok")


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _by_label(samples: list[tuple[dict[str, str], float]] | None, label: str) -> dict[str, float]:
    return {labels.get(label, ""): value for labels, value in samples or []}


def region_state(name: str, fetched: Fetched, prometheus: Fetched, expected_members: int = 0) -> RegionState:
    """One region's members as Patroni reports them, with the lags Prometheus records.

    ``expected_members`` is how many Patroni APIs the region has: a member whose Patroni died drops
    out of ``/cluster`` once its key expires, so fewer members than that is a problem too.
    """
    metrics: dict[str, Any] = prometheus.data or {}
    dr_lag = _by_label(metrics.get("dr_lag_seconds"), "region").get(name)
    replica_lag = _by_label(metrics.get("replica_lag_bytes"), "region").get(name)
    if not fetched.reachable:
        return RegionState(name, "unknown", False, None, [], [], replica_lag, dr_lag, [N_("unreachable")])
    members = [
        MemberState(
            name=str(member.get("name", "?")),
            host=str(member.get("host", "")),
            role=str(member.get("role", "?")),
            state=str(member.get("state", "?")),
            timeline=_int_or_none(member.get("timeline")),
            lag_bytes=_int_or_none(member.get("lag")),
        )
        for member in fetched.data["members"]
        if isinstance(member, dict)
    ]
    leader = next((m.name for m in members if m.role in LEADER_ROLES), None)
    standby_cluster = any(m.role == "standby_leader" for m in members)
    sync = [m.name for m in members if m.role == "sync_standby"]
    problems: list[tuple[Status, str]] = []
    if leader is None:
        problems.append(("fail", N_("no leader")))
    if not standby_cluster and leader is not None and not sync:
        problems.append(("fail", N_("no synchronous standby")))
    problems += [("warn", f"{m.name} {m.state}") for m in members if m.state not in HEALTHY_MEMBER_STATES]
    if len(members) < expected_members:
        problems.append(("warn", f"{len(members)}/{expected_members} members"))
    if dr_lag is not None and dr_lag > DR_LAG_FAIL_SECONDS:
        problems.append(("fail", f"DR lag {dr_lag:.0f} s"))
    elif dr_lag is not None and dr_lag > DR_LAG_WARN_SECONDS:
        problems.append(("warn", f"DR lag {dr_lag:.0f} s"))
    if replica_lag is not None and replica_lag > REPLICA_LAG_WARN_BYTES:
        problems.append(("warn", f"replica lag {replica_lag / 1024 / 1024:.0f} MiB"))
    return RegionState(
        name=name,
        status=worst(status for status, _ in problems),
        reachable=True,
        leader=leader,
        sync_standby=sync,
        members=members,
        replica_lag_bytes=replica_lag,
        dr_lag_seconds=dr_lag,
        problems=[text for _, text in problems],
    )


def _alert_from_api(alert: dict[str, Any]) -> AlertState:
    labels, annotations = alert.get("labels") or {}, alert.get("annotations") or {}
    try:
        starts_at: datetime | None = datetime.fromisoformat(str(alert.get("startsAt")))
    except ValueError:
        starts_at = None
    return AlertState(
        alertname=str(labels.get("alertname", "?")),
        severity=str(labels.get("severity", "")),
        region=str(labels.get("region", "")),
        summary=str(annotations.get("summary", "")),
        runbook_url=str(annotations.get("runbook_url", "")),
        starts_at=starts_at,
    )


def sort_alerts(alerts: list[AlertState]) -> list[AlertState]:
    """Pages first, then tickets, then by name and region."""
    return sorted(alerts, key=lambda a: (_SEVERITY_ORDER.get(a.severity, 9), a.alertname, a.region))


def service_states(prometheus: Fetched) -> tuple[list[ServiceState], int | None, int | None]:
    """Each service's request rate, error ratio and p95, and how many app instances answer Prometheus."""
    if not prometheus.reachable:
        states = [ServiceState(s.slug, s.name, "unknown", None, None, None) for s in SERVICES]
        return states, None, None
    data: dict[str, Any] = prometheus.data
    requests = _by_label(data.get("requests"), "service")
    errors = _by_label(data.get("error_ratio"), "service")
    p95 = _by_label(data.get("p95"), "service")
    up = [value for _, value in data.get("app_up") or []]
    instances_up = sum(1 for value in up if value >= 1)
    states = []
    for service in SERVICES:
        error_ratio, latency = errors.get(service.slug), p95.get(service.slug)
        status: Status = "ok"
        no_instance_up = bool(up) and not instances_up
        if no_instance_up or (error_ratio is not None and error_ratio >= ERROR_RATIO_FAIL):
            status = "fail"
        elif (error_ratio is not None and error_ratio >= ERROR_RATIO_WARN) or (
            latency is not None and latency > P95_WARN_SECONDS
        ):
            status = "warn"
        states.append(
            ServiceState(service.slug, service.name, status, requests.get(service.slug), error_ratio, latency)
        )
    return states, instances_up, len(up)


def backup_state(prometheus: Fetched, now: datetime, inspection: InspectionOut | None = None) -> BackupState:
    """The newest backup pgBackRest reported to Prometheus; else what the newest inspection found."""
    samples = (prometheus.data or {}).get("last_backup") if prometheus.reachable else None
    if samples:
        finished = datetime.fromtimestamp(samples[0][1], tz=UTC)
        age = (now - finished).total_seconds() / 3600
        return BackupState("fail" if age > BACKUP_MAX_AGE_HOURS else "ok", finished, round(age, 1))
    checked = next((c for c in inspection.checks if c.category == "backup"), None) if inspection else None
    if inspection is None or checked is None:
        return BackupState("unknown", None, None)
    return BackupState(cast(Status, str(checked.status)), None, None, checked.detail, inspection.finished_at)


async def _fetch_all(settings: Settings) -> tuple[dict[str, Fetched], Fetched, Fetched]:
    timeout = httpx.Timeout(settings.ops_source_timeout_seconds)
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=False) as client:
        regions = list(settings.ops_patroni_urls)
        results = await asyncio.gather(
            *(patroni_cluster(client, region, settings.ops_patroni_urls[region]) for region in regions),
            firing_alerts(client, settings.ops_alertmanager_url),
            prometheus_vectors(client, settings.ops_prometheus_url),
        )
    *clusters, alertmanager, prometheus = results
    return dict(zip(regions, clusters, strict=True)), alertmanager, prometheus


async def _from_database(
    session: AsyncSession, now: datetime
) -> tuple[list[AlertState], list[AlertState], list[InspectionOut], str | None]:
    """Alert history, alerts firing as last notified, recent inspections; or why the database failed."""
    try:
        history = await services.alert_history(session)
        firing = await services.firing_from_history(session, now)
        inspections = [
            services.inspection_out(row)
            for row in await services.latest_inspections(session, INSPECTION_HISTORY)
        ]
    except (SQLAlchemyError, OSError) as error:
        logger.warning("ops_database_unreadable", error=repr(error))
        return [], [], [], type(error).__name__
    return history, firing, inspections, None


async def collect_state(settings: Settings, session: AsyncSession, actor: Actor) -> OpsState:
    """The whole picture; never raises for a source that is down (it shows as unreachable)."""
    services.require_operator(actor)
    now = datetime.now(UTC)
    (clusters, alertmanager, prometheus), (history, notified, inspections, db_error) = await asyncio.gather(
        _fetch_all(settings), _from_database(session, now)
    )
    regions = [
        region_state(name, fetched, prometheus, len(settings.ops_patroni_urls[name]))
        for name, fetched in clusters.items()
    ]
    if alertmanager.reachable:
        alerts = sort_alerts([_alert_from_api(a) for a in alertmanager.data if isinstance(a, dict)])
    else:
        alerts = sort_alerts(notified)
    service_list, instances_up, instances = service_states(prometheus)
    backup = backup_state(prometheus, now, inspections[0] if inspections else None)
    drills: list[DrillState] = drill_reports(settings.drill_reports_dir).latest()
    sources = [*(fetched.state() for fetched in clusters.values()), alertmanager.state(), prometheus.state()]
    sources.append(SourceState("database", "", db_error is None, now if db_error is None else None, db_error))
    alert_status: Status = "fail" if any(a.severity == "page" for a in alerts) else "warn" if alerts else "ok"
    inspection = inspections[0] if inspections else None
    unreachable: Status = "unknown"
    overall = worst(
        [
            *(region.status for region in regions),
            alert_status,
            *(service.status for service in service_list),
            backup.status,
            # a failed drill is a finding to act on, not an outage: a warning on the overall tile
            *(("warn",) if any(not drill.passed for drill in drills) else ()),
            *((cast(Status, str(inspection.status)),) if inspection else ()),
            *(unreachable for source in sources if not source.reachable),
        ]
    )
    return OpsState(
        generated_at=now,
        status=overall,
        sources=sources,
        regions=regions,
        alerts=alerts,
        alerts_from="alertmanager" if alertmanager.reachable else "history",
        alert_history=history,
        app_instances_up=instances_up,
        app_instances=instances,
        services=service_list,
        drills=drills,
        backup=backup,
        inspection=inspection,
        inspection_history=inspections,
    )
