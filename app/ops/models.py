"""Control-center tables: the alert notifications Alertmanager sent, and the daily inspections.

Both are history the control center shows even when the source that produced them is unreachable:
Alertmanager may be down in the very region that failed, and an inspection is a record of a day.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Enum, ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.platform.db import Base, BigIntPK, TimestampMixin, UTCDateTime, new_uuid


def _enum_column(enum_class: type[enum.StrEnum]) -> Enum:
    """A closed vocabulary stored as its values in a VARCHAR with a CHECK."""
    return Enum(
        enum_class,
        native_enum=False,
        length=10,
        values_callable=lambda e: [str(m.value) for m in e],
        create_constraint=True,
    )


class AlertStatus(enum.StrEnum):
    """An alert as Alertmanager reports it in a notification."""

    FIRING = "firing"
    RESOLVED = "resolved"


class CheckStatus(enum.StrEnum):
    """The outcome of one inspection check, and of the inspection (its worst check)."""

    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


class AlertNotification(Base):
    """One alert of one Alertmanager notification (a notification carries a group of them)."""

    __tablename__ = "ops_alert_notifications"
    __table_args__ = (Index("ix_ops_alert_notifications_alertname_received_at", "alertname", "received_at"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    receiver: Mapped[str] = mapped_column(String(100))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[AlertStatus] = mapped_column(_enum_column(AlertStatus))
    alertname: Mapped[str] = mapped_column(String(200))
    severity: Mapped[str] = mapped_column(String(20), default="")
    region: Mapped[str] = mapped_column(String(40), default="")
    summary: Mapped[str] = mapped_column(String(1000), default="")
    runbook_url: Mapped[str] = mapped_column(String(500), default="")
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    labels: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)


class Inspection(TimestampMixin, Base):
    """One run of the daily service inspection (``lofin-ops inspect``) with every check's result."""

    __tablename__ = "ops_inspections"
    __table_args__ = (
        CheckConstraint("failed_checks >= 0 AND warned_checks >= 0", name="counts_not_negative"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime())
    environment: Mapped[str] = mapped_column(String(40))
    inspected_from: Mapped[str] = mapped_column(String(200))
    status: Mapped[CheckStatus] = mapped_column(_enum_column(CheckStatus))
    failed_checks: Mapped[int] = mapped_column(Integer)
    warned_checks: Mapped[int] = mapped_column(Integer)
    checks: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    submitted_by: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
