"""finance: transfers between lines (전용/이용), carry-over (이월) and year-end settlement (결산)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 07:30:00

Transfers and carry-overs are records of their own, with who asked, who decided and on which legal
basis; approving them moves the budget lines' running totals. Settlement reads these tables and the
budget versions, so it needs no table of its own.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPROVAL_STATUSES = ("requested", "approved", "rejected", "cancelled")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=20)


def _approval_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("status", _enum("approvalstatus", *APPROVAL_STATUSES), nullable=False),
        sa.Column("requested_by", sa.Uuid(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("decided_by", sa.Uuid(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    ]


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _government() -> sa.Column[object]:
    return sa.Column(
        "government_code", sa.String(length=5), sa.ForeignKey("local_governments.code"), nullable=False
    )


def _indexes(table: str, *columns: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "fin_budget_transfers",
        sa.Column("id", sa.Uuid(), nullable=False),
        _government(),
        sa.Column("fiscal_year_id", sa.Uuid(), sa.ForeignKey("fin_fiscal_years.id"), nullable=False),
        sa.Column("kind", _enum("transferkind", "within_policy", "between_policies"), nullable=False),
        sa.Column("source_line_id", sa.Uuid(), sa.ForeignKey("fin_budget_lines.id"), nullable=False),
        sa.Column("target_line_id", sa.Uuid(), sa.ForeignKey("fin_budget_lines.id"), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("allocated_moved", sa.BigInteger(), nullable=False),
        sa.Column("legal_basis", sa.String(length=500), nullable=False),
        sa.Column("basis_reference", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        *_approval_columns(),
        *_timestamps(),
        sa.CheckConstraint("amount > 0", name=op.f("ck_fin_budget_transfers_amount_positive")),
        sa.CheckConstraint(
            "allocated_moved >= 0 AND allocated_moved <= amount",
            name=op.f("ck_fin_budget_transfers_allocated_moved_range"),
        ),
        sa.CheckConstraint(
            "source_line_id <> target_line_id", name=op.f("ck_fin_budget_transfers_distinct_lines")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_budget_transfers")),
    )
    _indexes(
        "fin_budget_transfers",
        "government_code",
        "fiscal_year_id",
        "source_line_id",
        "target_line_id",
        "status",
    )

    op.create_table(
        "fin_carry_overs",
        sa.Column("id", sa.Uuid(), nullable=False),
        _government(),
        sa.Column("fiscal_year_id", sa.Uuid(), sa.ForeignKey("fin_fiscal_years.id"), nullable=False),
        sa.Column("target_fiscal_year_id", sa.Uuid(), sa.ForeignKey("fin_fiscal_years.id"), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        *_approval_columns(),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_carry_overs")),
    )
    _indexes("fin_carry_overs", "government_code", "fiscal_year_id", "target_fiscal_year_id", "status")

    op.create_table(
        "fin_carry_over_items",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        _government(),
        sa.Column("carry_over_id", sa.Uuid(), sa.ForeignKey("fin_carry_overs.id"), nullable=False),
        sa.Column("source_line_id", sa.Uuid(), sa.ForeignKey("fin_budget_lines.id"), nullable=False),
        sa.Column("target_line_id", sa.Uuid(), sa.ForeignKey("fin_budget_lines.id"), nullable=True),
        sa.Column("kind", _enum("carryoverkind", "explicit", "unavoidable", "continuing"), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("basis", sa.String(length=200), nullable=False),
        *_timestamps(),
        sa.CheckConstraint("amount > 0", name=op.f("ck_fin_carry_over_items_amount_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_carry_over_items")),
        sa.UniqueConstraint(
            "carry_over_id",
            "source_line_id",
            "kind",
            name=op.f("uq_fin_carry_over_items_carry_over_id_source_line_id_kind"),
        ),
    )
    _indexes("fin_carry_over_items", "government_code", "carry_over_id", "source_line_id", "target_line_id")


def downgrade() -> None:
    for table in ("fin_carry_over_items", "fin_carry_overs", "fin_budget_transfers"):
        op.drop_table(table)
