"""e-Hojo+ pages for officials: budget lines with what is available, and the approver inbox."""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from litestar import Controller, get, post
from litestar.di import Provide
from litestar.params import FromPath, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template

from app.finance import services
from app.platform.auth.guards import (
    ActingActor,
    OptionalUser,
    provide_actor,
    provide_current_user,
    require_roles,
)
from app.platform.db import DbSession
from app.platform.errors import NotFoundError
from app.platform.paging import PAGE_SIZE, PageNumber, page_count, page_offset
from app.platform.web import N_, SERVICES

FINANCE = next(s for s in SERVICES if s.slug == "finance")

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
"""What the inbox can decide in one click; a budget version needs the council's resolution reference."""


class DecisionForm(msgspec.Struct):
    """An approver's decision on one request."""

    decision: Annotated[str, msgspec.Meta(pattern=r"^(approve|reject)$")]


class FinancePages(Controller):
    """Budget lines and the approver inbox of the official's government."""

    path = "/finance"
    include_in_schema = False
    guards = [require_roles(*services.READER_ROLES)]  # noqa: RUF012 - Litestar reads this class attribute
    dependencies = {  # noqa: RUF012
        "current_user": Provide(provide_current_user),
        "actor": Provide(provide_actor),
    }

    @get("/budget-lines")
    async def budget_lines(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        page: PageNumber = 1,
    ) -> Template:
        """Every line with its budget, allocation, execution and what is still available."""
        lines, total = await services.list_budget_lines(
            db_session, actor, limit=PAGE_SIZE, offset=page_offset(page)
        )
        return Template(
            "finance/budget_lines.html",
            context={
                "current_user": current_user,
                "service": FINANCE,
                "lines": lines,
                "total": total,
                "page": page,
                "pages": page_count(total),
            },
        )

    @get("/inbox")
    async def inbox(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        done: Annotated[str | None, QueryParameter(pattern=r"^(approve|reject)$")] = None,
    ) -> Template:
        """Requests of the government awaiting a decision, oldest first (never your own)."""
        return Template(
            "finance/inbox.html",
            context={
                "current_user": current_user,
                "service": FINANCE,
                "items": await services.approver_inbox(db_session, actor),
                "kinds": INBOX_KINDS,
                "decidable": frozenset(DECIDERS),
                "may_decide": actor.role in services.APPROVER_ROLES,
                "done": done,
            },
        )

    @post("/inbox/{kind:str}/{record_id:uuid}", guards=[require_roles(*services.APPROVER_ROLES)])
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
        return Redirect(path=f"/finance/inbox?done={data.decision}", status_code=303)
