"""What the control center reads and answers: Alertmanager's webhook body, inspection reports, the state."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from app.ops.models import AlertStatus, CheckStatus

Status = Literal["ok", "warn", "fail", "unknown"]
"""How the page colours a tile: ``unknown`` when the source that would tell does not answer."""

ShortText = Annotated[str, msgspec.Meta(max_length=200)]
LongText = Annotated[str, msgspec.Meta(max_length=4000)]


# ---------------------------------------------------------------- Alertmanager webhook (version 4)


class WebhookAlert(msgspec.Struct, rename="camel"):
    """One alert of a notification, as Alertmanager's webhook receiver sends it."""

    status: AlertStatus
    labels: Annotated[dict[str, Annotated[str, msgspec.Meta(max_length=1000)]], msgspec.Meta(max_length=64)]
    annotations: Annotated[
        dict[str, Annotated[str, msgspec.Meta(max_length=4000)]], msgspec.Meta(max_length=64)
    ] = msgspec.field(default_factory=dict)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    fingerprint: Annotated[str, msgspec.Meta(max_length=64)] = ""


class WebhookNotification(msgspec.Struct, rename="camel"):
    """Alertmanager's webhook body: a group of alerts for one receiver."""

    version: Annotated[str, msgspec.Meta(max_length=10)]
    status: AlertStatus
    receiver: ShortText
    alerts: Annotated[list[WebhookAlert], msgspec.Meta(min_length=1, max_length=1000)]
    group_key: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class WebhookReceipt(msgspec.Struct):
    """What the webhook stored."""

    stored: int


# ---------------------------------------------------------------- inspections


class InspectionCheck(msgspec.Struct):
    """One check of an inspection: its outcome, what it saw, and how long it took."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    status: CheckStatus
    detail: LongText
    duration_seconds: Annotated[float, msgspec.Meta(ge=0, le=86400)]
    category: Annotated[str, msgspec.Meta(max_length=40)] = ""


class InspectionReport(msgspec.Struct):
    """A finished inspection as ``lofin-ops inspect`` submits it."""

    started_at: datetime
    finished_at: datetime
    environment: Annotated[str, msgspec.Meta(min_length=1, max_length=40)]
    inspected_from: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    checks: Annotated[list[InspectionCheck], msgspec.Meta(min_length=1, max_length=200)]


class InspectionOut(msgspec.Struct):
    """A stored inspection."""

    id: str
    started_at: datetime
    finished_at: datetime
    environment: str
    inspected_from: str
    status: CheckStatus
    failed_checks: int
    warned_checks: int
    checks: list[InspectionCheck]


# ---------------------------------------------------------------- the control-center state


class SourceState(msgspec.Struct):
    """One source the page reads: whether it answered, and when it last did."""

    name: str
    url: str
    reachable: bool
    last_seen: datetime | None
    error: str | None = None


class MemberState(msgspec.Struct):
    """A Patroni member as its cluster reports it."""

    name: str
    host: str
    role: str
    state: str
    timeline: int | None
    lag_bytes: int | None


class RegionState(msgspec.Struct):
    """One region's database cluster."""

    name: str
    status: Status
    reachable: bool
    leader: str | None
    sync_standby: list[str]
    members: list[MemberState]
    replica_lag_bytes: float | None
    dr_lag_seconds: float | None
    problems: list[str]


class AlertState(msgspec.Struct):
    """A firing alert (from Alertmanager, or from the notifications it last sent)."""

    alertname: str
    severity: str
    region: str
    summary: str
    runbook_url: str
    starts_at: datetime | None
    status: str = "firing"
    received_at: datetime | None = None


class ServiceState(msgspec.Struct):
    """One of the six services: traffic and errors over the last five minutes."""

    slug: str
    name: str
    status: Status
    requests_per_second: float | None
    error_ratio: float | None
    p95_seconds: float | None


class DrillState(msgspec.Struct):
    """The latest report of one drill scenario."""

    scenario: str
    number: int
    title: str
    finished_at: datetime
    passed: bool
    rto_seconds: float | None
    rpo_missing_writes: int | None
    failures: list[str]
    last_success_at: datetime | None


class BackupState(msgspec.Struct):
    """The newest backup Prometheus knows of (pgBackRest's textfile metrics), or the inspection's finding."""

    status: Status
    finished_at: datetime | None
    age_hours: float | None
    inspection_detail: str | None = None
    inspected_at: datetime | None = None


class OpsState(msgspec.Struct):
    """Everything the control center shows, as ``GET /api/ops/state`` returns it."""

    generated_at: datetime
    status: Status
    sources: list[SourceState]
    regions: list[RegionState]
    alerts: list[AlertState]
    alerts_from: Literal["alertmanager", "history"]
    alert_history: list[AlertState]
    app_instances_up: int | None
    app_instances: int | None
    services: list[ServiceState]
    drills: list[DrillState]
    backup: BackupState
    inspection: InspectionOut | None
    inspection_history: list[InspectionOut]


class InspectionPage(msgspec.Struct):
    """A page of inspections, newest first."""

    items: list[InspectionOut]
    total: int
    limit: int
    offset: int
