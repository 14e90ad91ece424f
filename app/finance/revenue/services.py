"""Revenue rules: revenue items, assessment (부과) → collection resolution (징수결의) → receipt (수납),
reductions and cancellations, refunds of over- and erroneous payments (과오납 환급), receivables and the
revenue settlement (세입결산).

Like :mod:`app.finance.services`, every function takes ``(session, actor, ...)``, checks role and
government itself, only ``flush()``es and audits each state change. Every change of an assessment's
totals happens while holding the assessment's row lock (``SELECT … FOR UPDATE`` on PostgreSQL;
SQLite's single writer gives the same guarantee), so concurrent receipts are applied one after the
other: what exceeds the amount due is booked once as an overpayment, never as a second collection.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.finance.models import (
    ApprovalStatus,
    FinanceAccount,
    FiscalYear,
    LedgerAccount,
    require_transition,
)
from app.finance.revenue import metrics
from app.finance.revenue.models import (
    ASSESSMENT_TRANSITIONS,
    RECEIVING_STATUSES,
    REFUND_TRANSITIONS,
    AdjustmentKind,
    Assessment,
    AssessmentAdjustment,
    AssessmentStatus,
    PayerKind,
    Receipt,
    ReceiptChannel,
    Refund,
    RefundKind,
    RevenueItem,
    RevenueKind,
)
from app.finance.services import (
    APPROVER_ROLES,
    DISBURSING_ROLES,
    MAKER_ROLES,
    SETUP_ROLES,
    Posting,
    _audit,
    _government_kind,
    _require_open_year,
    _require_other_person,
    _require_reader,
    _require_role,
    is_valid_business_registration_number,
    post_journal_entry,
)
from app.platform.db import utcnow
from app.platform.errors import ConflictError, InvalidInputError, NotFoundError
from app.platform.paging import fetch_page
from app.platform.settings import get_settings
from app.platform.tenancy import Actor, restrict_to_actor
from app.platform.tenancy import get_for_actor as _get

COLLECTOR_ROLES = DISBURSING_ROLES
"""징수관: who resolves collection and records what the treasury bank received (the finance officer)."""


# --- payers --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PayerIdentity:
    """What is kept of a payer's registration number: a masked form, a keyed hash, a business number."""

    masked: str
    key: str
    business_number: str | None


def _is_plausible_resident_number(digits: str) -> bool:
    """주민등록번호 shape: a real birth date whose century the 7th digit gives.

    Numbers issued since October 2020 no longer end in a check digit, so none is verified.
    """
    century = {"9": 1800, "0": 1800, "1": 1900, "2": 1900, "5": 1900, "6": 1900}.get(digits[6], 2000)
    try:
        date(century + int(digits[:2]), int(digits[2:4]), int(digits[4:6]))
    except ValueError:
        return False
    return True


def payer_identity(kind: PayerKind, number: str) -> PayerIdentity:
    """Validate a registration number and reduce it to what lofin keeps (never a person's number in clear)."""
    digits = number.replace("-", "").strip()
    if kind is PayerKind.BUSINESS:
        if not is_valid_business_registration_number(digits):
            raise InvalidInputError(
                "{number} is not a valid business registration number (사업자등록번호): "
                "it needs 10 digits whose last one is the check digit.",
                number=number,
            )
        masked, business_number = f"{digits[:3]}-{digits[3:5]}-*****", digits
    else:
        if len(digits) != 13 or not digits.isascii() or not digits.isdigit():
            raise InvalidInputError("A resident registration number (주민등록번호) has 13 digits.")
        if not _is_plausible_resident_number(digits):
            raise InvalidInputError(
                "The resident registration number (주민등록번호) does not begin with a real date of birth."
            )
        masked, business_number = f"{digits[:6]}-{digits[6]}******", None
    secret = get_settings().secret_key.encode()
    key = hmac.new(secret, f"{kind}:{digits}".encode(), hashlib.sha256).hexdigest()
    return PayerIdentity(masked, key, business_number)


# --- revenue items (세입과목) --------------------------------------------------------------------


