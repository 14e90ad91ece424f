"""finance: contract milestones (선금·기성·준공) and monthly allocations

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 10:40:00

A contract gets an ordered schedule of milestones; a commitment may name one (its contract must then
be named too). An allocation may name a month inside its quarter. Down drops the table and both
columns with what they hold: it is meant for a release rolled back before the feature was used.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONTH_IN_QUARTER = "month IS NULL OR (month BETWEEN 1 AND 12 AND (month + 2) / 3 = quarter)"


@contextmanager
def _resolutions_detached_on_sqlite() -> Iterator[None]:
    """Let SQLite rebuild ``fin_commitments`` (copy, drop, rename) while resolutions reference it.

    Dropping the old table counts a foreign-key violation for every resolution that references it,
    and renaming the copy into its place does not take them back, so the commit would fail. The
    references are parked in a temporary table for the rebuild and put back after it, all inside the
    migration's transaction (foreign keys stay on; PostgreSQL alters the table in place).
    """
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute(
            "CREATE TEMPORARY TABLE parked_commitment_refs AS SELECT id, commitment_id "
            "FROM fin_expenditure_resolutions WHERE commitment_id IS NOT NULL"
        )
        op.execute(
            "UPDATE fin_expenditure_resolutions SET commitment_id = NULL WHERE commitment_id IS NOT NULL"
        )
    yield
    if sqlite:
        op.execute(
            "UPDATE fin_expenditure_resolutions SET commitment_id = (SELECT p.commitment_id FROM "
            "parked_commitment_refs p WHERE p.id = fin_expenditure_resolutions.id) "
            "WHERE id IN (SELECT id FROM parked_commitment_refs)"
        )
        op.execute("DROP TABLE parked_commitment_refs")


def upgrade() -> None:
    op.create_table(
        "fin_contract_milestones",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("government_code", sa.String(length=5), nullable=False),
        sa.Column("contract_id", sa.Uuid(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "advance",
                "progress",
                "completion",
                name="milestonekind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("inspector_name", sa.String(length=100), nullable=True),
        sa.Column("accepted_by", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_fin_contract_milestones_amount_positive")),
        sa.CheckConstraint("sequence >= 1", name=op.f("ck_fin_contract_milestones_sequence_positive")),
        sa.CheckConstraint(
            "(accepted_on IS NULL AND inspector_name IS NULL AND accepted_by IS NULL) OR "
            "(accepted_on IS NOT NULL AND inspector_name IS NOT NULL AND accepted_by IS NOT NULL)",
            name=op.f("ck_fin_contract_milestones_acceptance_whole"),
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["fin_contracts.id"],
            name=op.f("fk_fin_contract_milestones_contract_id_fin_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["government_code"],
            ["local_governments.code"],
            name=op.f("fk_fin_contract_milestones_government_code_local_governments"),
        ),
        sa.ForeignKeyConstraint(
            ["accepted_by"], ["users.id"], name=op.f("fk_fin_contract_milestones_accepted_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_fin_contract_milestones_created_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fin_contract_milestones")),
        sa.UniqueConstraint(
            "contract_id", "sequence", name=op.f("uq_fin_contract_milestones_contract_id_sequence")
        ),
    )
    with op.batch_alter_table("fin_contract_milestones", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fin_contract_milestones_government_code"), ["government_code"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_fin_contract_milestones_contract_id"), ["contract_id"], unique=False
        )

    with _resolutions_detached_on_sqlite(), op.batch_alter_table("fin_commitments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("milestone_id", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_fin_commitments_milestone_id"), ["milestone_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_fin_commitments_milestone_id_fin_contract_milestones"),
            "fin_contract_milestones",
            ["milestone_id"],
            ["id"],
        )
        batch_op.create_check_constraint(
            "milestone_under_contract", "milestone_id IS NULL OR contract_id IS NOT NULL"
        )
    with op.batch_alter_table("fin_allocations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("month", sa.Integer(), nullable=True))
        batch_op.create_check_constraint("month_in_quarter", MONTH_IN_QUARTER)


def downgrade() -> None:
    with op.batch_alter_table("fin_allocations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_fin_allocations_month_in_quarter"), type_="check")
        batch_op.drop_column("month")
    with _resolutions_detached_on_sqlite(), op.batch_alter_table("fin_commitments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_fin_commitments_milestone_under_contract"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_fin_commitments_milestone_id_fin_contract_milestones"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_fin_commitments_milestone_id"))
        batch_op.drop_column("milestone_id")
    with op.batch_alter_table("fin_contract_milestones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fin_contract_milestones_contract_id"))
        batch_op.drop_index(batch_op.f("ix_fin_contract_milestones_government_code"))
    op.drop_table("fin_contract_milestones")
