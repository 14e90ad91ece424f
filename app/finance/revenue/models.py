"""Revenue tables: revenue items (세입과목), assessments (부과), receipts (수납), refunds (과오납 환급).

Money is integer won. An assessment keeps running totals (reduced, collected, overpaid, refunded)
that the services change only while holding its row lock; CHECK constraints repeat the rules that
matter most (never more collected than assessed, never more refunded than was paid in), so even a
bug in the services cannot commit an over-collection.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.finance.models import (
    ApprovalMixin,
    ApprovalStatus,
    LedgerAccount,
    _enum_column,
    _government_fk,
    _user_fk,
)
from app.platform.db import Base, TimestampMixin, UTCDateTime, new_uuid


class RevenueKind(enum.StrEnum):
    """세입 classification at its top level; each kind is owed to a receivable and earns one account."""

    LOCAL_TAX = "local_tax"  # 지방세수입
    NON_TAX = "non_tax"  # 세외수입
    SHARED_TAX = "shared_tax"  # 지방교부세
    ADJUSTMENT_GRANT = "adjustment_grant"  # 조정교부금등
    SUBSIDY = "subsidy"  # 보조금 (국고·시도비)
    LOCAL_BOND = "local_bond"  # 지방채
    INTERNAL = "internal"  # 보전수입등및내부거래

    @property
    def receivable_account(self) -> LedgerAccount:
        """Where what is assessed but not yet received is kept (미수세금, 미수세외수입금)."""
        return (
            LedgerAccount.TAX_RECEIVABLE if self is RevenueKind.LOCAL_TAX else LedgerAccount.NONTAX_RECEIVABLE
        )

    @property
    def revenue_account(self) -> LedgerAccount:
        """What the assessment earns; a local bond's proceeds are a borrowing, not revenue."""
        return _REVENUE_ACCOUNTS[self]


_REVENUE_ACCOUNTS = {
    RevenueKind.LOCAL_TAX: LedgerAccount.TAX_REVENUE,
    RevenueKind.NON_TAX: LedgerAccount.NONTAX_REVENUE,
    RevenueKind.SHARED_TAX: LedgerAccount.TRANSFER_REVENUE,
    RevenueKind.ADJUSTMENT_GRANT: LedgerAccount.TRANSFER_REVENUE,
    RevenueKind.SUBSIDY: LedgerAccount.TRANSFER_REVENUE,
    RevenueKind.LOCAL_BOND: LedgerAccount.BORROWINGS,
    RevenueKind.INTERNAL: LedgerAccount.OTHER_REVENUE,
}


class PayerKind(enum.StrEnum):
    """Whether the payer is identified by a 주민등록번호 (a person) or a 사업자등록번호 (a business)."""

    PERSON = "person"
    BUSINESS = "business"


class AssessmentStatus(enum.StrEnum):
    """An assessment from 부과 to being paid in full (or cancelled)."""

    ASSESSED = "assessed"  # 부과
    RESOLVED = "resolved"  # 징수결의 (notice issued, receipts accepted)
    PARTIALLY_PAID = "partially_paid"  # 일부 수납
    PAID = "paid"  # 완납
    CANCELLED = "cancelled"  # 부과 취소


ASSESSMENT_TRANSITIONS = {
    AssessmentStatus.ASSESSED: frozenset({AssessmentStatus.RESOLVED, AssessmentStatus.CANCELLED}),
    AssessmentStatus.RESOLVED: frozenset(
        {AssessmentStatus.PARTIALLY_PAID, AssessmentStatus.PAID, AssessmentStatus.CANCELLED}
    ),
    AssessmentStatus.PARTIALLY_PAID: frozenset({AssessmentStatus.PAID, AssessmentStatus.CANCELLED}),
    AssessmentStatus.PAID: frozenset({AssessmentStatus.CANCELLED}),
}
"""Cancelling a (partly) paid assessment leaves what was collected to be refunded as 오납."""
RECEIVING_STATUSES = frozenset(
    {AssessmentStatus.RESOLVED, AssessmentStatus.PARTIALLY_PAID, AssessmentStatus.PAID}
)
"""A paid assessment still takes receipts: a payer who pays twice has overpaid (과납)."""


REFUND_TRANSITIONS = {
    ApprovalStatus.REQUESTED: frozenset({ApprovalStatus.APPROVED, ApprovalStatus.REJECTED}),
}
"""An approved refund is paid out at once, so it can no longer be cancelled."""


class ReceiptChannel(enum.StrEnum):
    """How the money reached the treasury bank (수납 경로)."""

    BANK_COUNTER = "bank_counter"  # 금고 창구
    VIRTUAL_ACCOUNT = "virtual_account"  # 가상계좌
    GIRO = "giro"  # 지로
    CARD = "card"  # 신용카드
    ONLINE = "online"  # 인터넷 납부 (위택스·이택스)
    AUTO_DEBIT = "auto_debit"  # 자동이체


class RefundKind(enum.StrEnum):
    """과납 (paid more than was due) or 오납 (the assessment itself was wrong and was reduced)."""

    OVERPAYMENT = "overpayment"  # 과납: paid out of deposits received
    ERRONEOUS_ASSESSMENT = "erroneous_assessment"  # 오납: the revenue is given back


class AdjustmentKind(enum.StrEnum):
    """A reduction of an assessment (감액) or its cancellation (부과 취소)."""

    REDUCTION = "reduction"
    CANCELLATION = "cancellation"


