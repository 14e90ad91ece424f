"""Execution pages: contracts, commitments (지출원인행위), expenditure resolutions (지출결의), payment orders (지급명령)."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, get, post
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy import or_

from app.finance import services
from app.finance.milestones import services as milestones
from app.finance.milestones.rules import MilestoneProgress
from app.finance.models import (
    ApprovalStatus,
    BudgetLine,
    Commitment,
    Contract,
    ContractMethod,
    ExpenditureResolution,
    MilestoneKind,
    MilestoneStatus,
    PaymentOrder,
    PaymentOrderStatus,
)
from app.finance.pages import queries
from app.finance.pages.budget import ApprovalFilter, FormData, LineFilter, may_make, requests_page
from app.finance.pages.common import Form, Notice, attempt, choices, label, paging, redirect, render
from app.platform.auth.guards import ActingActor, OptionalUser, require_roles
from app.platform.db import DbSession
from app.platform.errors import ForbiddenError, InvalidInputError
from app.platform.i18n import gettext
from app.platform.paging import PAGE_SIZE, PageNumber, page_offset

may_disburse = require_roles(*services.DISBURSING_ROLES)

OrderFilter = Annotated[str | None, QueryParameter(pattern=r"^(requested|approved|paid|rejected)$")]
Search = Annotated[str | None, QueryParameter(max_length=100)]
RecordFilter = Annotated[uuid.UUID | None, QueryParameter()]
BUSINESS_NUMBER = r"\d{3}-?\d{2}-?\d{5}"


def _won(amount: int) -> str:
    return f"{amount:,}"


async def _line(
    db_session: DbSession, actor: ActingActor, form: Form, field: str, line_id: uuid.UUID | None
) -> BudgetLine | None:
    line = (await queries.by_id(db_session, actor, BudgetLine, [line_id])).get(line_id) if line_id else None
    if line_id and line is None:
        form.fail(field, gettext("Choose one of the options."))
    return line


def _check_available(form: Form, field: str, line: BudgetLine | None, amount: int) -> None:
    """Budget control as the official sees it before asking; the service decides under the line's lock."""
    if line is not None and form.ok and amount > line.available_amount:
        form.fail(
            field,
            gettext(
                "The budget line has {available} won available (allocated − committed − spent without "
                "commitment); {amount} won is more.",
                available=_won(line.available_amount),
                amount=_won(amount),
            ),
        )


def _milestone_option(contract: Contract, item: MilestoneProgress) -> tuple[uuid.UUID, str]:
    """A milestone as the commitment form lists it: contract, step, and what is left of it."""
    milestone = item.milestone
    return (
        milestone.id,
        gettext(
            "{contract} — {sequence}. {title} ({kind}) — {amount} won left to commit",
            contract=contract.title,
            sequence=milestone.sequence,
            title=milestone.title,
            kind=label(milestone.kind),
            amount=_won(item.remaining),
        ),
    )


async def _available_line_options(db_session: DbSession, actor: ActingActor) -> list[tuple[uuid.UUID, str]]:
    """Lines something can still be committed or spent on, each with what is available."""
    lines = [x for x in await queries.year_lines(db_session, actor) if x.available_amount > 0]
    names = await queries.line_labels(db_session, actor, lines)
    return [
        (
            line.id,
            gettext(
                "{line} — {amount} won available", line=names[line.id], amount=_won(line.available_amount)
            ),
        )
        for line in lines
    ]