async def create_revenue_item(
    session: AsyncSession,
    actor: Actor,
    *,
    fiscal_year_id: uuid.UUID,
    account_id: uuid.UUID,
    kind: RevenueKind,
    code: str,
    name: str,
    budget_amount: int,
) -> RevenueItem:
    """Add a 세입과목 with its revenue budget (세입예산액) to an open fiscal year."""
    acting = _require_role(actor, SETUP_ROLES, "maintain revenue items")
    year = await session.get(FiscalYear, fiscal_year_id)
    if year is None or year.government_code != acting.government_code:
        raise NotFoundError("No such fiscal year.")
    await _require_open_year(session, year.id)
    account = await session.get(FinanceAccount, account_id)
    if account is None or account.government_code != year.government_code:
        raise NotFoundError("No such account.")
    duplicate = await session.scalar(
        select(func.count())
        .select_from(RevenueItem)
        .where(
            RevenueItem.fiscal_year_id == year.id,
            RevenueItem.account_id == account.id,
            RevenueItem.code == code,
        )
    )
    if duplicate:
        raise ConflictError(
            "The revenue item {code} already exists in this account and fiscal year.", code=code
        )
    item = RevenueItem(
        government_code=acting.government_code,
        fiscal_year_id=year.id,
        account_id=account.id,
        kind=kind,
        code=code,
        name=name,
        budget_amount=budget_amount,
    )
    session.add(item)
    await session.flush()
    await _audit(
        session,
        actor,
        "revenue_item.create",
        item,
        after={"code": code, "name": name, "kind": kind, "budget": budget_amount},
    )
    return item


async def get_revenue_item(session: AsyncSession, actor: Actor, item_id: uuid.UUID) -> RevenueItem:
    """One revenue item."""
    _require_reader(actor)
    return await _get(session, actor, RevenueItem, item_id, "revenue item")


async def list_revenue_items(
    session: AsyncSession,
    actor: Actor,
    *,
    fiscal_year_id: uuid.UUID | None = None,
    limit: int,
    offset: int,
) -> tuple[list[RevenueItem], int]:
    """Revenue items of the actor's government (all for the ministry), by code."""
    _require_reader(actor)
    query = restrict_to_actor(select(RevenueItem), RevenueItem.government_code, actor)
    if fiscal_year_id is not None:
        query = query.where(RevenueItem.fiscal_year_id == fiscal_year_id)
    return await fetch_page(
        session,
        query,
        order_by=[RevenueItem.government_code, RevenueItem.code, RevenueItem.id],
        limit=limit,
        offset=offset,
    )


async def _fiscal_year_of(session: AsyncSession, item: RevenueItem) -> int:
    year = await session.get(FiscalYear, item.fiscal_year_id)
    if year is None:
        raise NotFoundError("No such fiscal year.")
    return year.year


async def _post(
    session: AsyncSession,
    actor: Actor,
    item: RevenueItem,
    *,
    description: str,
    source_type: str,
    source_id: uuid.UUID,
    postings: Sequence[Posting],
) -> None:
    await post_journal_entry(
        session,
        actor,
        government_code=item.government_code,
        fiscal_year=await _fiscal_year_of(session, item),
        description=description[:500],
        source_type=source_type,
        source_id=source_id,
        postings=[p for p in postings if p.debit or p.credit],
    )


# --- assessments (부과) --------------------------------------------------------------------------


def _assessment_snapshot(assessment: Assessment) -> dict[str, Any]:
    return {
        "status": assessment.status,
        "amount": assessment.amount,
        "reduced": assessment.reduced_amount,
        "collected": assessment.collected_amount,
        "overpaid": assessment.overpaid_amount,
        "refunded_overpaid": assessment.refunded_overpaid_amount,
        "refunded_erroneous": assessment.refunded_erroneous_amount,
    }


def _set_status(assessment: Assessment, target: AssessmentStatus) -> None:
    """Move the assessment to ``target`` (409 if the workflow does not allow it)."""
    require_transition("assessment", assessment.status, target, ASSESSMENT_TRANSITIONS)
    assessment.status = target


def _settle_status(assessment: Assessment) -> None:
    """After a receipt or a reduction: paid once nothing is outstanding, partly paid in between."""
    if assessment.status not in RECEIVING_STATUSES:
        return
    if assessment.collected_amount >= assessment.due_amount:
        target = AssessmentStatus.PAID
    elif assessment.collected_amount > 0:
        target = AssessmentStatus.PARTIALLY_PAID
    else:
        return
    if target is not assessment.status:
        _set_status(assessment, target)


