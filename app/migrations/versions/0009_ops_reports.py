"""ops: control-center reports (daily inspections) kept with history

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 07:30:00

The alert notifications Alertmanager posts to the control center (one row per alert, so the page
shows recent alert history while Alertmanager itself is unreachable) and the daily inspections.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _status(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=10)


def upgrade() -> None:
    op.create_table(
        "ops_alert_notifications",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("receiver", sa.String(length=100), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status", _status("alertstatus", "firing", "resolved"), nullable=False),
        sa.Column("alertname", sa.String(length=200), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("region", sa.String(length=40), nullable=False),
        sa.Column("summary", sa.String(length=1000), nullable=False),
        sa.Column("runbook_url", sa.String(length=500), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ops_alert_notifications")),
    )
    with op.batch_alter_table("ops_alert_notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ops_alert_notifications_received_at"), ["received_at"], unique=False
        )
        batch_op.create_index(
            "ix_ops_alert_notifications_alertname_received_at", ["alertname", "received_at"], unique=False
        )

    op.create_table(
        "ops_inspections",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("environment", sa.String(length=40), nullable=False),
        sa.Column("inspected_from", sa.String(length=200), nullable=False),
        sa.Column("status", _status("checkstatus", "ok", "warn", "fail"), nullable=False),
        sa.Column("failed_checks", sa.Integer(), nullable=False),
        sa.Column("warned_checks", sa.Integer(), nullable=False),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.Column("submitted_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "failed_checks >= 0 AND warned_checks >= 0", name=op.f("ck_ops_inspections_counts_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"],
            ["users.id"],
            name=op.f("fk_ops_inspections_submitted_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ops_inspections")),
    )
    with op.batch_alter_table("ops_inspections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ops_inspections_started_at"), ["started_at"], unique=False)


def downgrade() -> None:
    op.drop_table("ops_inspections")
    op.drop_table("ops_alert_notifications")
