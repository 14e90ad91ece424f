"""finance: bulk payments from CSV, treasury bank files and their reconciliation

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 07:30:00

A bulk batch (일괄지급) pays many payees from one budget line: its running result totals stay
within the batch under CHECK constraints, its lines are numbered for the bank file (unique per
batch), and only the masked form of a resident registration number is kept.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fin_bulk_batches",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("government_code", sa.String(length=5), nullable=False),
        sa.Column("budget_line_id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "approved",
                "rejected",
                "settled",
                name="batchstatus",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("total_amount", sa.BigInteger(), nullable=False),
        sa.Column("paid_count", sa.Integer(), nullable=False),
        sa.Column("paid_amount", sa.BigInteger(), nullable=False),
        sa.Column("failed_count", sa.Integer(), nullable=False),
        sa.Column("failed_amount", sa.BigInteger(), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("result_sha256", sa.String(length=64), nullable=True),
        sa.Column("requested_by", sa.Uuid(), nullable=False),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("line_count > 0 AND total_amount > 0", name=op.f("ck_fin_bulk_batches_not_empty")),
        sa.CheckConstraint(
            "paid_count + failed_count <= line_count AND paid_amount + failed_amount <= total_amount",
            name=op.f("ck_fin_bulk_batches_results_within_batch"),
        ),
        sa.ForeignKeyConstraint(
            ["budget_line_id"],
            ["fin_budget_lines.id"],
            name=op.f("fk_fin_bulk_batches_budget_line_id_fin_budget_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_fin_bulk_batches_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["government_code"],
            ["local_governments.code"],
            name=op.f("fk_fin_bulk_batches_government_code_local_governments"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_fin_bulk_batches_requested_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_bulk_batches")),
        sa.UniqueConstraint(
            "government_code", "reference", name=op.f("uq_fin_bulk_batches_government_code_reference")
        ),
    )
    with op.batch_alter_table("fin_bulk_batches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fin_bulk_batches_budget_line_id"), ["budget_line_id"], unique=False
        )
        batch_op.create_index(
            "ix_fin_bulk_batches_government_code_status", ["government_code", "status"], unique=False
        )

    op.create_table(
        "fin_bulk_lines",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("government_code", sa.String(length=5), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("line_number", sa.Integer(), nullable=False),
        sa.Column("payee_name", sa.String(length=100), nullable=False),
        sa.Column("bank_code", sa.String(length=3), nullable=False),
        sa.Column("account_number", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("purpose", sa.String(length=100), nullable=False),
        sa.Column("id_number_masked", sa.String(length=14), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "paid",
                "failed",
                name="linestatus",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("failure_code", sa.String(length=10), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_fin_bulk_lines_amount_positive")),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["fin_bulk_batches.id"],
            name=op.f("fk_fin_bulk_lines_batch_id_fin_bulk_batches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_bulk_lines")),
        sa.UniqueConstraint("batch_id", "sequence", name=op.f("uq_fin_bulk_lines_batch_id_sequence")),
    )


def downgrade() -> None:
    op.drop_table("fin_bulk_lines")
    with op.batch_alter_table("fin_bulk_batches", schema=None) as batch_op:
        batch_op.drop_index("ix_fin_bulk_batches_government_code_status")
        batch_op.drop_index(batch_op.f("ix_fin_bulk_batches_budget_line_id"))
    op.drop_table("fin_bulk_batches")
