"""finance: the accrual chart of accounts as reference data that journal lines reference

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 07:45:00

Until now a journal line's account was checked against a fixed list inside a CHECK constraint, so
every new account (revenue, assets, bonds) meant rebuilding the journal table. The chart is now a
table (code, statement category, normal side) and journal lines carry a foreign key to it: a new
account is one inserted row.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (code, statement category, debit-normal)
CHART = (
    ("cash", "asset", True),
    ("deposits", "asset", True),
    ("tax_receivable", "asset", True),
    ("nontax_receivable", "asset", True),
    ("investments", "asset", True),
    ("fixed_assets", "asset", True),
    ("land", "asset", True),
    ("buildings", "asset", True),
    ("equipment", "asset", True),
    ("accumulated_depreciation", "asset", False),
    ("payable", "liability", False),
    ("deposits_received", "liability", False),
    ("borrowings", "liability", False),
    ("net_assets", "net_assets", False),
    ("tax_revenue", "revenue", False),
    ("nontax_revenue", "revenue", False),
    ("transfer_revenue", "revenue", False),
    ("other_revenue", "revenue", False),
    ("personnel_expense", "expense", True),
    ("operating_expense", "expense", True),
    ("transfer_expense", "expense", True),
    ("depreciation_expense", "expense", True),
    ("interest_expense", "expense", True),
    ("internal_transfers", "expense", True),
    ("other_expense", "expense", True),
)
CATEGORIES = ("asset", "liability", "net_assets", "revenue", "expense")


def _journal_lines(account_type: sa.types.TypeEngine[str]) -> sa.Table:
    """fin_journal_lines as it is on disk, for SQLite's copy-and-rename rebuild."""
    return sa.Table(
        "fin_journal_lines",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("account", account_type, nullable=False),
        sa.Column("debit", sa.BigInteger(), nullable=False),
        sa.Column("credit", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(
            "(debit > 0 AND credit = 0) OR (credit > 0 AND debit = 0)",
            name="ck_fin_journal_lines_one_positive_side",
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["fin_journal_entries.id"],
            name="fk_fin_journal_lines_entry_id_fin_journal_entries",
            ondelete="CASCADE",
        ),
        sa.Index("ix_fin_journal_lines_entry_id", "entry_id"),
    )


def upgrade() -> None:
    chart = op.create_table(
        "fin_ledger_accounts",
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column(
            "category",
            sa.Enum(*CATEGORIES, name="ledgercategory", native_enum=False, create_constraint=True, length=12),
            nullable=False,
        ),
        sa.Column("debit_normal", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_fin_ledger_accounts")),
    )
    op.bulk_insert(chart, [{"code": c, "category": k, "debit_normal": d} for c, k, d in CHART])
    if op.get_bind().dialect.name == "sqlite":
        # The rebuilt table simply leaves the old CHECK list out.
        plain = sa.String(length=30)
        old = _journal_lines(plain)
        with op.batch_alter_table("fin_journal_lines", copy_from=old, recreate="always") as batch:
            batch.create_foreign_key(
                op.f("fk_fin_journal_lines_account_fin_ledger_accounts"),
                "fin_ledger_accounts",
                ["account"],
                ["code"],
            )
            batch.create_index(op.f("ix_fin_journal_lines_account"), ["account"])
        return
    op.drop_constraint(op.f("ck_fin_journal_lines_ledgeraccount"), "fin_journal_lines", type_="check")
    op.create_foreign_key(
        op.f("fk_fin_journal_lines_account_fin_ledger_accounts"),
        "fin_journal_lines",
        "fin_ledger_accounts",
        ["account"],
        ["code"],
    )
    op.create_index(op.f("ix_fin_journal_lines_account"), "fin_journal_lines", ["account"])


OLD_ACCOUNTS = (
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
)
"""The accounts the CHECK list of revision 0002 allowed."""


def downgrade() -> None:
    bind = op.get_bind()
    used = (
        bind.execute(
            sa.text("SELECT DISTINCT account FROM fin_journal_lines WHERE account NOT IN :old").bindparams(
                sa.bindparam("old", expanding=True)
            ),
            {"old": list(OLD_ACCOUNTS)},
        )
        .scalars()
        .all()
    )
    if used:
        raise RuntimeError(
            "Cannot go back to the fixed account list of revision 0002: journal lines post to "
            + ", ".join(sorted(used))
        )
    allowed = sa.column("account").in_(OLD_ACCOUNTS)
    if bind.dialect.name == "sqlite":
        current = _journal_lines(sa.String(length=30))
        current.append_constraint(
            sa.ForeignKeyConstraint(
                ["account"],
                ["fin_ledger_accounts.code"],
                name="fk_fin_journal_lines_account_fin_ledger_accounts",
            )
        )
        sa.Index("ix_fin_journal_lines_account", current.c.account)
        with op.batch_alter_table("fin_journal_lines", copy_from=current, recreate="always") as batch:
            batch.drop_index("ix_fin_journal_lines_account")
            batch.drop_constraint("fk_fin_journal_lines_account_fin_ledger_accounts", type_="foreignkey")
            batch.create_check_constraint("ledgeraccount", allowed)
    else:
        op.drop_index(op.f("ix_fin_journal_lines_account"), table_name="fin_journal_lines")
        op.drop_constraint(
            op.f("fk_fin_journal_lines_account_fin_ledger_accounts"), "fin_journal_lines", type_="foreignkey"
        )
        op.create_check_constraint("ledgeraccount", "fin_journal_lines", allowed)
    op.drop_table("fin_ledger_accounts")