class ExecutionPages(Controller):
    """From a contract to the treasury's payment, each step requested by one person and decided by another."""

    # --- contracts -------------------------------------------------------------------------------

    @get("/contracts")
    async def contracts(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        q: Search = None,
        notice: Notice = None,
        page: PageNumber = 1,
    ) -> Template:
        """Contracts with suppliers, searchable by title, supplier or registration number."""
        where = []
        if q:
            pattern = f"%{q}%"
            where.append(
                or_(
                    Contract.title.ilike(pattern),
                    Contract.supplier_name.ilike(pattern),
                    Contract.supplier_registration_number.ilike(pattern.replace("-", "")),
                )
            )
        contracts, total = await queries.list_records(
            db_session, actor, Contract, where=where, limit=PAGE_SIZE, offset=page_offset(page)
        )
        return render(
            "contracts.html",
            current_user,
            notice=notice,
            contracts=contracts,
            drawn=await queries.drawn_on_contracts(db_session, (c.id for c in contracts)),
            q=q or "",
            **paging(total, page),
        )

    @get("/contracts/new", guards=[may_make])
    async def new_contract(self, current_user: OptionalUser) -> Template:
        """The contract form."""
        return self._contract_form(current_user, Form({"method": ContractMethod.OPEN_TENDER}))

    def _contract_form(self, current_user: OptionalUser, form: Form, status_code: int = 200) -> Template:
        return render(
            "contract_form.html",
            current_user,
            status_code=status_code,
            form=form,
            methods=choices(ContractMethod),
        )

    @post("/contracts", guards=[may_make])
    async def create_contract(
        self, data: FormData, current_user: OptionalUser, actor: ActingActor, db_session: DbSession
    ) -> Template | Redirect:
        """Register a signed contract; the supplier's registration number is checked digit by digit."""
        form = Form(data)
        title = form.text("title", max_length=200)
        method = form.choice("method", ContractMethod)
        supplier = form.text("supplier_name", max_length=200)
        number = form.code("supplier_registration_number", BUSINESS_NUMBER, "123-45-67890")
        if form.errors.get("supplier_registration_number") is None and not (
            services.is_valid_business_registration_number(number)
        ):
            form.fail(
                "supplier_registration_number",
                gettext("This is not a valid business registration number: its check digit does not match."),
            )
        amount = form.won("amount")
        start = form.day("start_date")
        end = form.day("end_date")
        if start and end and end < start:
            form.fail("end_date", gettext("The contract period ends before it starts."))
        if form.ok and method and start and end:
            contract = await attempt(
                db_session,
                form,
                lambda: services.create_contract(
                    db_session,
                    actor,
                    title=title,
                    method=method,
                    supplier_name=supplier,
                    supplier_registration_number=number,
                    amount=amount,
                    start_date=start,
                    end_date=end,
                ),
            )
            if contract is not None:
                return redirect(f"/finance/contracts/{contract.id}", "contract_created")
        return self._contract_form(current_user, form, form.status_code)

    @get("/contracts/{contract_id:uuid}")
    async def contract(
        self,
        contract_id: FromPath[uuid.UUID],
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        notice: Notice = None,
    ) -> Template:
        """A contract, its milestones (선금·기성·준공) and the commitments drawn on it."""
        return await self._contract_page(contract_id, current_user, actor, db_session, notice=notice)

    async def _contract_page(
        self,
        contract_id: uuid.UUID,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        *,
        form: Form | None = None,
        acceptance: Form | None = None,
        accepting: uuid.UUID | None = None,
        notice: str | None = None,
        status_code: int = 200,
    ) -> Template:
        contract, schedule = await milestones.list_milestones(db_session, actor, contract_id)
        commitments, _ = await queries.list_records(
            db_session, actor, Commitment, where=[Commitment.contract_id == contract.id], limit=200, offset=0
        )
        lines = await queries.by_id(db_session, actor, BudgetLine, queries.ids(commitments, "budget_line_id"))
        drawn = (await queries.drawn_on_contracts(db_session, [contract.id])).get(contract.id, 0)
        scheduled = sum(item.milestone.amount for item in schedule)
        frozen = any(item.committed for item in schedule)
        next_due = schedule[-1].milestone.due_date if schedule else contract.start_date
        return render(
            "contract.html",
            current_user,
            notice=notice,
            status_code=status_code,
            contract=contract,
            schedule=schedule,
            scheduled=scheduled,
            schedule_open=not frozen
            and scheduled < contract.amount
            and not (schedule and schedule[-1].milestone.kind is MilestoneKind.COMPLETION),
            may_remove=not frozen,
            acceptable=(MilestoneStatus.PARTLY_COMMITTED, MilestoneStatus.COMMITTED),
            kinds=choices(MilestoneKind),
            form=form
            or Form(
                {
                    "kind": MilestoneKind.ADVANCE if not schedule else MilestoneKind.PROGRESS,
                    "due_date": next_due.isoformat(),
                    "amount": _won(contract.amount - scheduled),
                }
            ),
            acceptance=acceptance,
            accepting=accepting,
            commitments=commitments,
            milestone_titles={
                item.milestone.id: f"{item.milestone.sequence}. {item.milestone.title}" for item in schedule
            },
            labels=await queries.line_labels(db_session, actor, lines.values()),
            drawn=drawn,
        )

    @post("/contracts/{contract_id:uuid}/milestones", guards=[may_make])
    async def add_milestone(
        self,
        contract_id: FromPath[uuid.UUID],
        data: FormData,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
    ) -> Template | Redirect:
        """Append a milestone to the contract's schedule."""
        form = Form(data)
        kind = form.choice("kind", MilestoneKind)
        title = form.text("title", max_length=200)
        due = form.day("due_date")
        amount = form.won("amount")
        if form.ok and kind is not None and due is not None:
            await attempt(
                db_session,
                form,
                lambda: milestones.add_milestone(
                    db_session, actor, contract_id, kind=kind, title=title, due_date=due, amount=amount
                ),
            )
        return await self._after_change(contract_id, current_user, actor, db_session, form, "milestone_added")

    async def _after_change(
        self,
        contract_id: uuid.UUID,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        form: Form,
        notice: str,
        accepting: uuid.UUID | None = None,
    ) -> Template | Redirect:
        """Back to the contract with a notice, or its page again with what was wrong (on the form it came from)."""
        if form.ok:
            return redirect(f"/finance/contracts/{contract_id}", notice)
        forms = {"acceptance": form, "accepting": accepting} if accepting else {"form": form}
        return await self._contract_page(
            contract_id, current_user, actor, db_session, status_code=form.status_code, **forms
        )

    @post("/contracts/{contract_id:uuid}/milestones/{milestone_id:uuid}/remove", guards=[may_make])
    async def remove_milestone(
        self,
        contract_id: FromPath[uuid.UUID],
        milestone_id: FromPath[uuid.UUID],
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
    ) -> Template | Redirect:
        """Take a milestone out of a schedule nothing is committed against."""
        form = Form()
        await attempt(
            db_session,
            form,
            lambda: milestones.remove_milestone(db_session, actor, contract_id, milestone_id),
        )
        return await self._after_change(
            contract_id, current_user, actor, db_session, form, "milestone_removed"
        )

    @post("/contracts/{contract_id:uuid}/milestones/{milestone_id:uuid}/accept", guards=[may_make])
    async def accept_milestone(
        self,
        contract_id: FromPath[uuid.UUID],
        milestone_id: FromPath[uuid.UUID],
        data: FormData,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
    ) -> Template | Redirect:
        """Record a milestone's inspection (검사·검수): its date and the inspector."""
        form = Form(data)
        day = form.day("accepted_on")
        inspector = form.text("inspector_name", max_length=100)
        if form.ok and day is not None:
            try:
                await attempt(
                    db_session,
                    form,
                    lambda: milestones.accept_milestone(
                        db_session,
                        actor,
                        contract_id,
                        milestone_id,
                        accepted_on=day,
                        inspector_name=inspector,
                    ),
                )
            except ForbiddenError as error:  # four-eyes: said beside the form, not as an error page
                form.refuse(error)
        return await self._after_change(
            contract_id, current_user, actor, db_session, form, "milestone_accepted", accepting=milestone_id
        )

    # --- commitments -----------------------------------------------------------------------------

    @get("/commitments")
    async def commitments(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        status: ApprovalFilter = None,
        line: LineFilter = None,
        notice: Notice = None,
        page: PageNumber = 1,
    ) -> Template:
        """Commitments and where each stands."""
        return await requests_page(
            "commitments.html", Commitment, current_user, actor, db_session, status, line, notice, page
        )

    @get("/commitments/new", guards=[may_make])
    async def new_commitment(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        contract: RecordFilter = None,
        milestone: RecordFilter = None,
        line: LineFilter = None,
    ) -> Template:
        """The commitment form, from a contract (or one of its milestones) or direct."""
        values = {
            "contract_id": str(contract or ""),
            "milestone_id": str(milestone or ""),
            "budget_line_id": str(line or ""),
        }
        return await self._commitment_form(current_user, actor, db_session, Form(values))

    async def _commitment_form(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        form: Form,
        status_code: int = 200,
    ) -> Template:
        contracts = await queries.contracts(db_session, actor)
        drawn = await queries.drawn_on_contracts(db_session, (c.id for c in contracts))
        schedules = await milestones.milestones_of_contracts(db_session, actor, (c.id for c in contracts))
        return render(
            "commitment_form.html",
            current_user,
            status_code=status_code,
            form=form,
            line_options=await _available_line_options(db_session, actor),
            milestone_options=[
                _milestone_option(c, item)
                for c in contracts
                for item in schedules.get(c.id, [])
                if item.remaining > 0 and item.milestone.accepted_on is None
            ],
            contract_options=[
                (
                    c.id,
                    gettext(
                        "{contract} ({supplier}) — {amount} won left to commit",
                        contract=c.title,
                        supplier=c.supplier_name,
                        amount=_won(c.amount - drawn.get(c.id, 0)),
                    ),
                )
                for c in contracts
                if c.amount > drawn.get(c.id, 0)
            ],
        )

    @post("/commitments", guards=[may_make])
    async def request_commitment(
        self, data: FormData, current_user: OptionalUser, actor: ActingActor, db_session: DbSession
    ) -> Template | Redirect:
        """Reserve an amount on a line (under a contract, or direct)."""
        form = Form(data)
        line = await _line(db_session, actor, form, "budget_line_id", form.record("budget_line_id"))
        contract_id = form.record("contract_id", required=False)
        milestone_id = form.record("milestone_id", required=False)
        amount = form.won("amount")
        description = form.text("description", max_length=500)
        if milestone_id is not None and form.ok:
            contract_id = await self._check_milestone_room(
                db_session, actor, form, contract_id, milestone_id, amount
            )
        if contract_id is not None and form.ok:
            contract = (await queries.by_id(db_session, actor, Contract, [contract_id])).get(contract_id)
            if contract is None:
                form.fail("contract_id", gettext("Choose one of the options."))
            else:
                drawn = (await queries.drawn_on_contracts(db_session, [contract.id])).get(contract.id, 0)
                if drawn + amount > contract.amount:
                    form.fail(
                        "amount",
                        gettext(
                            "The contract is for {contract} won and {drawn} won is already committed under it.",
                            contract=_won(contract.amount),
                            drawn=_won(drawn),
                        ),
                    )
        _check_available(form, "amount", line, amount)
        if form.ok and line is not None:
            commitment = await attempt(
                db_session,
                form,
                lambda: services.request_commitment(
                    db_session,
                    actor,
                    budget_line_id=line.id,
                    amount=amount,
                    description=description,
                    contract_id=contract_id,
                    milestone_id=milestone_id,
                ),
            )
            if commitment is not None:
                return redirect(f"/finance/commitments/{commitment.id}", "commitment_requested")
        return await self._commitment_form(current_user, actor, db_session, form, form.status_code)

    @staticmethod
    async def _check_milestone_room(
        db_session: DbSession,
        actor: ActingActor,
        form: Form,
        contract_id: uuid.UUID | None,
        milestone_id: uuid.UUID,
        amount: int,
    ) -> uuid.UUID | None:
        """The milestone's room as the official sees it before asking; returns the milestone's contract."""
        found = await milestones.find_milestone(db_session, actor, milestone_id)
        if found is None or (contract_id is not None and found.milestone.contract_id != contract_id):
            form.fail("milestone_id", gettext("Choose a milestone of the chosen contract."))
            return contract_id
        if amount > found.remaining:
            form.fail(
                "amount",
                gettext(
                    "{left} won of the milestone is left to commit; {amount} won is more.",
                    left=_won(found.remaining),
                    amount=_won(amount),
                ),
            )
        return found.milestone.contract_id

    @get("/commitments/{commitment_id:uuid}")
    async def commitment(
        self,
        commitment_id: FromPath[uuid.UUID],
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        notice: Notice = None,
    ) -> Template:
        """A commitment, its line and contract, and the resolutions drawn under it."""
        return await self._commitment_page(
            commitment_id, current_user, actor, db_session, Form(), notice=notice
        )

    async def _commitment_page(
        self,
        commitment_id: uuid.UUID,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        form: Form,
        *,
        notice: str | None = None,
        status_code: int = 200,
    ) -> Template:
        commitment = await services.get_commitment(db_session, actor, commitment_id)
        line = await services.get_budget_line(db_session, actor, commitment.budget_line_id)
        contract = (
            await services.get_contract(db_session, actor, commitment.contract_id)
            if commitment.contract_id
            else None
        )
        resolutions, _ = await queries.list_records(
            db_session,
            actor,
            ExpenditureResolution,
            where=[ExpenditureResolution.commitment_id == commitment.id],
            limit=200,
            offset=0,
        )
        resolved = (await queries.resolved_under(db_session, [commitment.id])).get(commitment.id, 0)
        return render(
            "commitment.html",
            current_user,
            notice=notice,
            status_code=status_code,
            commitment=commitment,
            line=line,
            line_label=(await queries.line_labels(db_session, actor, [line]))[line.id],
            contract=contract,
            milestone=await milestones.find_milestone(db_session, actor, commitment.milestone_id)
            if commitment.milestone_id
            else None,
            resolutions=resolutions,
            resolved=resolved,
            names=await queries.user_names(db_session, [commitment.requested_by, commitment.decided_by]),
            form=form,
        )

    @post("/commitments/{commitment_id:uuid}/cancel", guards=[may_make])
    async def cancel_commitment(
        self,
        commitment_id: FromPath[uuid.UUID],
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
    ) -> Template | Redirect:
        """Withdraw a commitment nothing has been resolved under."""
        form = Form()
        done = await attempt(
            db_session, form, lambda: services.cancel_commitment(db_session, actor, commitment_id)
        )
        if done is not None:
            return redirect(f"/finance/commitments/{commitment_id}", "commitment_cancelled")
        return await self._commitment_page(
            commitment_id, current_user, actor, db_session, form, status_code=form.status_code
        )

    # --- expenditure resolutions -----------------------------------------------------------------

    @get("/resolutions")
    async def resolutions(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        status: ApprovalFilter = None,
        line: LineFilter = None,
        notice: Notice = None,
        page: PageNumber = 1,
    ) -> Template:
        """Expenditure resolutions and where each stands."""
        return await requests_page(
            "resolutions.html",
            ExpenditureResolution,
            current_user,
            actor,
            db_session,
            status,
            line,
            notice,
            page,
        )

    @get("/resolutions/new", guards=[may_make])
    async def new_resolution(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        commitment: RecordFilter = None,
        line: LineFilter = None,
    ) -> Template:
        """The resolution form: under an approved commitment, or directly against a line."""
        values = {"commitment_id": str(commitment or ""), "budget_line_id": str(line or "")}
        if commitment is not None:
            chosen = await services.get_commitment(db_session, actor, commitment)
            resolved = (await queries.resolved_under(db_session, [chosen.id])).get(chosen.id, 0)
            values |= {"amount": _won(chosen.amount - resolved), "description": chosen.description}
            if chosen.contract_id:
                values["payee_name"] = (
                    await services.get_contract(db_session, actor, chosen.contract_id)
                ).supplier_name
        return await self._resolution_form(current_user, actor, db_session, Form(values))

    async def _resolution_form(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        form: Form,
        status_code: int = 200,
    ) -> Template:
        commitments = await queries.open_commitments(db_session, actor)
        resolved = await queries.resolved_under(db_session, (c.id for c in commitments))
        return render(
            "resolution_form.html",
            current_user,
            status_code=status_code,
            form=form,
            commitment_options=[
                (
                    c.id,
                    gettext(
                        "{commitment} — {amount} won left to resolve",
                        commitment=c.description,
                        amount=_won(c.amount - resolved.get(c.id, 0)),
                    ),
                )
                for c in commitments
                if c.amount > resolved.get(c.id, 0)
            ],
            line_options=await _available_line_options(db_session, actor),
        )

    @post("/resolutions", guards=[may_make])
    async def request_resolution(
        self, data: FormData, current_user: OptionalUser, actor: ActingActor, db_session: DbSession
    ) -> Template | Redirect:
        """Resolve to pay a payee."""
        form = Form(data)
        commitment_id = form.record("commitment_id", required=False)
        line = await _line(
            db_session, actor, form, "budget_line_id", form.record("budget_line_id", required=False)
        )
        amount = form.won("amount")
        payee = form.text("payee_name", max_length=200)
        description = form.text("description", max_length=500)
        if (commitment_id is None) == (line is None) and "budget_line_id" not in form.errors:
            form.fail(
                "commitment_id",
                gettext("Choose either a commitment or, for spending without one, a budget line."),
            )
        if commitment_id is not None and form.ok:
            chosen = (await queries.by_id(db_session, actor, Commitment, [commitment_id])).get(commitment_id)
            resolved = (await queries.resolved_under(db_session, [commitment_id])).get(commitment_id, 0)
            if chosen is None:
                form.fail("commitment_id", gettext("Choose one of the options."))
            elif resolved + amount > chosen.amount:
                form.fail(
                    "amount",
                    gettext(
                        "{left} won of the commitment is left to resolve; {amount} won is more.",
                        left=_won(chosen.amount - resolved),
                        amount=_won(amount),
                    ),
                )
        _check_available(form, "amount", line, amount)
        if form.ok:
            resolution = await attempt(
                db_session,
                form,
                lambda: services.request_expenditure_resolution(
                    db_session,
                    actor,
                    amount=amount,
                    payee_name=payee,
                    description=description,
                    commitment_id=commitment_id,
                    budget_line_id=line.id if line else None,
                ),
            )
            if resolution is not None:
                return redirect(f"/finance/resolutions/{resolution.id}", "resolution_requested")
        return await self._resolution_form(current_user, actor, db_session, form, form.status_code)

    @get("/resolutions/{resolution_id:uuid}")
    async def resolution(
        self,
        resolution_id: FromPath[uuid.UUID],
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        notice: Notice = None,
    ) -> Template:
        """A resolution, its payment orders, and issuing the order once it is approved."""
        return await self._resolution_page(
            resolution_id, current_user, actor, db_session, Form(), notice=notice
        )

    async def _resolution_page(
        self,
        resolution_id: uuid.UUID,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        form: Form,
        *,
        notice: str | None = None,
        status_code: int = 200,
    ) -> Template:
        resolution = await services.get_expenditure_resolution(db_session, actor, resolution_id)
        line = await services.get_budget_line(db_session, actor, resolution.budget_line_id)
        orders, _ = await queries.list_records(
            db_session,
            actor,
            PaymentOrder,
            where=[PaymentOrder.resolution_id == resolution.id],
            limit=50,
            offset=0,
        )
        may_order = resolution.status is ApprovalStatus.APPROVED and all(
            o.status is PaymentOrderStatus.REJECTED for o in orders
        )
        return render(
            "resolution.html",
            current_user,
            notice=notice,
            status_code=status_code,
            resolution=resolution,
            line=line,
            line_label=(await queries.line_labels(db_session, actor, [line]))[line.id],
            orders=orders,
            may_order=may_order,
            # A fresh key per rendering of the form: submitting it twice (a double click, a retry
            # after a timeout) sends the same key, and the service returns the first order.
            idempotency_key=f"web-{uuid.uuid4().hex}",
            names=await queries.user_names(db_session, [resolution.requested_by, resolution.decided_by]),
            form=form,
        )

    # --- payment orders --------------------------------------------------------------------------

    @get("/payment-orders")
    async def payment_orders(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        status: OrderFilter = None,
        notice: Notice = None,
        page: PageNumber = 1,
    ) -> Template:
        """Payment orders to the treasury bank and their status."""
        where = [PaymentOrder.status == PaymentOrderStatus(status)] if status else []
        orders, total = await queries.list_records(
            db_session, actor, PaymentOrder, where=where, limit=PAGE_SIZE, offset=page_offset(page)
        )
        resolutions = await queries.by_id(
            db_session, actor, ExpenditureResolution, queries.ids(orders, "resolution_id")
        )
        return render(
            "payment_orders.html",
            current_user,
            notice=notice,
            orders=orders,
            resolutions=resolutions,
            statuses=list(PaymentOrderStatus),
            status=status,
            **paging(total, page),
        )

    @post("/payment-orders", guards=[may_make])
    async def create_payment_order(
        self, data: FormData, current_user: OptionalUser, actor: ActingActor, db_session: DbSession
    ) -> Template | Redirect:
        """Issue the order for an approved resolution; the form's key makes a second submit return the first order."""
        form = Form(data)
        resolution_id = form.record("resolution_id")
        key = form.code("idempotency_key", r"[A-Za-z0-9._:-]{8,100}", "web-…")
        if resolution_id is None:  # the resolution page always sends it: this form was not sent from there
            raise InvalidInputError("Issue payment orders from the expenditure resolution's page.")
        if form.ok:
            result = await attempt(
                db_session,
                form,
                lambda: services.create_payment_order(
                    db_session, actor, resolution_id=resolution_id, idempotency_key=key
                ),
            )
            if result is not None:
                order, _created = result
                return redirect(f"/finance/payment-orders/{order.id}", "order_created")
        return await self._resolution_page(
            resolution_id, current_user, actor, db_session, form, status_code=form.status_code
        )

    @get("/payment-orders/{order_id:uuid}")
    async def payment_order(
        self,
        order_id: FromPath[uuid.UUID],
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        notice: Notice = None,
    ) -> Template:
        """One payment order: amount, payee, status, and recording the treasury's payment."""
        return await self._order_page(order_id, current_user, actor, db_session, Form(), notice=notice)

    async def _order_page(
        self,
        order_id: uuid.UUID,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        form: Form,
        *,
        notice: str | None = None,
        status_code: int = 200,
    ) -> Template:
        order = await services.get_payment_order(db_session, actor, order_id)
        resolution = await services.get_expenditure_resolution(db_session, actor, order.resolution_id)
        line = await services.get_budget_line(db_session, actor, resolution.budget_line_id)
        return render(
            "payment_order.html",
            current_user,
            notice=notice,
            status_code=status_code,
            order=order,
            resolution=resolution,
            line=line,
            line_label=(await queries.line_labels(db_session, actor, [line]))[line.id],
            names=await queries.user_names(db_session, [order.requested_by, order.decided_by]),
            form=form,
        )

    @post("/payment-orders/{order_id:uuid}/pay", guards=[may_disburse])
    async def record_payment(
        self,
        order_id: FromPath[uuid.UUID],
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
    ) -> Template | Redirect:
        """Record that the treasury bank paid an approved order (지출원)."""
        form = Form()
        done = await attempt(db_session, form, lambda: services.record_payment(db_session, actor, order_id))
        if done is not None:
            return redirect(f"/finance/payment-orders/{order_id}", "order_paid")
        return await self._order_page(
            order_id, current_user, actor, db_session, form, status_code=form.status_code
        )