async def create_assessment(
    session: AsyncSession,
    actor: Actor,
    *,
    item_id: uuid.UUID,
    payer_kind: PayerKind,
    payer_name: str,
    payer_number: str,
    description: str,
    amount: int,
    assessed_on: date,
    due_date: date,
) -> Assessment:
    """부과: the payer owes ``amount`` by ``due_date``; accrual books the receivable and the revenue now."""
    acting = _require_role(actor, MAKER_ROLES, "assess revenue")
    item = await _get(session, actor, RevenueItem, item_id, "revenue item")
    await _require_open_year(session, item.fiscal_year_id)
    if due_date < assessed_on:
        raise InvalidInputError("The due date (납기) is before the assessment date.")
    identity = payer_identity(payer_kind, payer_number)
    assessment = Assessment(
        government_code=acting.government_code,
        item_id=item.id,
        payer_kind=payer_kind,
        payer_name=payer_name,
        payer_number_masked=identity.masked,
        payer_key=identity.key,
        business_number=identity.business_number,
        description=description,
        amount=amount,
        assessed_on=assessed_on,
        due_date=due_date,
        status=AssessmentStatus.ASSESSED,
        reduced_amount=0,
        collected_amount=0,
        overpaid_amount=0,
        refunded_overpaid_amount=0,
        refunded_erroneous_amount=0,
        assessed_by=acting.user_id,
    )
    session.add(assessment)
    await session.flush()
    await _post(
        session,
        actor,
        item,
        description=f"부과 {item.name} {payer_name}: {description}",
        source_type="revenue_assessment",
        source_id=assessment.id,
        postings=[
            Posting(item.kind.receivable_account, debit=amount),
            Posting(item.kind.revenue_account, credit=amount),
        ],
    )
    await _audit(
        session,
        actor,
        "revenue_assessment.create",
        assessment,
        after={**_assessment_snapshot(assessment), "payer": identity.masked, "due_date": due_date},
    )
    metrics.ASSESSED_WON.labels(await _government_kind(session, assessment.government_code)).inc(amount)
    return assessment


async def _lock_assessment(session: AsyncSession, actor: Actor, assessment_id: uuid.UUID) -> Assessment:
    """The assessment, locked until the transaction ends: its totals change one request at a time."""
    return await _get(session, actor, Assessment, assessment_id, "assessment", lock=True)


async def resolve_collection(session: AsyncSession, actor: Actor, assessment_id: uuid.UUID) -> Assessment:
    """징수결의: the collection officer decides to collect; from now on receipts are accepted."""
    acting = _require_role(actor, COLLECTOR_ROLES, "resolve collections")
    assessment = await _lock_assessment(session, actor, assessment_id)
    before = _assessment_snapshot(assessment)
    _set_status(assessment, AssessmentStatus.RESOLVED)
    assessment.resolved_by = acting.user_id
    assessment.resolved_at = utcnow()
    await session.flush()
    await _audit(
        session,
        actor,
        "revenue_assessment.resolve",
        assessment,
        before=before,
        after=_assessment_snapshot(assessment),
    )
    return assessment


