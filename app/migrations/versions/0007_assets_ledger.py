"""finance: public property, local bonds, non-cash holdings and the accrual statements

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 07:30:00

The public property register (공유재산대장) with its depreciation runs (one per government and
period) and movements, local bonds (지방채) with their repayment schedules, and non-cash holdings
(securities, deposits, 출자금) with their movements. The statements are read from the journal, so
they need no table.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fin_holdings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("government_code", sa.String(length=5), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "security",
                "deposit",
                "capital_contribution",
                name="holdingkind",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("institution", sa.String(length=200), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("balance >= 0", name=op.f("ck_fin_holdings_balance_not_negative")),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], name=op.f("fk_fin_holdings_created_by_users")),
        sa.ForeignKeyConstraint(
            ["government_code"],
            ["local_governments.code"],
            name=op.f("fk_fin_holdings_government_code_local_governments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_holdings")),
    )
    with op.batch_alter_table("fin_holdings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fin_holdings_government_code"), ["government_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_fin_holdings_kind"), ["kind"], unique=False)

    op.create_table(
        "fin_local_bonds",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("government_code", sa.String(length=5), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("lender", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=500), nullable=False),
        sa.Column("principal", sa.BigInteger(), nullable=False),
        sa.Column("rate_milli_percent", sa.Integer(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("term_years", sa.Integer(), nullable=False),
        sa.Column("grace_years", sa.Integer(), nullable=False),
        sa.Column("payments_per_year", sa.Integer(), nullable=False),
        sa.Column(
            "method",
            sa.Enum(
                "equal_principal",
                "equal_instalment",
                "bullet",
                name="repaymentmethod",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("repaid_principal", sa.BigInteger(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "outstanding",
                "repaid",
                name="bondstatus",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("issued_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(status = 'repaid') = (repaid_principal = principal)",
            name=op.f("ck_fin_local_bonds_repaid_when_all_paid"),
        ),
        sa.CheckConstraint(
            "grace_years >= 0 AND grace_years < term_years", name=op.f("ck_fin_local_bonds_grace_within_term")
        ),
        sa.CheckConstraint(
            "payments_per_year IN (1, 2, 4, 12)", name=op.f("ck_fin_local_bonds_payment_frequency")
        ),
        sa.CheckConstraint("principal > 0", name=op.f("ck_fin_local_bonds_principal_positive")),
        sa.CheckConstraint(
            "rate_milli_percent BETWEEN 0 AND 30000", name=op.f("ck_fin_local_bonds_rate_range")
        ),
        sa.CheckConstraint(
            "repaid_principal >= 0 AND repaid_principal <= principal",
            name=op.f("ck_fin_local_bonds_repaid_within_principal"),
        ),
        sa.CheckConstraint("term_years BETWEEN 1 AND 50", name=op.f("ck_fin_local_bonds_term_range")),
        sa.ForeignKeyConstraint(
            ["government_code"],
            ["local_governments.code"],
            name=op.f("fk_fin_local_bonds_government_code_local_governments"),
        ),
        sa.ForeignKeyConstraint(["issued_by"], ["users.id"], name=op.f("fk_fin_local_bonds_issued_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_local_bonds")),
    )
    with op.batch_alter_table("fin_local_bonds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fin_local_bonds_government_code"), ["government_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_fin_local_bonds_status"), ["status"], unique=False)

    op.create_table(
        "fin_bond_instalments",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("government_code", sa.String(length=5), nullable=False),
        sa.Column("bond_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("principal", sa.BigInteger(), nullable=False),
        sa.Column("interest", sa.BigInteger(), nullable=False),
        sa.Column("outstanding_after", sa.BigInteger(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("journal_entry_id", sa.Uuid(), nullable=True),
        sa.Column("paid_by", sa.Uuid(), nullable=True),
        sa.CheckConstraint("number >= 1", name=op.f("ck_fin_bond_instalments_number_positive")),
        sa.CheckConstraint(
            "principal >= 0 AND interest >= 0 AND principal + interest > 0",
            name=op.f("ck_fin_bond_instalments_amounts"),
        ),
        sa.ForeignKeyConstraint(
            ["bond_id"], ["fin_local_bonds.id"], name=op.f("fk_fin_bond_instalments_bond_id_fin_local_bonds")
        ),
        sa.ForeignKeyConstraint(
            ["government_code"],
            ["local_governments.code"],
            name=op.f("fk_fin_bond_instalments_government_code_local_governments"),
        ),
        sa.ForeignKeyConstraint(
            ["journal_entry_id"],
            ["fin_journal_entries.id"],
            name=op.f("fk_fin_bond_instalments_journal_entry_id_fin_journal_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["paid_by"], ["users.id"], name=op.f("fk_fin_bond_instalments_paid_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_bond_instalments")),
        sa.UniqueConstraint("bond_id", "number", name=op.f("uq_fin_bond_instalments_bond_id_number")),
    )
    with op.batch_alter_table("fin_bond_instalments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fin_bond_instalments_bond_id"), ["bond_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_fin_bond_instalments_government_code"), ["government_code"], unique=False
        )

    op.create_table(
        "fin_depreciation_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("government_code", sa.String(length=5), nullable=False),
        sa.Column(
            "period_kind",
            sa.Enum("month", "year", name="periodkind", native_enum=False, create_constraint=True, length=20),
            nullable=False,
        ),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("total_amount", sa.BigInteger(), nullable=False),
        sa.Column("property_count", sa.Integer(), nullable=False),
        sa.Column("journal_entry_id", sa.Uuid(), nullable=True),
        sa.Column("run_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "period_end >= period_start", name=op.f("ck_fin_depreciation_runs_period_ordered")
        ),
        sa.CheckConstraint(
            "total_amount >= 0 AND property_count >= 0",
            name=op.f("ck_fin_depreciation_runs_totals_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["government_code"],
            ["local_governments.code"],
            name=op.f("fk_fin_depreciation_runs_government_code_local_governments"),
        ),
        sa.ForeignKeyConstraint(
            ["journal_entry_id"],
            ["fin_journal_entries.id"],
            name=op.f("fk_fin_depreciation_runs_journal_entry_id_fin_journal_entries"),
        ),
        sa.ForeignKeyConstraint(["run_by"], ["users.id"], name=op.f("fk_fin_depreciation_runs_run_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_depreciation_runs")),
        sa.UniqueConstraint(
            "government_code",
            "period_start",
            "period_end",
            name=op.f("uq_fin_depreciation_runs_government_code_period_start_period_end"),
        ),
    )
    with op.batch_alter_table("fin_depreciation_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fin_depreciation_runs_government_code"), ["government_code"], unique=False
        )

    op.create_table(
        "fin_holding_movements",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("government_code", sa.String(length=5), nullable=False),
        sa.Column("holding_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "acquire",
                "redeem",
                name="holdingmovementkind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("proceeds", sa.BigInteger(), nullable=False),
        sa.Column("balance_after", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("journal_entry_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_fin_holding_movements_amount_positive")),
        sa.CheckConstraint("balance_after >= 0", name=op.f("ck_fin_holding_movements_balance_not_negative")),
        sa.CheckConstraint("proceeds >= 0", name=op.f("ck_fin_holding_movements_proceeds_not_negative")),
        sa.ForeignKeyConstraint(
            ["government_code"],
            ["local_governments.code"],
            name=op.f("fk_fin_holding_movements_government_code_local_governments"),
        ),
        sa.ForeignKeyConstraint(
            ["holding_id"], ["fin_holdings.id"], name=op.f("fk_fin_holding_movements_holding_id_fin_holdings")
        ),
        sa.ForeignKeyConstraint(
            ["journal_entry_id"],
            ["fin_journal_entries.id"],
            name=op.f("fk_fin_holding_movements_journal_entry_id_fin_journal_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_fin_holding_movements_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_holding_movements")),
    )
    with op.batch_alter_table("fin_holding_movements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fin_holding_movements_government_code"), ["government_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_fin_holding_movements_holding_id"), ["holding_id"], unique=False)

    op.create_table(
        "fin_public_properties",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("government_code", sa.String(length=5), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "land",
                "building",
                "equipment",
                name="propertykind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("parcel_number", sa.String(length=50), nullable=True),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("acquired_on", sa.Date(), nullable=False),
        sa.Column("cost", sa.BigInteger(), nullable=False),
        sa.Column("useful_life_years", sa.Integer(), nullable=True),
        sa.Column("residual_value", sa.BigInteger(), nullable=False),
        sa.Column(
            "funding",
            sa.Enum(
                "cash",
                "payable",
                "capital_expenditure",
                "opening_balance",
                name="fundingsource",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("payment_order_id", sa.Uuid(), nullable=True),
        sa.Column("months_depreciated", sa.Integer(), nullable=False),
        sa.Column("accumulated_depreciation", sa.BigInteger(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "in_use",
                "disposed",
                name="propertystatus",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("disposed_on", sa.Date(), nullable=True),
        sa.Column(
            "disposal_kind",
            sa.Enum(
                "sale", "write_off", name="disposalkind", native_enum=False, create_constraint=True, length=20
            ),
            nullable=True,
        ),
        sa.Column("disposal_proceeds", sa.BigInteger(), nullable=True),
        sa.Column("registered_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(kind = 'land' AND useful_life_years IS NULL AND residual_value = 0 AND months_depreciated = 0) OR (kind <> 'land' AND useful_life_years BETWEEN 1 AND 100)",
            name=op.f("ck_fin_public_properties_land_not_depreciated"),
        ),
        sa.CheckConstraint(
            "(status = 'disposed') = (disposed_on IS NOT NULL AND disposal_kind IS NOT NULL)",
            name=op.f("ck_fin_public_properties_disposal_recorded"),
        ),
        sa.CheckConstraint(
            "accumulated_depreciation >= 0 AND accumulated_depreciation <= cost - residual_value",
            name=op.f("ck_fin_public_properties_depreciation_within_depreciable"),
        ),
        sa.CheckConstraint("cost > 0", name=op.f("ck_fin_public_properties_cost_positive")),
        sa.CheckConstraint(
            "months_depreciated >= 0 AND (useful_life_years IS NULL OR months_depreciated <= useful_life_years * 12)",
            name=op.f("ck_fin_public_properties_months_within_life"),
        ),
        sa.CheckConstraint(
            "residual_value >= 0 AND residual_value <= cost",
            name=op.f("ck_fin_public_properties_residual_within_cost"),
        ),
        sa.ForeignKeyConstraint(
            ["government_code"],
            ["local_governments.code"],
            name=op.f("fk_fin_public_properties_government_code_local_governments"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_order_id"],
            ["fin_payment_orders.id"],
            name=op.f("fk_fin_public_properties_payment_order_id_fin_payment_orders"),
        ),
        sa.ForeignKeyConstraint(
            ["registered_by"], ["users.id"], name=op.f("fk_fin_public_properties_registered_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_public_properties")),
    )
    with op.batch_alter_table("fin_public_properties", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fin_public_properties_government_code"), ["government_code"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_fin_public_properties_kind"), ["kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_fin_public_properties_payment_order_id"), ["payment_order_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_fin_public_properties_status"), ["status"], unique=False)

    op.create_table(
        "fin_property_movements",
        sa.Column(
            "id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("government_code", sa.String(length=5), nullable=False),
        sa.Column("property_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "acquisition",
                "depreciation",
                "disposal",
                name="propertymovementkind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("accumulated_after", sa.BigInteger(), nullable=False),
        sa.Column("book_value_after", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("depreciation_run_id", sa.Uuid(), nullable=True),
        sa.Column("journal_entry_id", sa.Uuid(), nullable=True),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_fin_property_movements_amount_not_negative")),
        sa.ForeignKeyConstraint(
            ["depreciation_run_id"],
            ["fin_depreciation_runs.id"],
            name=op.f("fk_fin_property_movements_depreciation_run_id_fin_depreciation_runs"),
        ),
        sa.ForeignKeyConstraint(
            ["government_code"],
            ["local_governments.code"],
            name=op.f("fk_fin_property_movements_government_code_local_governments"),
        ),
        sa.ForeignKeyConstraint(
            ["journal_entry_id"],
            ["fin_journal_entries.id"],
            name=op.f("fk_fin_property_movements_journal_entry_id_fin_journal_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["property_id"],
            ["fin_public_properties.id"],
            name=op.f("fk_fin_property_movements_property_id_fin_public_properties"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_fin_property_movements_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_property_movements")),
    )
    with op.batch_alter_table("fin_property_movements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fin_property_movements_depreciation_run_id"), ["depreciation_run_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fin_property_movements_government_code"), ["government_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fin_property_movements_property_id"), ["property_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("fin_property_movements")
    op.drop_table("fin_public_properties")
    op.drop_table("fin_holding_movements")
    op.drop_table("fin_depreciation_runs")
    op.drop_table("fin_bond_instalments")
    op.drop_table("fin_local_bonds")
    op.drop_table("fin_holdings")
