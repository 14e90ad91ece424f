"""Officials' pages of the budget cycle: transfers, carry-over, settlement and the budget-vs-actual dashboard.

Forms are read field by field so that every mistake gets a Korean message next to its field; refusals
from the service (budget control, four-eyes, the wrong kind of transfer) are shown on the form too.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.di import Provide
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY
from sqlalchemy.ext.asyncio import AsyncSession

from app.finance import services as finance
from app.finance.cycle import services
from app.finance.cycle.controllers import (
    SETTLEMENT_COLUMNS,
    GovernmentCode,
    settlement_csv,
    settlement_filename,
)
from app.finance.cycle.models import CarryOverKind, TransferKind
from app.finance.models import ApprovalStatus, BudgetLine, FiscalYear, FiscalYearStatus
from app.finance.schemas import MAX_WON
from app.platform.auth.guards import (
    ActingActor,
    OptionalUser,
    provide_actor,
    provide_current_user,
    require_roles,
)
from app.platform.db import DbSession
from app.platform.errors import DomainError, InvalidInputError, NotFoundError
from app.platform.governments import get_government
from app.platform.i18n import gettext
from app.platform.paging import PAGE_SIZE, PageNumber, page_count, page_offset
from app.platform.tenancy import Actor
from app.platform.web import N_, SERVICES

FINANCE = next(s for s in SERVICES if s.slug == "finance")

TRANSFER_KINDS = {
    TransferKind.WITHIN_POLICY: N_("Transfer within a policy project (전용)"),
    TransferKind.BETWEEN_POLICIES: N_("Transfer between policy projects (이용)"),
}
CARRY_OVER_KINDS = {
    CarryOverKind.UNAVOIDABLE: N_("Unavoidable carry-over (사고이월)"),
    CarryOverKind.EXPLICIT: N_("Explicit carry-over (명시이월)"),
    CarryOverKind.CONTINUING: N_("Continuing-expenditure carry-over (계속비이월)"),
}
STATUSES = {
    ApprovalStatus.REQUESTED: N_("Awaiting decision"),
    ApprovalStatus.APPROVED: N_("Approved"),
    ApprovalStatus.REJECTED: N_("Rejected"),
    ApprovalStatus.CANCELLED: N_("Withdrawn"),
}
LEVELS = {
    "field": N_("Field"),
    "sector": N_("Sector"),
    "policy": N_("Policy project"),
    "unit": N_("Unit project"),
    "detail": N_("Detail project"),
    "account": N_("Account"),
}
DONE_MESSAGES = {
    "requested": N_("Your request was recorded; another person decides it."),
    "approve": N_("Approved."),
    "reject": N_("Rejected."),
    "cancel": N_("Withdrawn."),
    "closed": N_("The fiscal year is closed; nothing was carried over."),
}
Done = Annotated[str | None, QueryParameter(pattern=r"^(requested|approve|reject|cancel)$")]
MAKE_OR_DECIDE = require_roles(*finance.MAKER_ROLES, *finance.APPROVER_ROLES)


def _context(current_user: OptionalUser, **values: Any) -> dict[str, Any]:
    return {
        "current_user": current_user,
        "service": FINANCE,
        "transfer_kinds": TRANSFER_KINDS,
        "carry_over_kinds": CARRY_OVER_KINDS,
        "statuses": STATUSES,
        "levels": LEVELS,
        "done_messages": DONE_MESSAGES,
        **values,
    }


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _amount(value: str) -> int | None:
    text = value.replace(",", "").strip()
    if not text.isascii() or not text.isdigit():
        return None
    amount = int(text)
    return amount if 0 < amount <= MAX_WON else None


async def _open_year(db_session: DbSession, actor: ActingActor) -> FiscalYear | None:
    """The newest open fiscal year of the actor's government."""
    return next(
        (y for y in await finance.list_fiscal_years(db_session, actor) if y.status is FiscalYearStatus.OPEN),
        None,
    )