async def _adjust(
    session: AsyncSession,
    actor: Actor,
    assessment_id: uuid.UUID,
    *,
    kind: AdjustmentKind,
    amount: int | None,
    reason: str,
) -> Assessment:
    """Reduce the amount due (``amount``) or cancel what remains of it (``amount`` is ``None``).

    What had not been collected comes off the receivable and the revenue (a reversing entry); what
    had already been collected beyond the new amount due is an erroneous collection (오납) to refund.
    """
    acting = _require_role(actor, MAKER_ROLES, "reduce or cancel assessments")
    assessment = await _lock_assessment(session, actor, assessment_id)
    before = _assessment_snapshot(assessment)
    if kind is AdjustmentKind.CANCELLATION:
        _set_status(assessment, AssessmentStatus.CANCELLED)
        taken = assessment.due_amount
    else:
        if assessment.status is AssessmentStatus.CANCELLED:
            raise ConflictError("The assessment is cancelled; it cannot be reduced.")
        taken = amount or 0
        if not 0 < taken < assessment.due_amount:
            raise InvalidInputError(
                "The assessment has {due:,} won due; a reduction must take some of it off "
                "and leave some (to take it all off, cancel the assessment).",
                extra={"due": assessment.due_amount, "requested": taken},
                due=assessment.due_amount,
            )
    reversible = min(taken, max(0, assessment.due_amount - assessment.collected_amount))
    assessment.reduced_amount += taken
    _settle_status(assessment)
    adjustment = AssessmentAdjustment(
        government_code=assessment.government_code,
        assessment_id=assessment.id,
        kind=kind,
        amount=taken,
        reason=reason,
        created_by=acting.user_id,
    )
    session.add(adjustment)
    await session.flush()
    item = await _get(session, actor, RevenueItem, assessment.item_id, "revenue item")
    if reversible:
        label = "부과취소" if kind is AdjustmentKind.CANCELLATION else "감액"
        await _post(
            session,
            actor,
            item,
            description=f"{label} {item.name} {assessment.payer_name}: {reason}",
            source_type="revenue_adjustment",
            source_id=adjustment.id,
            postings=[
                Posting(item.kind.revenue_account, debit=reversible),
                Posting(item.kind.receivable_account, credit=reversible),
            ],
        )
    await _audit(
        session,
        actor,
        f"revenue_assessment.{'cancel' if kind is AdjustmentKind.CANCELLATION else 'reduce'}",
        assessment,
        before=before,
        after={**_assessment_snapshot(assessment), "reason": reason},
    )
    metrics.REDUCED_WON.labels(await _government_kind(session, assessment.government_code)).inc(taken)
    return assessment


async def reduce_assessment(
    session: AsyncSession, actor: Actor, assessment_id: uuid.UUID, *, amount: int, reason: str
) -> Assessment:
    """감액: take ``amount`` off what is due, with the reason."""
    return await _adjust(
        session, actor, assessment_id, kind=AdjustmentKind.REDUCTION, amount=amount, reason=reason
    )


async def cancel_assessment(
    session: AsyncSession, actor: Actor, assessment_id: uuid.UUID, *, reason: str
) -> Assessment:
    """부과 취소: nothing is due any more; anything collected becomes refundable."""
    return await _adjust(
        session, actor, assessment_id, kind=AdjustmentKind.CANCELLATION, amount=None, reason=reason
    )


# --- receipts (수납) -----------------------------------------------------------------------------


async def record_receipt(
    session: AsyncSession,
    actor: Actor,
    *,
    assessment_id: uuid.UUID,
    amount: int,
    received_on: date,
    channel: ReceiptChannel,
    reference: str,
) -> tuple[Receipt, bool]:
    """The treasury bank received ``amount`` for the assessment; returns ``(receipt, created)``.

    The bank's reference makes it idempotent: a notification that arrives again returns the first
    receipt and posts nothing. What exceeds the amount outstanding is an overpayment (과납) booked to
    deposits received, to be refunded.
    """
    acting = _require_role(actor, COLLECTOR_ROLES, "record receipts")
    assessment = await _lock_assessment(session, actor, assessment_id)
    existing = await session.scalar(
        select(Receipt).where(
            Receipt.government_code == acting.government_code, Receipt.reference == reference
        )
    )
    if existing is not None:
        if existing.assessment_id != assessment.id or existing.amount != amount:
            raise ConflictError(
                "The receipt reference {reference} was already recorded for another assessment or amount.",
                extra={"receipt_id": str(existing.id)},
                reference=reference,
            )
        return existing, False
    if assessment.status not in RECEIVING_STATUSES:
        raise ConflictError(
            "Receipts are recorded only after the collection resolution (징수결의) and never on a "
            "cancelled assessment.",
            extra={"current_status": str(assessment.status)},
        )
    before = _assessment_snapshot(assessment)
    applied = min(amount, assessment.outstanding_amount)
    overpaid = amount - applied
    assessment.collected_amount += applied
    assessment.overpaid_amount += overpaid
    _settle_status(assessment)
    receipt = Receipt(
        government_code=assessment.government_code,
        assessment_id=assessment.id,
        reference=reference,
        amount=amount,
        applied_amount=applied,
        overpaid_amount=overpaid,
        received_on=received_on,
        channel=channel,
        recorded_by=acting.user_id,
    )
    session.add(receipt)
    await session.flush()
    item = await _get(session, actor, RevenueItem, assessment.item_id, "revenue item")
    await _post(
        session,
        actor,
        item,
        description=f"수납 {item.name} {assessment.payer_name} ({reference})",
        source_type="revenue_receipt",
        source_id=receipt.id,
        postings=[
            Posting(LedgerAccount.CASH, debit=amount),
            Posting(item.kind.receivable_account, credit=applied),
            Posting(LedgerAccount.DEPOSITS_RECEIVED, credit=overpaid),
        ],
    )
    await _audit(
        session,
        actor,
        "revenue_assessment.receive",
        assessment,
        before=before,
        after={**_assessment_snapshot(assessment), "receipt": reference, "amount": amount},
    )
    metrics.COLLECTED_WON.labels(await _government_kind(session, assessment.government_code)).inc(amount)
    return receipt, True


