"""The approver inbox: every request of the government waiting for a decision, decided in one click."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy import func, select

from app.finance import services
from app.finance.bulk.models import BatchStatus, BulkBatch
from app.finance.cycle.models import BudgetTransfer, CarryOver
from app.finance.models import ApprovalStatus, ExpenditureResolution, PaymentOrder
from app.finance.pages import queries
from app.finance.pages.budget import may_decide
from app.finance.pages.common import Notice, redirect, render
from app.finance.revenue.models import Refund
from app.platform.auth.guards import ActingActor, OptionalUser
from app.platform.db import DbSession
from app.platform.errors import NotFoundError
from app.platform.tenancy import restrict_to_actor
from app.platform.web import N_

INBOX_KINDS = {
    "budget_version": N_("Budget version"),
    "allocation": N_("Allocation"),
    "commitment": N_("Commitment"),
    "expenditure_resolution": N_("Expenditure resolution"),
    "payment_order": N_("Payment order"),
}
DECIDERS = {
    "allocation": services.decide_allocation,
    "commitment": services.decide_commitment,
    "expenditure_resolution": services.decide_expenditure_resolution,
    "payment_order": services.decide_payment_order,
}
"""What the inbox decides with one click; a budget version also needs the council's resolution
reference, so its row posts to the version's decision form (``/finance/budget-versions/{id}/decision``)."""
DETAIL_PATHS = {
    "budget_version": "/finance/budget-versions/{id}",
    "allocation": "/finance/allocations?status=requested",
    "commitment": "/finance/commitments/{id}",
    "expenditure_resolution": "/finance/resolutions/{id}",
    "payment_order": "/finance/payment-orders/{id}",
}


ELSEWHERE = (
    (N_("Budget transfers (전용·이용)"), BudgetTransfer, "/finance/transfers"),
    (N_("Carry-overs (이월)"), CarryOver, "/finance/carry-over"),
    (N_("Refunds (환급)"), Refund, "/finance/revenue/refunds"),
    (N_("Bulk payment batches"), BulkBatch, "/finance/bulk/?status=requested"),
)
"""Requests decided on their own pages (they need more than one click): the inbox counts them."""


async def _waiting_elsewhere(db_session: DbSession, actor: ActingActor) -> list[tuple[str, int, str]]:
    """(label, how many, where) for each kind of request waiting for another person's decision."""
    waiting = []
    for label, model, path in ELSEWHERE:
        requested = BatchStatus.REQUESTED if model is BulkBatch else ApprovalStatus.REQUESTED
        query = restrict_to_actor(
            select(func.count()).select_from(model), model.government_code, actor
        ).where(model.status == requested, model.requested_by != actor.user_id)
        count = int(await db_session.scalar(query) or 0)
        if count:
            waiting.append((label, count, path))
    return waiting


async def _payment_order_summaries(
    db_session: DbSession, actor: ActingActor, order_ids: list[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """What a payment order pays, as the approver needs to read it (the inbox item names only its key)."""
    orders = (await queries.by_id(db_session, actor, PaymentOrder, order_ids)).values()
    resolutions = await queries.by_id(
        db_session, actor, ExpenditureResolution, (o.resolution_id for o in orders)
    )
    return {
        o.id: f"{r.payee_name}: {r.description}"
        for o in orders
        if (r := resolutions.get(o.resolution_id)) is not None
    }


class DecisionForm(msgspec.Struct):
    """An approver's decision on one request."""

    decision: Annotated[str, msgspec.Meta(pattern=r"^(approve|reject)$")]


class InboxPages(Controller):
    """The approver inbox of the official's government."""

    @get("/inbox")
    async def inbox(
        self, current_user: OptionalUser, actor: ActingActor, db_session: DbSession, notice: Notice = None
    ) -> Template:
        """Requests of the government awaiting a decision, oldest first (never your own)."""
        items = await services.approver_inbox(db_session, actor)
        return render(
            "inbox.html",
            current_user,
            notice=notice,
            items=items,
            summaries=await _payment_order_summaries(
                db_session, actor, [i.id for i in items if i.kind == "payment_order"]
            ),
            kinds=INBOX_KINDS,
            decidable=frozenset(DECIDERS),
            detail_paths=DETAIL_PATHS,
            elsewhere=await _waiting_elsewhere(db_session, actor),
        )

    @post("/inbox/{kind:str}/{record_id:uuid}", guards=[may_decide])
    async def decide(
        self,
        kind: FromPath[str],
        record_id: FromPath[uuid.UUID],
        data: URLEncodedBody[DecisionForm],
        actor: ActingActor,
        db_session: DbSession,
    ) -> Redirect:
        """Approve or reject; refusals (four-eyes, a decision taken meanwhile) show the error page."""
        decide = DECIDERS.get(kind)
        if decide is None:
            raise NotFoundError("No such kind of request.")
        await decide(db_session, actor, record_id, approve=data.decision == "approve")
        return redirect("/finance/inbox", data.decision)
