"""Bulk payment tables: a batch of payees paid from one budget line, and its lines.

A batch is requested from an uploaded CSV file, decided by a second person (four-eyes), sent to the
treasury bank (금고) as a bank file and settled from the bank's result file. Its running totals
(paid, failed) change only with the result file, under CHECK constraints that keep them within the
batch. Resident registration numbers are never stored: a line keeps only the masked form.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.finance.models import _enum_column
from app.platform.db import Base, BigIntPK, TimestampMixin, UTCDateTime, new_uuid


class BatchStatus(enum.StrEnum):
    """A bulk batch from request to the bank's result."""

    REQUESTED = "requested"
    APPROVED = "approved"  # the bank file may go to the 금고
    REJECTED = "rejected"
    SETTLED = "settled"  # the bank's result file was reconciled


BATCH_TRANSITIONS = {
    BatchStatus.REQUESTED: frozenset({BatchStatus.APPROVED, BatchStatus.REJECTED}),
    BatchStatus.APPROVED: frozenset({BatchStatus.SETTLED}),
}


class LineStatus(enum.StrEnum):
    """One payee's transfer: waiting for the bank, paid or failed."""

    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"


class BulkBatch(TimestampMixin, Base):
    """일괄지급: many payees paid from one budget line as one approved request and one bank file."""

    __tablename__ = "fin_bulk_batches"
    __table_args__ = (
        UniqueConstraint("government_code", "reference"),
        CheckConstraint("line_count > 0 AND total_amount > 0", name="not_empty"),
        CheckConstraint(
            "paid_count + failed_count <= line_count AND paid_amount + failed_amount <= total_amount",
            name="results_within_batch",
        ),
        Index("ix_fin_bulk_batches_government_code_status", "government_code", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    government_code: Mapped[str] = mapped_column(String(5), ForeignKey("local_governments.code"))
    budget_line_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("fin_budget_lines.id"), index=True)
    reference: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[BatchStatus] = mapped_column(_enum_column(BatchStatus), default=BatchStatus.REQUESTED)
    line_count: Mapped[int] = mapped_column(Integer)
    total_amount: Mapped[int] = mapped_column(BigInteger)
    paid_count: Mapped[int] = mapped_column(Integer, default=0)
    paid_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    failed_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    source_sha256: Mapped[str] = mapped_column(String(64))
    result_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    requested_by: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"))
    decided_by: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id"), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class BulkLine(Base):
    """One payee of a batch; ``sequence`` numbers it in the bank file, ``line_number`` in the upload."""

    __tablename__ = "fin_bulk_lines"
    __table_args__ = (
        UniqueConstraint("batch_id", "sequence"),
        CheckConstraint("amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    batch_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("fin_bulk_batches.id", ondelete="CASCADE"))
    government_code: Mapped[str] = mapped_column(String(5))
    sequence: Mapped[int] = mapped_column(Integer)
    line_number: Mapped[int] = mapped_column(Integer)
    payee_name: Mapped[str] = mapped_column(String(100))
    bank_code: Mapped[str] = mapped_column(String(3))
    account_number: Mapped[str] = mapped_column(String(20))
    amount: Mapped[int] = mapped_column(BigInteger)
    purpose: Mapped[str] = mapped_column(String(100))
    id_number_masked: Mapped[str | None] = mapped_column(String(14), default=None)
    status: Mapped[LineStatus] = mapped_column(_enum_column(LineStatus), default=LineStatus.PENDING)
    failure_code: Mapped[str | None] = mapped_column(String(10), default=None)