class RevenueItem(TimestampMixin, Base):
    """세입과목 of one fiscal year and account (회계), with its revenue budget (세입예산액)."""

    __tablename__ = "fin_revenue_items"
    __table_args__ = (
        UniqueConstraint("fiscal_year_id", "account_id", "code"),
        CheckConstraint("budget_amount >= 0", name="budget_not_negative"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    government_code: Mapped[str] = _government_fk()
    fiscal_year_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("fin_fiscal_years.id"), index=True)
    account_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("fin_accounts.id"), index=True)
    kind: Mapped[RevenueKind] = mapped_column(_enum_column(RevenueKind))
    code: Mapped[str] = mapped_column(String(20))  # 장·관·항·목, e.g. 110-111-01
    name: Mapped[str] = mapped_column(String(200))
    budget_amount: Mapped[int] = mapped_column(BigInteger, default=0)


class Assessment(TimestampMixin, Base):
    """부과 of one amount on one payer under one revenue item, and what has become of it since.

    ``due`` (amount − reduced) is what the payer owes; ``collected`` is what was received against it
    (never above the amount), anything paid beyond is ``overpaid`` and waits in deposits received
    (예수금) for a refund. A reduction below what was already collected leaves an erroneous
    collection (오납) to refund.
    """

    __tablename__ = "fin_revenue_assessments"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "reduced_amount >= 0 AND collected_amount >= 0 AND overpaid_amount >= 0 "
            "AND refunded_overpaid_amount >= 0 AND refunded_erroneous_amount >= 0",
            name="totals_not_negative",
        ),
        CheckConstraint("reduced_amount <= amount", name="reduction_within_amount"),
        CheckConstraint("collected_amount <= amount", name="collection_within_amount"),
        CheckConstraint(
            "refunded_overpaid_amount <= overpaid_amount", name="overpaid_refund_within_overpaid"
        ),
        CheckConstraint(
            "refunded_erroneous_amount + amount - reduced_amount <= collected_amount "
            "OR refunded_erroneous_amount = 0",
            name="erroneous_refund_within_excess",
        ),
        Index("ix_fin_revenue_assessments_government_code_status", "government_code", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    government_code: Mapped[str] = _government_fk()
    item_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("fin_revenue_items.id"), index=True)
    payer_kind: Mapped[PayerKind] = mapped_column(_enum_column(PayerKind))
    payer_name: Mapped[str] = mapped_column(String(200))
    payer_number_masked: Mapped[str] = mapped_column(String(14))
    payer_key: Mapped[str] = mapped_column(String(64), index=True)
    """Keyed hash of the registration number: groups one payer's assessments without storing it."""
    business_number: Mapped[str | None] = mapped_column(String(10), default=None)
    """A business's 사업자등록번호 in full (public information); never a person's number."""
    description: Mapped[str] = mapped_column(String(500))
    amount: Mapped[int] = mapped_column(BigInteger)
    assessed_on: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[AssessmentStatus] = mapped_column(
        _enum_column(AssessmentStatus), default=AssessmentStatus.ASSESSED
    )
    reduced_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    collected_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    overpaid_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_overpaid_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_erroneous_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    assessed_by: Mapped[uuid.UUID] = _user_fk()
    resolved_by: Mapped[uuid.UUID | None] = _user_fk(nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    @property
    def due_amount(self) -> int:
        """What the payer owes after reductions."""
        return self.amount - self.reduced_amount

    @property
    def outstanding_amount(self) -> int:
        """미수납액: owed and not yet received (zero once cancelled)."""
        if self.status is AssessmentStatus.CANCELLED:
            return 0
        return max(0, self.due_amount - self.collected_amount)

    @property
    def erroneous_amount(self) -> int:
        """Collected beyond what a reduction left due (오납), not yet refunded."""
        return max(0, self.collected_amount - self.due_amount) - self.refunded_erroneous_amount

    @property
    def unrefunded_overpaid_amount(self) -> int:
        """Paid beyond what was due (과납), waiting in deposits received."""
        return self.overpaid_amount - self.refunded_overpaid_amount


class AssessmentAdjustment(TimestampMixin, Base):
    """A reduction (감액) or cancellation (부과 취소) of an assessment, with its reason."""

    __tablename__ = "fin_revenue_adjustments"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    government_code: Mapped[str] = _government_fk()
    assessment_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("fin_revenue_assessments.id"), index=True
    )
    kind: Mapped[AdjustmentKind] = mapped_column(_enum_column(AdjustmentKind))
    amount: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(500))
    created_by: Mapped[uuid.UUID] = _user_fk()


class Receipt(TimestampMixin, Base):
    """수납: money the treasury bank received for an assessment; its reference makes it idempotent."""

    __tablename__ = "fin_revenue_receipts"
    __table_args__ = (
        UniqueConstraint("government_code", "reference"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("applied_amount >= 0 AND overpaid_amount >= 0", name="parts_not_negative"),
        CheckConstraint("applied_amount + overpaid_amount = amount", name="parts_add_up"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    government_code: Mapped[str] = _government_fk()
    assessment_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("fin_revenue_assessments.id"), index=True
    )
    reference: Mapped[str] = mapped_column(String(100))
    amount: Mapped[int] = mapped_column(BigInteger)
    applied_amount: Mapped[int] = mapped_column(BigInteger)
    overpaid_amount: Mapped[int] = mapped_column(BigInteger)
    received_on: Mapped[date] = mapped_column(Date)
    channel: Mapped[ReceiptChannel] = mapped_column(_enum_column(ReceiptChannel))
    recorded_by: Mapped[uuid.UUID] = _user_fk()


class Refund(ApprovalMixin, TimestampMixin, Base):
    """과오납 환급: requested by an official, approved by another person, then paid out."""

    __tablename__ = "fin_revenue_refunds"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    government_code: Mapped[str] = _government_fk()
    assessment_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("fin_revenue_assessments.id"), index=True
    )
    kind: Mapped[RefundKind] = mapped_column(_enum_column(RefundKind, 30))
    amount: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(500))
