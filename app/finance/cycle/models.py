"""Tables of the budget cycle after the council's approval: transfers (전용/이용) and carry-over (이월).

A transfer or a carry-over is a record of its own: the budget lines' running totals move when it is
approved, and the record says by how much, on which legal basis, who asked and who decided. Nothing
is overwritten, so the year-end settlement can always say where each line's final budget came from.
"""

from __future__ import annotations

import enum
import uuid
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, MappedColumn, mapped_column

from app.finance.models import ApprovalMixin, ApprovalStatus, _enum_column
from app.platform.db import Base, BigIntPK, TimestampMixin, new_uuid


class TransferKind(enum.StrEnum):
    """예산전용 (between expenditure objects of one policy project) or 예산이용 (between policy projects)."""

    WITHIN_POLICY = "within_policy"  # 전용: the head's approval suffices
    BETWEEN_POLICIES = "between_policies"  # 이용: needs the council's prior approval


class CarryOverKind(enum.StrEnum):
    """The three kinds of 이월 the Local Finance Act allows."""

    EXPLICIT = "explicit"  # 명시이월: designated by the council in the budget
    UNAVOIDABLE = "unavoidable"  # 사고이월: committed within the year, unpaid for unavoidable reasons
    CONTINUING = "continuing"  # 계속비이월: the unspent part of a continuing (multi-year) expenditure


CYCLE_TRANSITIONS = {
    ApprovalStatus.REQUESTED: frozenset(
        {ApprovalStatus.APPROVED, ApprovalStatus.REJECTED, ApprovalStatus.CANCELLED}
    ),
}
"""Transfers and carry-overs: once approved the budget has moved, so they are final (a new one undoes)."""


def _government_fk() -> MappedColumn[Any]:
    return mapped_column(String(5), ForeignKey("local_governments.code"), index=True)


def _line_fk(nullable: bool = False) -> MappedColumn[Any]:
    return mapped_column(Uuid, ForeignKey("fin_budget_lines.id"), index=True, nullable=nullable, default=None)


class BudgetTransfer(ApprovalMixin, TimestampMixin, Base):
    """전용 or 이용 of ``amount`` from one budget line to another, applied when approved.

    ``allocated_moved`` is the part of the amount that had already been released (배정) on the
    source line and is released on the destination with it; the rest was unallocated budget.
    """

    __tablename__ = "fin_budget_transfers"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("allocated_moved >= 0 AND allocated_moved <= amount", name="allocated_moved_range"),
        CheckConstraint("source_line_id <> target_line_id", name="distinct_lines"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    government_code: Mapped[str] = _government_fk()
    fiscal_year_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("fin_fiscal_years.id"), index=True)
    kind: Mapped[TransferKind] = mapped_column(_enum_column(TransferKind))
    source_line_id: Mapped[uuid.UUID] = _line_fk()
    target_line_id: Mapped[uuid.UUID] = _line_fk()
    amount: Mapped[int] = mapped_column(BigInteger)
    allocated_moved: Mapped[int] = mapped_column(BigInteger, default=0)
    legal_basis: Mapped[str] = mapped_column(String(500))
    basis_reference: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(String(500))


class CarryOver(ApprovalMixin, TimestampMixin, Base):
    """The carry-over (이월) of one fiscal year: its items move to the next year when approved."""

    __tablename__ = "fin_carry_overs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    government_code: Mapped[str] = _government_fk()
    fiscal_year_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("fin_fiscal_years.id"), index=True)
    target_fiscal_year_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("fin_fiscal_years.id"), index=True, default=None
    )
    note: Mapped[str] = mapped_column(String(500), default="")


class CarryOverItem(TimestampMixin, Base):
    """One line's amount of one carry-over kind; ``target_line_id`` is the next year's line it funds."""

    __tablename__ = "fin_carry_over_items"
    __table_args__ = (
        UniqueConstraint("carry_over_id", "source_line_id", "kind"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    government_code: Mapped[str] = _government_fk()
    carry_over_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("fin_carry_overs.id"), index=True)
    source_line_id: Mapped[uuid.UUID] = _line_fk()
    target_line_id: Mapped[uuid.UUID | None] = _line_fk(nullable=True)
    kind: Mapped[CarryOverKind] = mapped_column(_enum_column(CarryOverKind))
    amount: Mapped[int] = mapped_column(BigInteger)
    basis: Mapped[str] = mapped_column(String(200))