async def get_receipt(session: AsyncSession, actor: Actor, receipt_id: uuid.UUID) -> Receipt:
    """One receipt."""
    _require_reader(actor)
    return await _get(session, actor, Receipt, receipt_id, "receipt")


# --- refunds (과오납 환급) ------------------------------------------------------------------------


def _refundable(assessment: Assessment, kind: RefundKind) -> int:
    if kind is RefundKind.OVERPAYMENT:
        return assessment.unrefunded_overpaid_amount
    return assessment.erroneous_amount


async def _requested_refunds(session: AsyncSession, assessment: Assessment, kind: RefundKind) -> int:
    total = await session.scalar(
        select(func.coalesce(func.sum(Refund.amount), 0)).where(
            Refund.assessment_id == assessment.id,
            Refund.kind == kind,
            Refund.status == ApprovalStatus.REQUESTED,
        )
    )
    return int(total or 0)


async def request_refund(
    session: AsyncSession,
    actor: Actor,
    *,
    assessment_id: uuid.UUID,
    kind: RefundKind,
    amount: int,
    reason: str,
) -> Refund:
    """Ask to give back an overpayment (과납) or an erroneous collection (오납); another person approves."""
    acting = _require_role(actor, MAKER_ROLES, "request refunds")
    assessment = await _lock_assessment(session, actor, assessment_id)
    available = _refundable(assessment, kind) - await _requested_refunds(session, assessment, kind)
    if amount > available and kind is RefundKind.OVERPAYMENT:
        raise InvalidInputError(
            "{refundable:,} won is overpaid and not yet refunded or requested; a refund of {amount:,} won "
            "would exceed it.",
            extra={"refundable": max(0, available), "requested": amount},
            refundable=max(0, available),
            amount=amount,
        )
    if amount > available:
        raise InvalidInputError(
            "{refundable:,} won is collected beyond the reduced amount due and not yet refunded or "
            "requested; a refund of {amount:,} won would exceed it.",
            extra={"refundable": max(0, available), "requested": amount},
            refundable=max(0, available),
            amount=amount,
        )
    refund = Refund(
        government_code=assessment.government_code,
        assessment_id=assessment.id,
        kind=kind,
        amount=amount,
        reason=reason,
        requested_by=acting.user_id,
    )
    session.add(refund)
    await session.flush()
    await _audit(
        session,
        actor,
        "revenue_refund.request",
        refund,
        after={"kind": kind, "amount": amount, "status": refund.status, "reason": reason},
    )
    return refund


