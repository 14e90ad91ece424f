"""finance: revenue — assessment (부과), collection (징수결의), receipt (수납), refunds, receivables

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 07:30:00

Revenue items (세입과목) with their budget, assessments with running totals under CHECK constraints
(never more collected than assessed), their reductions and cancellations, receipts unique by the
treasury bank's reference (a repeated bank notification posts once), and refunds (과오납 환급).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fin_revenue_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("government_code", sa.String(length=5), nullable=False),
        sa.Column("fiscal_year_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "local_tax",
                "non_tax",
                "shared_tax",
                "adjustment_grant",
                "subsidy",
                "local_bond",
                "internal",
                name="revenuekind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("budget_amount", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("budget_amount >= 0", name=op.f("ck_fin_revenue_items_budget_not_negative")),
        sa.ForeignKeyConstraint(
            ["account_id"], ["fin_accounts.id"], name=op.f("fk_fin_revenue_items_account_id_fin_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["fiscal_year_id"],
            ["fin_fiscal_years.id"],
            name=op.f("fk_fin_revenue_items_fiscal_year_id_fin_fiscal_years"),
        ),
        sa.ForeignKeyConstraint(
            ["government_code"],
            ["local_governments.code"],
            name=op.f("fk_fin_revenue_items_government_code_local_governments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_revenue_items")),
        sa.UniqueConstraint(
            "fiscal_year_id",
            "account_id",
            "code",
            name=op.f("uq_fin_revenue_items_fiscal_year_id_account_id_code"),
        ),
    )
    with op.batch_alter_table("fin_revenue_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fin_revenue_items_account_id"), ["account_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_fin_revenue_items_fiscal_year_id"), ["fiscal_year_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fin_revenue_items_government_code"), ["government_code"], unique=False
        )

    op.create_table(
        "fin_revenue_assessments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("government_code", sa.String(length=5), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column(
            "payer_kind",
            sa.Enum(
                "person", "business", name="payerkind", native_enum=False, create_constraint=True, length=20
            ),
            nullable=False,
        ),
        sa.Column("payer_name", sa.String(length=200), nullable=False),
        sa.Column("payer_number_masked", sa.String(length=14), nullable=False),
        sa.Column("payer_key", sa.String(length=64), nullable=False),
        sa.Column("business_number", sa.String(length=10), nullable=True),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "assessed",
                "resolved",
                "partially_paid",
                "paid",
                "cancelled",
                name="assessmentstatus",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("reduced_amount", sa.BigInteger(), nullable=False),
        sa.Column("collected_amount", sa.BigInteger(), nullable=False),
        sa.Column("overpaid_amount", sa.BigInteger(), nullable=False),
        sa.Column("refunded_overpaid_amount", sa.BigInteger(), nullable=False),
        sa.Column("refunded_erroneous_amount", sa.BigInteger(), nullable=False),
        sa.Column("assessed_by", sa.Uuid(), nullable=False),
        sa.Column("resolved_by", sa.Uuid(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_fin_revenue_assessments_amount_positive")),
        sa.CheckConstraint(
            "collected_amount <= amount", name=op.f("ck_fin_revenue_assessments_collection_within_amount")
        ),
        sa.CheckConstraint(
            "reduced_amount <= amount", name=op.f("ck_fin_revenue_assessments_reduction_within_amount")
        ),
        sa.CheckConstraint(
            "reduced_amount >= 0 AND collected_amount >= 0 AND overpaid_amount >= 0 AND refunded_overpaid_amount >= 0 AND refunded_erroneous_amount >= 0",
            name=op.f("ck_fin_revenue_assessments_totals_not_negative"),
        ),
        sa.CheckConstraint(
            "refunded_erroneous_amount + amount - reduced_amount <= collected_amount OR refunded_erroneous_amount = 0",
            name=op.f("ck_fin_revenue_assessments_erroneous_refund_within_excess"),
        ),
        sa.CheckConstraint(
            "refunded_overpaid_amount <= overpaid_amount",
            name=op.f("ck_fin_revenue_assessments_overpaid_refund_within_overpaid"),
        ),
        sa.ForeignKeyConstraint(
            ["assessed_by"], ["users.id"], name=op.f("fk_fin_revenue_assessments_assessed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["government_code"],
            ["local_governments.code"],
            name=op.f("fk_fin_revenue_assessments_government_code_local_governments"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["fin_revenue_items.id"],
            name=op.f("fk_fin_revenue_assessments_item_id_fin_revenue_items"),
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by"], ["users.id"], name=op.f("fk_fin_revenue_assessments_resolved_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_revenue_assessments")),
    )
    with op.batch_alter_table("fin_revenue_assessments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fin_revenue_assessments_due_date"), ["due_date"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_fin_revenue_assessments_government_code"), ["government_code"], unique=False
        )
        batch_op.create_index(
            "ix_fin_revenue_assessments_government_code_status", ["government_code", "status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_fin_revenue_assessments_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_fin_revenue_assessments_payer_key"), ["payer_key"], unique=False)

    op.create_table(
        "fin_revenue_adjustments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("government_code", sa.String(length=5), nullable=False),
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "reduction",
                "cancellation",
                name="adjustmentkind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_fin_revenue_adjustments_amount_positive")),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["fin_revenue_assessments.id"],
            name=op.f("fk_fin_revenue_adjustments_assessment_id_fin_revenue_assessments"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_fin_revenue_adjustments_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["government_code"],
            ["local_governments.code"],
            name=op.f("fk_fin_revenue_adjustments_government_code_local_governments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_revenue_adjustments")),
    )
    with op.batch_alter_table("fin_revenue_adjustments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fin_revenue_adjustments_assessment_id"), ["assessment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fin_revenue_adjustments_government_code"), ["government_code"], unique=False
        )

    op.create_table(
        "fin_revenue_receipts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("government_code", sa.String(length=5), nullable=False),
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("applied_amount", sa.BigInteger(), nullable=False),
        sa.Column("overpaid_amount", sa.BigInteger(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "bank_counter",
                "virtual_account",
                "giro",
                "card",
                "online",
                "auto_debit",
                name="receiptchannel",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_fin_revenue_receipts_amount_positive")),
        sa.CheckConstraint(
            "applied_amount + overpaid_amount = amount", name=op.f("ck_fin_revenue_receipts_parts_add_up")
        ),
        sa.CheckConstraint(
            "applied_amount >= 0 AND overpaid_amount >= 0",
            name=op.f("ck_fin_revenue_receipts_parts_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["fin_revenue_assessments.id"],
            name=op.f("fk_fin_revenue_receipts_assessment_id_fin_revenue_assessments"),
        ),
        sa.ForeignKeyConstraint(
            ["government_code"],
            ["local_governments.code"],
            name=op.f("fk_fin_revenue_receipts_government_code_local_governments"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_fin_revenue_receipts_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_revenue_receipts")),
        sa.UniqueConstraint(
            "government_code", "reference", name=op.f("uq_fin_revenue_receipts_government_code_reference")
        ),
    )
    with op.batch_alter_table("fin_revenue_receipts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fin_revenue_receipts_assessment_id"), ["assessment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fin_revenue_receipts_government_code"), ["government_code"], unique=False
        )

    op.create_table(
        "fin_revenue_refunds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("government_code", sa.String(length=5), nullable=False),
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "overpayment",
                "erroneous_assessment",
                name="refundkind",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "approved",
                "rejected",
                "cancelled",
                name="approvalstatus",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("requested_by", sa.Uuid(), nullable=False),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_fin_revenue_refunds_amount_positive")),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["fin_revenue_assessments.id"],
            name=op.f("fk_fin_revenue_refunds_assessment_id_fin_revenue_assessments"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_fin_revenue_refunds_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["government_code"],
            ["local_governments.code"],
            name=op.f("fk_fin_revenue_refunds_government_code_local_governments"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_fin_revenue_refunds_requested_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_revenue_refunds")),
    )
    with op.batch_alter_table("fin_revenue_refunds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fin_revenue_refunds_assessment_id"), ["assessment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fin_revenue_refunds_government_code"), ["government_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_fin_revenue_refunds_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("fin_revenue_refunds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fin_revenue_refunds_status"))
        batch_op.drop_index(batch_op.f("ix_fin_revenue_refunds_government_code"))
        batch_op.drop_index(batch_op.f("ix_fin_revenue_refunds_assessment_id"))

    op.drop_table("fin_revenue_refunds")
    with op.batch_alter_table("fin_revenue_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fin_revenue_receipts_government_code"))
        batch_op.drop_index(batch_op.f("ix_fin_revenue_receipts_assessment_id"))

    op.drop_table("fin_revenue_receipts")
    with op.batch_alter_table("fin_revenue_adjustments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fin_revenue_adjustments_government_code"))
        batch_op.drop_index(batch_op.f("ix_fin_revenue_adjustments_assessment_id"))

    op.drop_table("fin_revenue_adjustments")
    with op.batch_alter_table("fin_revenue_assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fin_revenue_assessments_payer_key"))
        batch_op.drop_index(batch_op.f("ix_fin_revenue_assessments_item_id"))
        batch_op.drop_index("ix_fin_revenue_assessments_government_code_status")
        batch_op.drop_index(batch_op.f("ix_fin_revenue_assessments_government_code"))
        batch_op.drop_index(batch_op.f("ix_fin_revenue_assessments_due_date"))

    op.drop_table("fin_revenue_assessments")
    with op.batch_alter_table("fin_revenue_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fin_revenue_items_government_code"))
        batch_op.drop_index(batch_op.f("ix_fin_revenue_items_fiscal_year_id"))
        batch_op.drop_index(batch_op.f("ix_fin_revenue_items_account_id"))

    op.drop_table("fin_revenue_items")
