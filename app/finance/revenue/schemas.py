"""Request and response bodies of the revenue API. Amounts are integer won."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import msgspec

from app.finance.models import ApprovalStatus
from app.finance.revenue.models import (
    AdjustmentKind,
    AssessmentStatus,
    PayerKind,
    ReceiptChannel,
    RefundKind,
    RevenueKind,
)
from app.finance.schemas import Description, Name, Won, WonOrZero

RevenueCode = Annotated[str, msgspec.Meta(pattern=r"^[0-9A-Za-z-]{1,20}$")]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
RegistrationNumber = Annotated[str, msgspec.Meta(pattern=r"^[0-9-]{10,14}$")]
Reference = Annotated[str, msgspec.Meta(pattern=r"^[0-9A-Za-z._:-]{1,100}$")]


class RevenueItemCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Add a revenue item (세입과목) with its revenue budget."""

    fiscal_year_id: uuid.UUID
    account_id: uuid.UUID
    kind: RevenueKind
    code: RevenueCode
    name: Name
    budget_amount: WonOrZero


class RevenueItemOut(msgspec.Struct):
    """A revenue item."""

    id: uuid.UUID
    government_code: str
    fiscal_year_id: uuid.UUID
    account_id: uuid.UUID
    kind: RevenueKind
    code: str
    name: str
    budget_amount: int


class RevenueItemPage(msgspec.Struct):
    """One page of revenue items."""

    items: list[RevenueItemOut]
    total: int
    limit: int
    offset: int


class AssessmentCreate(msgspec.Struct, forbid_unknown_fields=True):
    """부과: the payer's registration number is masked and hashed, never stored for a person."""

    item_id: uuid.UUID
    payer_kind: PayerKind
    payer_name: Name
    payer_number: RegistrationNumber
    description: Description
    amount: Won
    assessed_on: date
    due_date: date


class AssessmentOut(msgspec.Struct):
    """An assessment with its running totals; ``outstanding`` is 미수납액."""

    id: uuid.UUID
    government_code: str
    item_id: uuid.UUID
    payer_kind: PayerKind
    payer_name: str
    payer_number_masked: str
    description: str
    amount: int
    assessed_on: date
    due_date: date
    status: AssessmentStatus
    reduced_amount: int
    collected_amount: int
    overpaid_amount: int
    refunded_overpaid_amount: int
    refunded_erroneous_amount: int
    outstanding: int
    resolved_at: datetime | None


class AssessmentPage(msgspec.Struct):
    """One page of assessments."""

    items: list[AssessmentOut]
    total: int
    limit: int
    offset: int


class Reduction(msgspec.Struct, forbid_unknown_fields=True):
    """감액 with its reason."""

    amount: Won
    reason: Reason


class Cancellation(msgspec.Struct, forbid_unknown_fields=True):
    """부과 취소 with its reason."""

    reason: Reason


class ReceiptCreate(msgspec.Struct, forbid_unknown_fields=True):
    """수납 as the treasury bank notifies it; ``reference`` is the bank's, unique per government.

    A client that follows the ``Idempotency-Key`` convention may send the reference in that header
    instead (or as well, if both say the same).
    """

    assessment_id: uuid.UUID
    amount: Won
    received_on: date
    channel: ReceiptChannel
    reference: Reference | None = None


class ReceiptOut(msgspec.Struct):
    """A receipt: ``applied`` went to the assessment, ``overpaid`` to deposits received."""

    id: uuid.UUID
    government_code: str
    assessment_id: uuid.UUID
    reference: str
    amount: int
    applied_amount: int
    overpaid_amount: int
    received_on: date
    channel: ReceiptChannel


class AdjustmentOut(msgspec.Struct):
    """A reduction or cancellation."""

    id: uuid.UUID
    kind: AdjustmentKind
    amount: int
    reason: str
    created_at: datetime


class RefundCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Request a refund of an overpayment (과납) or an erroneous collection (오납)."""

    assessment_id: uuid.UUID
    kind: RefundKind
    amount: Won
    reason: Reason


class RefundOut(msgspec.Struct):
    """A refund and its decision."""

    id: uuid.UUID
    government_code: str
    assessment_id: uuid.UUID
    kind: RefundKind
    amount: int
    reason: str
    status: ApprovalStatus
    requested_by: uuid.UUID
    decided_by: uuid.UUID | None
    decided_at: datetime | None


class RefundPage(msgspec.Struct):
    """One page of refunds."""

    items: list[RefundOut]
    total: int
    limit: int
    offset: int


class AssessmentDetailOut(msgspec.Struct):
    """An assessment with its item, receipts, reductions and refunds."""

    assessment: AssessmentOut
    item: RevenueItemOut
    receipts: list[ReceiptOut]
    adjustments: list[AdjustmentOut]
    refunds: list[RefundOut]


class ReceivableRowOut(msgspec.Struct):
    """미수납액 of one item or payer, aged."""

    key: str
    label: str
    detail: str
    assessments: int
    total: int
    overdue: int
    buckets: dict[str, int]


class ReceivablesOut(msgspec.Struct):
    """Receivables of a government's fiscal year on one day."""

    government_code: str
    fiscal_year: int
    as_of: date
    by: str
    rows: list[ReceivableRowOut]
    total: int
    limit: int
    offset: int


class SettlementRowOut(msgspec.Struct):
    """세입결산 of one revenue item."""

    item_id: uuid.UUID
    code: str
    name: str
    kind: RevenueKind
    budget: int
    assessed: int
    collected: int
    refunded: int
    receivable: int
    collection_rate: float | None
    budget_rate: float | None


class SettlementOut(msgspec.Struct):
    """세입결산 of a government's fiscal year."""

    government_code: str
    fiscal_year: int
    rows: list[SettlementRowOut]
    total: SettlementRowOut