async def decide_refund(
    session: AsyncSession, actor: Actor, refund_id: uuid.UUID, *, approve: bool
) -> Refund:
    """Approve (the refund is paid: deposits received or the revenue go down, so does cash) or reject.

    Four-eyes: whoever requested the refund can never approve it.
    """
    acting = _require_role(actor, APPROVER_ROLES, "decide refunds")
    refund = await _get(session, actor, Refund, refund_id, "refund")
    _require_other_person(actor, refund.requested_by, "refund")
    assessment = await _lock_assessment(session, actor, refund.assessment_id)
    refund = await _get(session, actor, Refund, refund_id, "refund", lock=True)
    before = {"status": refund.status, "assessment": _assessment_snapshot(assessment)}
    target = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    require_transition("refund", refund.status, target, REFUND_TRANSITIONS)
    if approve:
        if refund.amount > _refundable(assessment, refund.kind):
            raise ConflictError(
                "Only {refundable:,} won is still refundable; the refund of {amount:,} won can no longer "
                "be paid.",
                refundable=_refundable(assessment, refund.kind),
                amount=refund.amount,
            )
        item = await _get(session, actor, RevenueItem, assessment.item_id, "revenue item")
        if refund.kind is RefundKind.OVERPAYMENT:
            assessment.refunded_overpaid_amount += refund.amount
            debit = LedgerAccount.DEPOSITS_RECEIVED
        else:
            assessment.refunded_erroneous_amount += refund.amount
            debit = item.kind.revenue_account
        await _post(
            session,
            actor,
            item,
            description=f"환급 {item.name} {assessment.payer_name}: {refund.reason}",
            source_type="revenue_refund",
            source_id=refund.id,
            postings=[Posting(debit, debit=refund.amount), Posting(LedgerAccount.CASH, credit=refund.amount)],
        )
        metrics.REFUNDED_WON.labels(await _government_kind(session, assessment.government_code)).inc(
            refund.amount
        )
    refund.status = target
    refund.decided_by = acting.user_id
    refund.decided_at = utcnow()
    await session.flush()
    await _audit(
        session,
        actor,
        f"revenue_refund.{target}",
        refund,
        before=before,
        after={"status": refund.status, "assessment": _assessment_snapshot(assessment)},
    )
    return refund


async def get_refund(session: AsyncSession, actor: Actor, refund_id: uuid.UUID) -> Refund:
    """One refund."""
    _require_reader(actor)
    return await _get(session, actor, Refund, refund_id, "refund")


async def list_refunds(
    session: AsyncSession,
    actor: Actor,
    *,
    status: ApprovalStatus | None = None,
    limit: int,
    offset: int,
) -> tuple[list[tuple[Refund, Assessment]], int]:
    """Refunds of the actor's government with their assessment, oldest first (e.g. those awaiting a decision)."""
    _require_reader(actor)
    query = restrict_to_actor(select(Refund), Refund.government_code, actor)
    if status is not None:
        query = query.where(Refund.status == status)
    refunds, total = await fetch_page(
        session, query, order_by=[Refund.created_at, Refund.id], limit=limit, offset=offset
    )
    assessments: dict[uuid.UUID, Assessment] = {}
    if refunds:
        rows = await session.scalars(
            select(Assessment).where(Assessment.id.in_({r.assessment_id for r in refunds}))
        )
        assessments = {a.id: a for a in rows}
    return [(r, assessments[r.assessment_id]) for r in refunds], total


# --- reading assessments -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AssessmentDetail:
    """An assessment with its item and everything that happened to it."""

    assessment: Assessment
    item: RevenueItem
    receipts: list[Receipt]
    adjustments: list[AssessmentAdjustment]
    refunds: list[Refund]


async def get_assessment(session: AsyncSession, actor: Actor, assessment_id: uuid.UUID) -> AssessmentDetail:
    """One assessment with its receipts, reductions and refunds, oldest first."""
    _require_reader(actor)
    assessment = await _get(session, actor, Assessment, assessment_id, "assessment")
    item = await _get(session, actor, RevenueItem, assessment.item_id, "revenue item")

    async def of(model: Any) -> list[Any]:
        rows = await session.scalars(
            select(model).where(model.assessment_id == assessment.id).order_by(model.created_at, model.id)
        )
        return list(rows.all())

    return AssessmentDetail(
        assessment, item, await of(Receipt), await of(AssessmentAdjustment), await of(Refund)
    )


