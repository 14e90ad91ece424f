"""finance: budget structure, versions, allocation, execution, contracts, journal

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 04:27:10.573950
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fin_accounts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("government_code", sa.String(length=5), nullable=False),
        sa.Column("code", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "general",
                "special",
                "fund",
                name="fundkind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["government_code"],
            ["local_governments.code"],
            name=op.f("fk_fin_accounts_government_code_local_governments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_accounts")),
        sa.UniqueConstraint("government_code", "code", name=op.f("uq_fin_accounts_government_code_code")),
    )
    with op.batch_alter_table("fin_accounts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fin_accounts_government_code"), ["government_code"], unique=False
        )

    op.create_table(
        "fin_fiscal_years",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("government_code", sa.String(length=5), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "closed",
                name="fiscalyearstatus",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["government_code"],
            ["local_governments.code"],
            name=op.f("fk_fin_fiscal_years_government_code_local_governments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_fiscal_years")),
        sa.UniqueConstraint("government_code", "year", name=op.f("uq_fin_fiscal_years_government_code_year")),
    )
    with op.batch_alter_table("fin_fiscal_years", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fin_fiscal_years_government_code"), ["government_code"], unique=False
        )

    op.create_table(
        "fin_budget_versions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("government_code", sa.String(length=5), nullable=False),
        sa.Column("fiscal_year_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "original",
                "supplementary",
                name="budgetversionkind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                "approved",
                "rejected",
                name="budgetversionstatus",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("council_resolution", sa.String(length=100), nullable=True),
        sa.Column("requested_by", sa.Uuid(), nullable=False),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_fin_budget_versions_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["fiscal_year_id"],
            ["fin_fiscal_years.id"],
            name=op.f("fk_fin_budget_versions_fiscal_year_id_fin_fiscal_years"),
        ),
        sa.ForeignKeyConstraint(
            ["government_code"],
            ["local_governments.code"],
            name=op.f("fk_fin_budget_versions_government_code_local_governments"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_fin_budget_versions_requested_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_budget_versions")),
        sa.UniqueConstraint(
            "fiscal_year_id", "sequence", name=op.f("uq_fin_budget_versions_fiscal_year_id_sequence")
        ),
    )
    with op.batch_alter_table("fin_budget_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fin_budget_versions_fiscal_year_id"), ["fiscal_year_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fin_budget_versions_government_code"), ["government_code"], unique=False
        )

    op.create_table(
        "fin_contracts",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("government_code", sa.String(length=5), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "method",
            sa.Enum(
                "open_tender",
                "restricted_tender",
                "nominated_tender",
                "private",
                name="contractmethod",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("supplier_name", sa.String(length=200), nullable=False),
        sa.Column("supplier_registration_number", sa.String(length=10), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_fin_contracts_amount_positive")),
        sa.CheckConstraint("end_date >= start_date", name=op.f("ck_fin_contracts_period_ordered")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_fin_contracts_created_by_users")),
        sa.ForeignKeyConstraint(
            ["government_code"],
            ["local_governments.code"],
            name=op.f("fk_fin_contracts_government_code_local_governments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_contracts")),
    )
    with op.batch_alter_table("fin_contracts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fin_contracts_government_code"), ["government_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fin_contracts_supplier_registration_number"),
            ["supplier_registration_number"],
            unique=False,
        )

    op.create_table(
        "fin_journal_entries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("government_code", sa.String(length=5), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("source_type", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.Uuid(), nullable=False),
        sa.Column("posted_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["government_code"],
            ["local_governments.code"],
            name=op.f("fk_fin_journal_entries_government_code_local_governments"),
        ),
        sa.ForeignKeyConstraint(
            ["posted_by"], ["users.id"], name=op.f("fk_fin_journal_entries_posted_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_journal_entries")),
    )
    with op.batch_alter_table("fin_journal_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fin_journal_entries_government_code"), ["government_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_fin_journal_entries_source_id"), ["source_id"], unique=False)

    op.create_table(
        "fin_programmes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("government_code", sa.String(length=5), nullable=False),
        sa.Column("fiscal_year_id", sa.Uuid(), nullable=False),
        sa.Column("parent_id", sa.Uuid(), nullable=True),
        sa.Column(
            "level",
            sa.Enum(
                "field",
                "sector",
                "policy",
                "unit",
                "detail",
                name="programmelevel",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["fiscal_year_id"],
            ["fin_fiscal_years.id"],
            name=op.f("fk_fin_programmes_fiscal_year_id_fin_fiscal_years"),
        ),
        sa.ForeignKeyConstraint(
            ["government_code"],
            ["local_governments.code"],
            name=op.f("fk_fin_programmes_government_code_local_governments"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["fin_programmes.id"], name=op.f("fk_fin_programmes_parent_id_fin_programmes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_programmes")),
        sa.UniqueConstraint(
            "fiscal_year_id", "level", "code", name=op.f("uq_fin_programmes_fiscal_year_id_level_code")
        ),
    )
    with op.batch_alter_table("fin_programmes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fin_programmes_fiscal_year_id"), ["fiscal_year_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fin_programmes_government_code"), ["government_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_fin_programmes_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "fin_budget_lines",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("government_code", sa.String(length=5), nullable=False),
        sa.Column("fiscal_year_id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("programme_id", sa.Uuid(), nullable=False),
        sa.Column(
            "object_group",
            sa.Enum(
                "personnel",
                "goods",
                "current_transfers",
                "capital",
                "loans_and_investments",
                "financing",
                "internal",
                "reserve_and_other",
                name="objectgroup",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("object_code", sa.String(length=10), nullable=False),
        sa.Column("object_name", sa.String(length=100), nullable=False),
        sa.Column("statistics_code", sa.String(length=10), nullable=False),
        sa.Column("statistics_name", sa.String(length=100), nullable=False),
        sa.Column("budget_amount", sa.BigInteger(), nullable=False),
        sa.Column("allocated_amount", sa.BigInteger(), nullable=False),
        sa.Column("committed_amount", sa.BigInteger(), nullable=False),
        sa.Column("spent_uncommitted_amount", sa.BigInteger(), nullable=False),
        sa.Column("paid_amount", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "allocated_amount <= budget_amount", name=op.f("ck_fin_budget_lines_allocation_within_budget")
        ),
        sa.CheckConstraint(
            "allocated_amount >= 0 AND committed_amount >= 0 AND spent_uncommitted_amount >= 0 AND paid_amount >= 0",
            name=op.f("ck_fin_budget_lines_amounts_not_negative"),
        ),
        sa.CheckConstraint(
            "committed_amount + spent_uncommitted_amount <= allocated_amount",
            name=op.f("ck_fin_budget_lines_execution_within_allocation"),
        ),
        sa.CheckConstraint(
            "paid_amount <= committed_amount + spent_uncommitted_amount",
            name=op.f("ck_fin_budget_lines_payments_within_execution"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["fin_accounts.id"], name=op.f("fk_fin_budget_lines_account_id_fin_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["fiscal_year_id"],
            ["fin_fiscal_years.id"],
            name=op.f("fk_fin_budget_lines_fiscal_year_id_fin_fiscal_years"),
        ),
        sa.ForeignKeyConstraint(
            ["government_code"],
            ["local_governments.code"],
            name=op.f("fk_fin_budget_lines_government_code_local_governments"),
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["fin_programmes.id"],
            name=op.f("fk_fin_budget_lines_programme_id_fin_programmes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_budget_lines")),
        sa.UniqueConstraint(
            "programme_id",
            "account_id",
            "statistics_code",
            name=op.f("uq_fin_budget_lines_programme_id_account_id_statistics_code"),
        ),
    )
    with op.batch_alter_table("fin_budget_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fin_budget_lines_account_id"), ["account_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_fin_budget_lines_fiscal_year_id"), ["fiscal_year_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fin_budget_lines_government_code"), ["government_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_fin_budget_lines_programme_id"), ["programme_id"], unique=False)

    op.create_table(
        "fin_journal_lines",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column(
            "account",
            sa.Enum(
                "cash",
                "payable",
                "personnel_expense",
                "operating_expense",
                "transfer_expense",
                "fixed_assets",
                "investments",
                "borrowings",
                "internal_transfers",
                "other_expense",
                name="ledgeraccount",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("debit", sa.BigInteger(), nullable=False),
        sa.Column("credit", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "(debit > 0 AND credit = 0) OR (credit > 0 AND debit = 0)",
            name=op.f("ck_fin_journal_lines_one_positive_side"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["fin_journal_entries.id"],
            name=op.f("fk_fin_journal_lines_entry_id_fin_journal_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_journal_lines")),
    )
    with op.batch_alter_table("fin_journal_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fin_journal_lines_entry_id"), ["entry_id"], unique=False)

    op.create_table(
        "fin_allocations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("government_code", sa.String(length=5), nullable=False),
        sa.Column("budget_line_id", sa.Uuid(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
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
        sa.CheckConstraint("amount > 0", name=op.f("ck_fin_allocations_amount_positive")),
        sa.CheckConstraint("quarter BETWEEN 1 AND 4", name=op.f("ck_fin_allocations_quarter_range")),
        sa.ForeignKeyConstraint(
            ["budget_line_id"],
            ["fin_budget_lines.id"],
            name=op.f("fk_fin_allocations_budget_line_id_fin_budget_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_fin_allocations_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["government_code"],
            ["local_governments.code"],
            name=op.f("fk_fin_allocations_government_code_local_governments"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_fin_allocations_requested_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_allocations")),
    )
    with op.batch_alter_table("fin_allocations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fin_allocations_budget_line_id"), ["budget_line_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fin_allocations_government_code"), ["government_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_fin_allocations_status"), ["status"], unique=False)

    op.create_table(
        "fin_budget_version_lines",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("government_code", sa.String(length=5), nullable=False),
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("budget_line_id", sa.Uuid(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_fin_budget_version_lines_amount_not_negative")),
        sa.ForeignKeyConstraint(
            ["budget_line_id"],
            ["fin_budget_lines.id"],
            name=op.f("fk_fin_budget_version_lines_budget_line_id_fin_budget_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["government_code"],
            ["local_governments.code"],
            name=op.f("fk_fin_budget_version_lines_government_code_local_governments"),
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["fin_budget_versions.id"],
            name=op.f("fk_fin_budget_version_lines_version_id_fin_budget_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_budget_version_lines")),
        sa.UniqueConstraint(
            "version_id", "budget_line_id", name=op.f("uq_fin_budget_version_lines_version_id_budget_line_id")
        ),
    )
    with op.batch_alter_table("fin_budget_version_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fin_budget_version_lines_budget_line_id"), ["budget_line_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fin_budget_version_lines_government_code"), ["government_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fin_budget_version_lines_version_id"), ["version_id"], unique=False
        )

    op.create_table(
        "fin_commitments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("government_code", sa.String(length=5), nullable=False),
        sa.Column("budget_line_id", sa.Uuid(), nullable=False),
        sa.Column("contract_id", sa.Uuid(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
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
        sa.CheckConstraint("amount > 0", name=op.f("ck_fin_commitments_amount_positive")),
        sa.ForeignKeyConstraint(
            ["budget_line_id"],
            ["fin_budget_lines.id"],
            name=op.f("fk_fin_commitments_budget_line_id_fin_budget_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["fin_contracts.id"], name=op.f("fk_fin_commitments_contract_id_fin_contracts")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_fin_commitments_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["government_code"],
            ["local_governments.code"],
            name=op.f("fk_fin_commitments_government_code_local_governments"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_fin_commitments_requested_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_commitments")),
    )
    with op.batch_alter_table("fin_commitments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fin_commitments_budget_line_id"), ["budget_line_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_fin_commitments_contract_id"), ["contract_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_fin_commitments_government_code"), ["government_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_fin_commitments_status"), ["status"], unique=False)

    op.create_table(
        "fin_expenditure_resolutions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("government_code", sa.String(length=5), nullable=False),
        sa.Column("budget_line_id", sa.Uuid(), nullable=False),
        sa.Column("commitment_id", sa.Uuid(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("payee_name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
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
        sa.CheckConstraint("amount > 0", name=op.f("ck_fin_expenditure_resolutions_amount_positive")),
        sa.ForeignKeyConstraint(
            ["budget_line_id"],
            ["fin_budget_lines.id"],
            name=op.f("fk_fin_expenditure_resolutions_budget_line_id_fin_budget_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["commitment_id"],
            ["fin_commitments.id"],
            name=op.f("fk_fin_expenditure_resolutions_commitment_id_fin_commitments"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_fin_expenditure_resolutions_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["government_code"],
            ["local_governments.code"],
            name=op.f("fk_fin_expenditure_resolutions_government_code_local_governments"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_fin_expenditure_resolutions_requested_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_expenditure_resolutions")),
    )
    with op.batch_alter_table("fin_expenditure_resolutions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fin_expenditure_resolutions_budget_line_id"), ["budget_line_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fin_expenditure_resolutions_commitment_id"), ["commitment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fin_expenditure_resolutions_government_code"), ["government_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_fin_expenditure_resolutions_status"), ["status"], unique=False)

    op.create_table(
        "fin_payment_orders",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("government_code", sa.String(length=5), nullable=False),
        sa.Column("resolution_id", sa.Uuid(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "approved",
                "paid",
                "rejected",
                name="paymentorderstatus",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("requested_by", sa.Uuid(), nullable=False),
        sa.Column("decided_by", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_fin_payment_orders_amount_positive")),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_fin_payment_orders_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["government_code"],
            ["local_governments.code"],
            name=op.f("fk_fin_payment_orders_government_code_local_governments"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_fin_payment_orders_requested_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["resolution_id"],
            ["fin_expenditure_resolutions.id"],
            name=op.f("fk_fin_payment_orders_resolution_id_fin_expenditure_resolutions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_payment_orders")),
        sa.UniqueConstraint(
            "government_code",
            "idempotency_key",
            name=op.f("uq_fin_payment_orders_government_code_idempotency_key"),
        ),
    )
    with op.batch_alter_table("fin_payment_orders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_fin_payment_orders_government_code_status", ["government_code", "status"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fin_payment_orders_resolution_id"), ["resolution_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("fin_payment_orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fin_payment_orders_resolution_id"))
        batch_op.drop_index("ix_fin_payment_orders_government_code_status")

    op.drop_table("fin_payment_orders")
    with op.batch_alter_table("fin_expenditure_resolutions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fin_expenditure_resolutions_status"))
        batch_op.drop_index(batch_op.f("ix_fin_expenditure_resolutions_government_code"))
        batch_op.drop_index(batch_op.f("ix_fin_expenditure_resolutions_commitment_id"))
        batch_op.drop_index(batch_op.f("ix_fin_expenditure_resolutions_budget_line_id"))

    op.drop_table("fin_expenditure_resolutions")
    with op.batch_alter_table("fin_commitments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fin_commitments_status"))
        batch_op.drop_index(batch_op.f("ix_fin_commitments_government_code"))
        batch_op.drop_index(batch_op.f("ix_fin_commitments_contract_id"))
        batch_op.drop_index(batch_op.f("ix_fin_commitments_budget_line_id"))

    op.drop_table("fin_commitments")
    with op.batch_alter_table("fin_budget_version_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fin_budget_version_lines_version_id"))
        batch_op.drop_index(batch_op.f("ix_fin_budget_version_lines_government_code"))
        batch_op.drop_index(batch_op.f("ix_fin_budget_version_lines_budget_line_id"))

    op.drop_table("fin_budget_version_lines")
    with op.batch_alter_table("fin_allocations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fin_allocations_status"))
        batch_op.drop_index(batch_op.f("ix_fin_allocations_government_code"))
        batch_op.drop_index(batch_op.f("ix_fin_allocations_budget_line_id"))

    op.drop_table("fin_allocations")
    with op.batch_alter_table("fin_journal_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fin_journal_lines_entry_id"))

    op.drop_table("fin_journal_lines")
    with op.batch_alter_table("fin_budget_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fin_budget_lines_programme_id"))
        batch_op.drop_index(batch_op.f("ix_fin_budget_lines_government_code"))
        batch_op.drop_index(batch_op.f("ix_fin_budget_lines_fiscal_year_id"))
        batch_op.drop_index(batch_op.f("ix_fin_budget_lines_account_id"))

    op.drop_table("fin_budget_lines")
    with op.batch_alter_table("fin_programmes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fin_programmes_parent_id"))
        batch_op.drop_index(batch_op.f("ix_fin_programmes_government_code"))
        batch_op.drop_index(batch_op.f("ix_fin_programmes_fiscal_year_id"))

    op.drop_table("fin_programmes")
    with op.batch_alter_table("fin_journal_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fin_journal_entries_source_id"))
        batch_op.drop_index(batch_op.f("ix_fin_journal_entries_government_code"))

    op.drop_table("fin_journal_entries")
    with op.batch_alter_table("fin_contracts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fin_contracts_supplier_registration_number"))
        batch_op.drop_index(batch_op.f("ix_fin_contracts_government_code"))

    op.drop_table("fin_contracts")
    with op.batch_alter_table("fin_budget_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fin_budget_versions_government_code"))
        batch_op.drop_index(batch_op.f("ix_fin_budget_versions_fiscal_year_id"))

    op.drop_table("fin_budget_versions")
    with op.batch_alter_table("fin_fiscal_years", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fin_fiscal_years_government_code"))

    op.drop_table("fin_fiscal_years")
    with op.batch_alter_table("fin_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fin_accounts_government_code"))

    op.drop_table("fin_accounts")
