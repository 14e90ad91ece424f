"""The revenue JSON API under ``/api/finance/revenue``: parse, call the service, shape the response."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from litestar import Response, get, post
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from app.finance.controllers import (
    _FinanceController,
    finance_guard,
    may_approve,
    may_make,
    may_read,
    may_set_up,
    shape,
)
from app.finance.models import ApprovalStatus
from app.finance.revenue import services
from app.finance.revenue.models import Assessment, AssessmentStatus, Refund
from app.finance.revenue.schemas import (
    AdjustmentOut,
    AssessmentCreate,
    AssessmentDetailOut,
    AssessmentOut,
    AssessmentPage,
    Cancellation,
    ReceiptCreate,
    ReceiptOut,
    ReceivableRowOut,
    ReceivablesOut,
    Reduction,
    RefundCreate,
    RefundOut,
    RefundPage,
    RevenueItemCreate,
    RevenueItemOut,
    RevenueItemPage,
    SettlementOut,
    SettlementRowOut,
)
from app.platform.auth.guards import ActingActor
from app.platform.db import DbSession
from app.platform.errors import InvalidInputError
from app.platform.paging import Limit, Offset

may_collect = finance_guard(*services.COLLECTOR_ROLES)
FiscalYearParam = Annotated[int, QueryParameter(ge=2000, le=2100)]
GovernmentParam = Annotated[str | None, QueryParameter(pattern=r"^\d{5}$")]


def assessment_out(assessment: Assessment) -> AssessmentOut:
    """An assessment with what is outstanding."""
    return shape(AssessmentOut, assessment, outstanding=assessment.outstanding_amount)


def settlement_row_out(row: services.SettlementRow) -> SettlementRowOut:
    """A settlement row with its rates."""
    return shape(SettlementRowOut, row)


class RevenueController(_FinanceController):
    """세입: revenue items, assessment → collection resolution → receipt, refunds, receivables, settlement."""

    path = "/api/finance/revenue"
    tags = ["finance: revenue"]  # noqa: RUF012 - Litestar reads this class attribute

    @post("/items", guards=[may_set_up], summary="Add a revenue item (세입과목) with its budget")
    async def create_item(
        self, data: JSONBody[RevenueItemCreate], db_session: DbSession, actor: ActingActor
    ) -> RevenueItemOut:
        """409 if the code exists in the account and year."""
        item = await services.create_revenue_item(
            db_session,
            actor,
            fiscal_year_id=data.fiscal_year_id,
            account_id=data.account_id,
            kind=data.kind,
            code=data.code,
            name=data.name,
            budget_amount=data.budget_amount,
        )
        return shape(RevenueItemOut, item)

    @get("/items", guards=[may_read], summary="Revenue items of your government")
    async def list_items(
        self,
        db_session: DbSession,
        actor: ActingActor,
        fiscal_year_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> RevenueItemPage:
        """By code."""
        items, total = await services.list_revenue_items(
            db_session, actor, fiscal_year_id=fiscal_year_id, limit=limit, offset=offset
        )
        return RevenueItemPage(
            items=[shape(RevenueItemOut, x) for x in items], total=total, limit=limit, offset=offset
        )

    @get("/items/{item_id:uuid}", guards=[may_read], summary="One revenue item")
    async def get_item(
        self, item_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> RevenueItemOut:
        """404 for other governments' items."""
        return shape(RevenueItemOut, await services.get_revenue_item(db_session, actor, item_id))

    @post("/assessments", guards=[may_make], summary="Assess revenue (부과)")
    async def create_assessment(
        self, data: JSONBody[AssessmentCreate], db_session: DbSession, actor: ActingActor
    ) -> AssessmentOut:
        """Posts the receivable and the revenue; 422 for an invalid registration number."""
        assessment = await services.create_assessment(
            db_session,
            actor,
            item_id=data.item_id,
            payer_kind=data.payer_kind,
            payer_name=data.payer_name,
            payer_number=data.payer_number,
            description=data.description,
            amount=data.amount,
            assessed_on=data.assessed_on,
            due_date=data.due_date,
        )
        return assessment_out(assessment)

    @get("/assessments", guards=[may_read], summary="Assessments, newest first, with filters")
    async def list_assessments(
        self,
        db_session: DbSession,
        actor: ActingActor,
        item_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
        status: Annotated[AssessmentStatus | None, QueryParameter()] = None,
        payer_name: Annotated[str | None, QueryParameter(max_length=200)] = None,
        overdue_on: Annotated[date | None, QueryParameter()] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> AssessmentPage:
        """Payers' registration numbers are masked."""
        rows, total = await services.list_assessments(
            db_session,
            actor,
            item_id=item_id,
            status=status,
            payer_name=payer_name,
            overdue_on=overdue_on,
            limit=limit,
            offset=offset,
        )
        return AssessmentPage(
            items=[assessment_out(a) for a, _item in rows], total=total, limit=limit, offset=offset
        )

    @get("/assessments/{assessment_id:uuid}", guards=[may_read], summary="One assessment and its history")
    async def get_assessment(
        self, assessment_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> AssessmentDetailOut:
        """404 for other governments' assessments."""
        detail = await services.get_assessment(db_session, actor, assessment_id)
        return AssessmentDetailOut(
            assessment=assessment_out(detail.assessment),
            item=shape(RevenueItemOut, detail.item),
            receipts=[shape(ReceiptOut, r) for r in detail.receipts],
            adjustments=[shape(AdjustmentOut, a) for a in detail.adjustments],
            refunds=[shape(RefundOut, r) for r in detail.refunds],
        )

    @post(
        "/assessments/{assessment_id:uuid}/resolve",
        guards=[may_collect],
        status_code=HTTP_200_OK,
        summary="Resolve the collection (징수결의)",
    )
    async def resolve(
        self, assessment_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> AssessmentOut:
        """409 unless just assessed."""
        return assessment_out(await services.resolve_collection(db_session, actor, assessment_id))

    @post(
        "/assessments/{assessment_id:uuid}/reduce",
        guards=[may_make],
        status_code=HTTP_200_OK,
        summary="Reduce an assessment (감액)",
    )
    async def reduce(
        self,
        assessment_id: FromPath[uuid.UUID],
        data: JSONBody[Reduction],
        db_session: DbSession,
        actor: ActingActor,
    ) -> AssessmentOut:
        """Reverses what was not yet collected; 422 if nothing would be left due."""
        assessment = await services.reduce_assessment(
            db_session, actor, assessment_id, amount=data.amount, reason=data.reason
        )
        return assessment_out(assessment)

    @post(
        "/assessments/{assessment_id:uuid}/cancel",
        guards=[may_make],
        status_code=HTTP_200_OK,
        summary="Cancel an assessment (부과 취소)",
    )
    async def cancel(
        self,
        assessment_id: FromPath[uuid.UUID],
        data: JSONBody[Cancellation],
        db_session: DbSession,
        actor: ActingActor,
    ) -> AssessmentOut:
        """409 if cancelled already; anything collected becomes refundable."""
        return assessment_out(
            await services.cancel_assessment(db_session, actor, assessment_id, reason=data.reason)
        )

    @post("/receipts", guards=[may_collect], summary="Record a receipt (수납), idempotent by reference")
    async def create_receipt(
        self,
        data: JSONBody[ReceiptCreate],
        db_session: DbSession,
        actor: ActingActor,
        idempotency_key: Annotated[
            str | None, HeaderParameter(name="Idempotency-Key", pattern=r"^[0-9A-Za-z._:-]{1,100}$")
        ] = None,
    ) -> Response[ReceiptOut]:
        """201 for a new receipt; 200 with the first one when the bank's reference was seen before.

        The reference comes in the body or the ``Idempotency-Key`` header; 422 if neither, or if they differ.
        """
        if data.reference and idempotency_key and data.reference != idempotency_key:
            raise InvalidInputError("The Idempotency-Key header and the body's reference differ.")
        reference = data.reference or idempotency_key
        if reference is None:
            raise InvalidInputError(
                "Name the bank's receipt reference: the body's reference or the Idempotency-Key header."
            )
        receipt, created = await services.record_receipt(
            db_session,
            actor,
            assessment_id=data.assessment_id,
            amount=data.amount,
            received_on=data.received_on,
            channel=data.channel,
            reference=reference,
        )
        return Response(shape(ReceiptOut, receipt), status_code=HTTP_201_CREATED if created else HTTP_200_OK)

    @get("/receipts/{receipt_id:uuid}", guards=[may_read], summary="One receipt")
    async def get_receipt(
        self, receipt_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> ReceiptOut:
        """404 for other governments' receipts."""
        return shape(ReceiptOut, await services.get_receipt(db_session, actor, receipt_id))

    @post("/refunds", guards=[may_make], summary="Request a refund (과오납 환급)")
    async def create_refund(
        self, data: JSONBody[RefundCreate], db_session: DbSession, actor: ActingActor
    ) -> RefundOut:
        """422 if more than is refundable (and not already requested)."""
        refund = await services.request_refund(
            db_session,
            actor,
            assessment_id=data.assessment_id,
            kind=data.kind,
            amount=data.amount,
            reason=data.reason,
        )
        return refund_out(refund)

    @get("/refunds", guards=[may_read], summary="Refunds, oldest first")
    async def list_refunds(
        self,
        db_session: DbSession,
        actor: ActingActor,
        status: Annotated[ApprovalStatus | None, QueryParameter()] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> RefundPage:
        """``status=requested`` lists those awaiting a decision."""
        refunds, total = await services.list_refunds(
            db_session, actor, status=status, limit=limit, offset=offset
        )
        return RefundPage(items=[refund_out(r) for r, _a in refunds], total=total, limit=limit, offset=offset)

    @get("/refunds/{refund_id:uuid}", guards=[may_read], summary="One refund")
    async def get_refund(
        self, refund_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> RefundOut:
        """404 for other governments' refunds."""
        return refund_out(await services.get_refund(db_session, actor, refund_id))

    @post(
        "/refunds/{refund_id:uuid}/approve", guards=[may_approve], status_code=HTTP_200_OK, summary="Approve"
    )
    async def approve_refund(
        self, refund_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> RefundOut:
        """Four-eyes; the refund is paid and posted."""
        return refund_out(await services.decide_refund(db_session, actor, refund_id, approve=True))

    @post("/refunds/{refund_id:uuid}/reject", guards=[may_approve], status_code=HTTP_200_OK, summary="Reject")
    async def reject_refund(
        self, refund_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> RefundOut:
        """Four-eyes; 409 unless requested."""
        return refund_out(await services.decide_refund(db_session, actor, refund_id, approve=False))

    @get("/receivables", guards=[may_read], summary="Receivables (미수납액) by item or payer, aged")
    async def receivables(
        self,
        db_session: DbSession,
        actor: ActingActor,
        fiscal_year: FiscalYearParam,
        as_of: Annotated[date | None, QueryParameter()] = None,
        by: Annotated[Literal["item", "payer"], QueryParameter()] = "item",
        government_code: GovernmentParam = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> ReceivablesOut:
        """Ageing on ``as_of`` (default today); the ministry names a ``government_code``."""
        day = as_of or date.today()
        rows, total = await services.receivables(
            db_session,
            actor,
            fiscal_year=fiscal_year,
            as_of=day,
            by=by,
            government_code=government_code,
            limit=limit,
            offset=offset,
        )
        return ReceivablesOut(
            government_code=government_code or actor.government_code or "",
            fiscal_year=fiscal_year,
            as_of=day,
            by=by,
            rows=[shape(ReceivableRowOut, r) for r in rows],
            total=total,
            limit=limit,
            offset=offset,
        )

    @get("/settlement", guards=[may_read], summary="Revenue settlement (세입결산) of a fiscal year")
    async def settlement(
        self,
        db_session: DbSession,
        actor: ActingActor,
        fiscal_year: FiscalYearParam,
        government_code: GovernmentParam = None,
    ) -> SettlementOut:
        """Per item: budget, assessed, collected, refunded, receivable and the collection rate."""
        result = await services.revenue_settlement(
            db_session, actor, fiscal_year, government_code=government_code
        )
        return SettlementOut(
            government_code=result.government_code,
            fiscal_year=result.fiscal_year,
            rows=[settlement_row_out(r) for r in result.rows],
            total=settlement_row_out(result.total),
        )


def refund_out(refund: Refund) -> RefundOut:
    """A refund."""
    return shape(RefundOut, refund)