async def _year_or_newest(
    db_session: DbSession, actor: ActingActor, fiscal_year_id: uuid.UUID | None
) -> tuple[FiscalYear | None, list[FiscalYear]]:
    years = await finance.list_fiscal_years(db_session, actor)
    if fiscal_year_id is None:
        return next(iter(years), None), years
    year = next((y for y in years if y.id == fiscal_year_id), None)
    if year is None:
        raise NotFoundError("No such fiscal year.")
    return year, years


class CyclePages(Controller):
    """Transfers, carry-over, settlement and budget vs actual of the official's government."""

    path = "/finance"
    include_in_schema = False
    guards = [require_roles(*finance.READER_ROLES)]  # noqa: RUF012 - Litestar reads this class attribute
    dependencies = {  # noqa: RUF012
        "current_user": Provide(provide_current_user),
        "actor": Provide(provide_actor),
    }

    # --- transfers ----------------------------------------------------------------------------------

    @get("/transfers")
    async def transfers(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        status: Annotated[ApprovalStatus | None, QueryParameter()] = None,
        kind: Annotated[TransferKind | None, QueryParameter()] = None,
        page: PageNumber = 1,
    ) -> Template:
        """Transfers with filters and paging, and what awaits the approver's decision."""
        items, total = await services.list_transfers(
            db_session, actor, status=status, kind=kind, limit=PAGE_SIZE, offset=page_offset(page)
        )
        waiting, _ = await services.list_transfers(
            db_session, actor, status=ApprovalStatus.REQUESTED, limit=PAGE_SIZE, offset=0
        )
        carry_overs, _ = await services.list_carry_overs(db_session, actor, limit=PAGE_SIZE, offset=0)
        lines = await services.lines_by_id(
            db_session, actor, {t.source_line_id for t in items} | {t.target_line_id for t in items}
        )
        return Template(
            "finance/cycle/transfers.html",
            context=_context(
                current_user,
                transfers=items,
                lines=lines,
                total=total,
                page=page,
                pages=page_count(total),
                status=status,
                kind=kind,
                awaiting=[t for t in waiting if t.requested_by != actor.user_id],
                awaiting_carry_overs=[
                    c
                    for c in carry_overs
                    if c.status is ApprovalStatus.REQUESTED and c.requested_by != actor.user_id
                ],
                may_decide=actor.role in finance.APPROVER_ROLES,
                may_request=actor.role in finance.MAKER_ROLES,
            ),
        )

    @get("/transfers/new", guards=[require_roles(*finance.MAKER_ROLES)])
    async def new_transfer(
        self, current_user: OptionalUser, actor: ActingActor, db_session: DbSession
    ) -> Template:
        """The request form."""
        return await self._transfer_form(current_user, actor, db_session, values={}, errors={})

    async def _transfer_form(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        *,
        values: dict[str, str],
        errors: dict[str, str],
        refusal: str | None = None,
    ) -> Template:
        year = await _open_year(db_session, actor)
        lines: list[BudgetLine] = []
        if year is not None:
            lines, _ = await finance.list_budget_lines(
                db_session, actor, fiscal_year_id=year.id, limit=1000, offset=0
            )
        return Template(
            "finance/cycle/transfer_form.html",
            context=_context(
                current_user, year=year, lines=lines, values=values, errors=errors, refusal=refusal
            ),
            status_code=HTTP_422_UNPROCESSABLE_ENTITY if errors or refusal else 200,
        )

    @post("/transfers/new", guards=[require_roles(*finance.MAKER_ROLES)])
    async def create_transfer(
        self,
        request: Request[Any, Any, Any],
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
    ) -> Template | Redirect:
        """Request a transfer; mistakes come back on the form with Korean messages."""
        form: FormMultiDict = await request.form()
        values = {k: str(form.get(k, "")).strip() for k in _TRANSFER_FIELDS}
        errors: dict[str, str] = {}
        source, target = _uuid(values["source_line_id"]), _uuid(values["target_line_id"])
        amount = _amount(values["amount"])
        if source is None:
            errors["source_line_id"] = gettext("Choose the line the budget comes from.")
        if target is None:
            errors["target_line_id"] = gettext("Choose the line the budget goes to.")
        elif source == target:
            errors["target_line_id"] = gettext("Choose a line other than the source line.")
        if amount is None:
            errors["amount"] = gettext("Enter the amount in whole won, greater than 0.")
        if values["kind"] not in {k.value for k in TransferKind}:
            errors["kind"] = gettext("Choose the kind of transfer.")
        for name, limit, message in (
            ("legal_basis", 500, N_("Enter the legal basis (up to {limit} characters).")),
            ("reason", 500, N_("Enter the reason (up to {limit} characters).")),
        ):
            if not values[name] or len(values[name]) > limit:
                errors[name] = gettext(message, limit=limit)
        if len(values["basis_reference"]) > 100:
            errors["basis_reference"] = gettext("The reference may be up to 100 characters long.")
        if errors or source is None or target is None or amount is None:
            return await self._transfer_form(current_user, actor, db_session, values=values, errors=errors)
        savepoint = await db_session.begin_nested()
        try:
            transfer = await services.request_transfer(
                db_session,
                actor,
                source_line_id=source,
                target_line_id=target,
                amount=amount,
                kind=TransferKind(values["kind"]),
                legal_basis=values["legal_basis"],
                basis_reference=values["basis_reference"],
                reason=values["reason"],
            )
        except DomainError as refused:
            await savepoint.rollback()
            return await self._transfer_form(
                current_user, actor, db_session, values=values, errors={}, refusal=refused.detail
            )
        await savepoint.commit()
        return Redirect(path=f"/finance/transfers/{transfer.id}?done=requested", status_code=303)

    @get("/transfers/{transfer_id:uuid}")
    async def transfer_detail(
        self,
        transfer_id: FromPath[uuid.UUID],
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        done: Done = None,
    ) -> Template:
        """One transfer with both lines and the decision buttons."""
        transfer = await services.get_transfer(db_session, actor, transfer_id)
        lines = await services.lines_by_id(
            db_session, actor, {transfer.source_line_id, transfer.target_line_id}
        )
        return Template(
            "finance/cycle/transfer_detail.html",
            context=_context(
                current_user,
                transfer=transfer,
                source=lines[transfer.source_line_id],
                target=lines[transfer.target_line_id],
                done=done,
                may_decide=actor.role in finance.APPROVER_ROLES and transfer.requested_by != actor.user_id,
                may_cancel=actor.role in finance.MAKER_ROLES,
            ),
        )

    @post("/transfers/{transfer_id:uuid}/decision", guards=[MAKE_OR_DECIDE])
    async def decide_transfer(
        self,
        transfer_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        actor: ActingActor,
        db_session: DbSession,
    ) -> Redirect:
        """Approve, reject or withdraw; refusals (four-eyes, decided meanwhile) show the error page."""
        return await _decide(
            request,
            db_session,
            actor,
            transfer_id,
            services.cancel_transfer,
            services.decide_transfer,
            "transfers",
        )

    # --- carry-over ---------------------------------------------------------------------------------

    @get("/carry-over")
    async def carry_over(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        fiscal_year_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
        done: Annotated[str | None, QueryParameter(pattern=r"^closed$")] = None,
    ) -> Template:
        """A year's lines with budget left, the proposal form, and the year's carry-overs."""
        year, years = await _year_or_newest(db_session, actor, fiscal_year_id)
        return await self._carry_over_page(
            current_user, actor, db_session, year, years, values={}, refusal=None, done=done
        )

    async def _carry_over_page(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        year: FiscalYear | None,
        years: list[FiscalYear],
        *,
        values: dict[str, str],
        refusal: str | None,
        done: str | None = None,
    ) -> Template:
        candidates = await services.carry_over_candidates(db_session, actor, year.id) if year else []
        proposals, _ = (
            await services.list_carry_overs(
                db_session, actor, fiscal_year_id=year.id, limit=PAGE_SIZE, offset=0
            )
            if year
            else ([], 0)
        )
        return Template(
            "finance/cycle/carry_over.html",
            context=_context(
                current_user,
                year=year,
                years=years,
                candidates=candidates,
                proposals=proposals,
                values=values,
                refusal=refusal,
                done=done,
                may_close=actor.role in finance.APPROVER_ROLES
                and year is not None
                and year.status is FiscalYearStatus.OPEN
                and not any(
                    p.status in (ApprovalStatus.REQUESTED, ApprovalStatus.APPROVED) for p in proposals
                ),
                may_request=actor.role in finance.MAKER_ROLES
                and year is not None
                and year.status is FiscalYearStatus.OPEN,
            ),
            status_code=HTTP_422_UNPROCESSABLE_ENTITY if refusal else 200,
        )

    @post("/carry-over/new", guards=[require_roles(*finance.MAKER_ROLES)])
    async def propose_carry_over(
        self,
        request: Request[Any, Any, Any],
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
    ) -> Template | Redirect:
        """Propose the carry-over of the lines given an amount; the rest lapses as 불용액."""
        form: FormMultiDict = await request.form()
        values = {k: str(v).strip() for k, v in form.items() if k != "_csrf_token"}
        year, years = await _year_or_newest(
            db_session, actor, _uuid(values.get("fiscal_year_id", "")) or uuid.UUID(int=0)
        )
        assert year is not None  # _year_or_newest raises for an unknown id  # noqa: S101
        items: list[services.CarryOverRequestItem] = []
        problems: list[str] = []
        for key, raw in values.items():
            if not key.startswith("amount_") or not raw or raw == "0":
                continue
            line_id, amount = _uuid(key.removeprefix("amount_")), _amount(raw)
            kind = values.get(f"kind_{line_id}", "")
            basis = values.get(f"basis_{line_id}", "")
            if line_id is None or amount is None:
                problems.append(gettext("Enter each amount in whole won, greater than 0."))
            elif kind not in {k.value for k in CarryOverKind}:
                problems.append(gettext("Choose the kind of carry-over for each line with an amount."))
            elif not basis or len(basis) > 200:
                problems.append(gettext("Give the basis of each carry-over (up to 200 characters)."))
            else:
                items.append(services.CarryOverRequestItem(line_id, CarryOverKind(kind), amount, basis))
        if not items and not problems:
            problems.append(gettext("A carry-over needs at least one line with an amount."))
        if problems:
            return await self._carry_over_page(
                current_user,
                actor,
                db_session,
                year,
                years,
                values=values,
                refusal=" ".join(sorted(set(problems))),
            )
        savepoint = await db_session.begin_nested()
        try:
            proposal = await services.request_carry_over(
                db_session, actor, fiscal_year_id=year.id, items=items, note=values.get("note", "")[:500]
            )
        except DomainError as refused:
            await savepoint.rollback()
            return await self._carry_over_page(
                current_user, actor, db_session, year, years, values=values, refusal=refused.detail
            )
        await savepoint.commit()
        return Redirect(path=f"/finance/carry-over/{proposal.id}?done=requested", status_code=303)

    @post("/carry-over/close", guards=[require_roles(*finance.APPROVER_ROLES)])
    async def close_year(
        self, request: Request[Any, Any, Any], actor: ActingActor, db_session: DbSession
    ) -> Redirect:
        """Close the chosen year without carrying anything over."""
        form: FormMultiDict = await request.form()
        year_id = _uuid(str(form.get("fiscal_year_id", "")))
        if year_id is None:
            raise NotFoundError("No such fiscal year.")
        await services.close_without_carry_over(db_session, actor, year_id)
        return Redirect(path=f"/finance/carry-over?fiscal_year_id={year_id}&done=closed", status_code=303)

    @get("/carry-over/{carry_over_id:uuid}")
    async def carry_over_detail(
        self,
        carry_over_id: FromPath[uuid.UUID],
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        done: Done = None,
    ) -> Template:
        """A carry-over's items with the lines they come from and go to."""
        proposal, items = await services.get_carry_over(db_session, actor, carry_over_id)
        line_ids = {i.source_line_id for i in items} | {i.target_line_id for i in items if i.target_line_id}
        return Template(
            "finance/cycle/carry_over_detail.html",
            context=_context(
                current_user,
                proposal=proposal,
                items=items,
                lines=await services.lines_by_id(db_session, actor, line_ids),
                done=done,
                may_decide=actor.role in finance.APPROVER_ROLES and proposal.requested_by != actor.user_id,
                may_cancel=actor.role in finance.MAKER_ROLES,
            ),
        )

    @post("/carry-over/{carry_over_id:uuid}/decision", guards=[MAKE_OR_DECIDE])
    async def decide_carry_over(
        self,
        carry_over_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        actor: ActingActor,
        db_session: DbSession,
    ) -> Redirect:
        """Approve (next year funded, this year closed), reject or withdraw."""
        return await _decide(
            request,
            db_session,
            actor,
            carry_over_id,
            services.cancel_carry_over,
            services.decide_carry_over,
            "carry-over",
        )

    # --- settlement and budget vs actual --------------------------------------------------------------

    @get("/settlement")
    async def settlement(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        fiscal_year_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
    ) -> Template:
        """세출결산 as a printable page."""
        year, years = await _year_or_newest(db_session, actor, fiscal_year_id)
        result = await services.settlement(db_session, actor, year.id) if year else None
        government = await get_government(db_session, year.government_code) if year else None
        return Template(
            "finance/cycle/settlement.html",
            context=_context(
                current_user,
                year=year,
                years=years,
                result=result,
                columns=SETTLEMENT_COLUMNS,
                government=government,
            ),
        )

    @get("/settlement.csv")
    async def settlement_csv(
        self,
        actor: ActingActor,
        db_session: DbSession,
        fiscal_year_id: Annotated[uuid.UUID, QueryParameter()],
    ) -> Response[bytes]:
        """The settlement as CSV for Excel (UTF-8 with BOM)."""
        result = await services.settlement(db_session, actor, fiscal_year_id)
        return settlement_csv(result, settlement_filename(result))

    @get("/budget-vs-actual")
    async def budget_vs_actual(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        government: GovernmentCode = None,
        fiscal_year_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
        account_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
        programme_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
        page: PageNumber = 1,
    ) -> Template:
        """Budget, allocation, commitments, payments and the execution rate per policy project and line."""
        view = None
        if actor.government_code or government:
            view = await services.budget_vs_actual(
                db_session,
                actor,
                government_code=government,
                fiscal_year_id=fiscal_year_id,
                account_id=account_id,
                programme_id=programme_id,
                limit=PAGE_SIZE,
                offset=page_offset(page),
            )
        return Template(
            "finance/cycle/budget_vs_actual.html",
            context=_context(
                current_user,
                view=view,
                government=government,
                account_id=account_id,
                programme_id=programme_id,
                page=page,
                pages=page_count(view.total_rows if view else 0),
            ),
        )


_TRANSFER_FIELDS = (
    "source_line_id",
    "target_line_id",
    "amount",
    "kind",
    "legal_basis",
    "basis_reference",
    "reason",
)


async def _decide(
    request: Request[Any, Any, Any],
    db_session: DbSession,
    actor: ActingActor,
    record_id: uuid.UUID,
    cancel: Callable[[AsyncSession, Actor, uuid.UUID], Awaitable[object]],
    decide: Callable[..., Awaitable[object]],
    list_path: str,
) -> Redirect:
    """Carry out the button pressed on a detail page (approve, reject, withdraw) and go back to it."""
    form: FormMultiDict = await request.form()
    decision = str(form.get("decision", ""))
    if decision not in ("approve", "reject", "cancel"):
        raise InvalidInputError("Choose approve, reject or withdraw.")
    if decision == "cancel":
        await cancel(db_session, actor, record_id)
    else:
        await decide(db_session, actor, record_id, approve=decision == "approve")
    return Redirect(path=f"/finance/{list_path}/{record_id}?done={decision}", status_code=303)