async def list_assessments(
    session: AsyncSession,
    actor: Actor,
    *,
    item_id: uuid.UUID | None = None,
    status: AssessmentStatus | None = None,
    payer_name: str | None = None,
    overdue_on: date | None = None,
    limit: int,
    offset: int,
) -> tuple[list[tuple[Assessment, RevenueItem]], int]:
    """Assessments with their item, newest first; filters by item, status, payer name, overdue on a day."""
    _require_reader(actor)
    query = restrict_to_actor(
        select(Assessment).join(RevenueItem, RevenueItem.id == Assessment.item_id),
        Assessment.government_code,
        actor,
    )
    if item_id is not None:
        query = query.where(Assessment.item_id == item_id)
    if status is not None:
        query = query.where(Assessment.status == status)
    if payer_name:
        query = query.where(Assessment.payer_name.contains(payer_name, autoescape=True))
    if overdue_on is not None:
        query = query.where(Assessment.due_date < overdue_on, _outstanding() > 0)
    assessments, total = await fetch_page(
        session,
        query,
        order_by=[Assessment.assessed_on.desc(), Assessment.created_at.desc(), Assessment.id],
        limit=limit,
        offset=offset,
    )
    items: dict[uuid.UUID, RevenueItem] = {}
    if assessments:
        rows = await session.scalars(
            select(RevenueItem).where(RevenueItem.id.in_({a.item_id for a in assessments}))
        )
        items = {item.id: item for item in rows}
    return [(a, items[a.item_id]) for a in assessments], total


# --- receivables (미수납액) and the revenue settlement (세입결산) ---------------------------------


def _outstanding() -> ColumnElement[int]:
    """SQL of an assessment's amount outstanding (a cancelled one has nothing due)."""
    due = Assessment.amount - Assessment.reduced_amount - Assessment.collected_amount
    return case((due > 0, due), else_=0)


@dataclass(frozen=True, slots=True)
class AgeingBucket:
    """Outstanding amounts grouped by how many days past the due date they are on a given day."""

    slug: str
    min_days: int | None  # None: not yet due
    max_days: int | None  # None: no upper bound


AGEING_BUCKETS = (
    AgeingBucket("not_due", None, 0),
    AgeingBucket("days_1_30", 1, 30),
    AgeingBucket("days_31_90", 31, 90),
    AgeingBucket("days_91_365", 91, 365),
    AgeingBucket("over_365", 366, None),
)


def _bucket_sum(bucket: AgeingBucket, as_of: date) -> ColumnElement[int]:
    """Sum of the outstanding amounts whose due date puts them in ``bucket`` on ``as_of``."""
    conditions = []
    if bucket.min_days is None:
        conditions.append(Assessment.due_date >= as_of)
    else:
        conditions.append(Assessment.due_date <= as_of - timedelta(days=bucket.min_days))
        if bucket.max_days is not None:
            conditions.append(Assessment.due_date >= as_of - timedelta(days=bucket.max_days))
    return func.coalesce(func.sum(case((and_(*conditions), _outstanding()), else_=0)), 0)


@dataclass(frozen=True, slots=True)
class ReceivableRow:
    """미수납액 of one revenue item or one payer, split into ageing buckets."""

    key: str
    label: str
    detail: str
    assessments: int
    buckets: dict[str, int]

    @property
    def total(self) -> int:
        """Everything outstanding."""
        return sum(self.buckets.values())

    @property
    def overdue(self) -> int:
        """Outstanding past its due date."""
        return self.total - self.buckets["not_due"]


def _government_of(actor: Actor, government_code: str | None) -> str:
    code = government_code or actor.government_code
    if code is None:
        raise InvalidInputError("Name the government whose revenue you want.")
    actor.require_access(code, "government's revenue")
    return code


async def receivables(
    session: AsyncSession,
    actor: Actor,
    *,
    fiscal_year: int,
    as_of: date,
    by: str = "item",
    government_code: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> tuple[list[ReceivableRow], int]:
    """미수납액 per revenue item (``by="item"``) or per payer (``by="payer"``, largest first), aged on ``as_of``.

    Officials get their own government's; the ministry names the government it wants.
    """
    _require_reader(actor)
    code = _government_of(actor, government_code)
    sums = [_bucket_sum(b, as_of).label(b.slug) for b in AGEING_BUCKETS]
    if by == "payer":
        group: list[Any] = [Assessment.payer_key]
        label, detail = func.min(Assessment.payer_name), func.min(Assessment.payer_number_masked)
        order: list[Any] = [func.sum(_outstanding()).desc(), Assessment.payer_key]
    else:
        group = [RevenueItem.id, RevenueItem.code, RevenueItem.name]
        label, detail = func.min(RevenueItem.name), func.min(RevenueItem.code)
        order = [func.min(RevenueItem.code), RevenueItem.id]
    query = (
        select(group[0], label, detail, func.count(Assessment.id), *sums)
        .select_from(Assessment)
        .join(RevenueItem, RevenueItem.id == Assessment.item_id)
        .join(FiscalYear, FiscalYear.id == RevenueItem.fiscal_year_id)
        .where(Assessment.government_code == code, FiscalYear.year == fiscal_year, _outstanding() > 0)
        .group_by(*group)
    )
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    result = await session.execute(query.order_by(*order).limit(limit).offset(offset))
    rows = [
        ReceivableRow(
            key=str(row[0]),
            label=row[1],
            detail=row[2],
            assessments=int(row[3]),
            buckets={b.slug: int(row[4 + i]) for i, b in enumerate(AGEING_BUCKETS)},
        )
        for row in result
    ]
    return rows, total


@dataclass(frozen=True, slots=True)
class SettlementRow:
    """세입결산 of one revenue item: budget, assessed, collected, refunded, outstanding."""

    item_id: uuid.UUID
    code: str
    name: str
    kind: RevenueKind
    budget: int
    assessed: int  # 징수결정액: assessed less reductions and cancellations
    collected: int  # 수납액: collected less erroneous collections refunded
    refunded: int  # 환급액: over- and erroneous payments given back
    receivable: int  # 미수납액

    @property
    def collection_rate(self) -> float | None:
        """징수율 in percent: collected ÷ assessed (``None`` when nothing was assessed)."""
        return round(100 * self.collected / self.assessed, 1) if self.assessed else None

    @property
    def budget_rate(self) -> float | None:
        """수납액 as a percentage of the revenue budget."""
        return round(100 * self.collected / self.budget, 1) if self.budget else None


@dataclass(frozen=True, slots=True)
class RevenueSettlement:
    """세입결산 of one government's fiscal year, with totals."""

    government_code: str
    fiscal_year: int
    rows: list[SettlementRow]

    @property
    def total(self) -> SettlementRow:
        """All items together."""
        return SettlementRow(
            item_id=uuid.UUID(int=0),
            code="",
            name="",
            kind=RevenueKind.LOCAL_TAX,
            budget=sum(r.budget for r in self.rows),
            assessed=sum(r.assessed for r in self.rows),
            collected=sum(r.collected for r in self.rows),
            refunded=sum(r.refunded for r in self.rows),
            receivable=sum(r.receivable for r in self.rows),
        )


async def revenue_settlement(
    session: AsyncSession, actor: Actor, fiscal_year: int, *, government_code: str | None = None
) -> RevenueSettlement:
    """세입결산: per revenue item of the year, budget against what was assessed, collected and refunded.

    Other parts of lofin (year-end settlement, disclosure) call this; officials get their own
    government's, the ministry names the government it wants.
    """
    _require_reader(actor)
    code = _government_of(actor, government_code)

    def total(column: Any) -> Any:
        return func.coalesce(func.sum(column), 0)

    query = (
        select(
            RevenueItem,
            total(Assessment.amount - Assessment.reduced_amount),
            total(Assessment.collected_amount - Assessment.refunded_erroneous_amount),
            total(Assessment.refunded_overpaid_amount + Assessment.refunded_erroneous_amount),
            total(_outstanding()),
        )
        .join(FiscalYear, FiscalYear.id == RevenueItem.fiscal_year_id)
        .outerjoin(Assessment, Assessment.item_id == RevenueItem.id)
        .where(RevenueItem.government_code == code, FiscalYear.year == fiscal_year)
        .group_by(RevenueItem.id)
        .order_by(RevenueItem.code, RevenueItem.id)
    )
    rows = [
        SettlementRow(
            item_id=item.id,
            code=item.code,
            name=item.name,
            kind=item.kind,
            budget=item.budget_amount,
            assessed=int(assessed),
            collected=int(collected),
            refunded=int(refunded),
            receivable=int(receivable),
        )
        for item, assessed, collected, refunded, receivable in await session.execute(query)
    ]
    return RevenueSettlement(code, fiscal_year, rows)
