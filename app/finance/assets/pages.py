"""Pages for public property, depreciation, local bonds, holdings and the accrual statements, under ``/finance``.

They follow the other e-Hojo+ pages: forms read by :class:`~app.finance.pages.common.Form` (each wrong
field marked, an error summary on top, what was typed kept), service refusals shown on the form by
:func:`~app.finance.pages.common.attempt` with nothing half-written, post/redirect/get with a status
message, and the service layer deciding who may do what for which government.
"""

from __future__ import annotations

import enum
import re
import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from litestar import Controller, Response, Router, get, post
from litestar.di import Provide
from litestar.params import FromPath, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy import select

from app.finance import services as finance_services
from app.finance.assets import services
from app.finance.assets.calc import RATE_SCALE
from app.finance.assets.models import (
    BondStatus,
    DisposalKind,
    FundingSource,
    HoldingKind,
    HoldingMovementKind,
    PeriodKind,
    PropertyKind,
    PropertyMovementKind,
    PropertyStatus,
    RepaymentMethod,
)
from app.finance.assets.statements import (
    balance_sheet,
    balance_sheet_rows,
    operating_statement,
    operating_statement_rows,
    statement_csv,
)
from app.finance.models import (
    BudgetLine,
    ExpenditureResolution,
    ObjectGroup,
    PaymentOrder,
    PaymentOrderStatus,
)
from app.finance.pages.common import Form, attempt, paging, render
from app.finance.pages.common import label as finance_label
from app.platform.auth.guards import (
    ActingActor,
    OptionalUser,
    provide_actor,
    provide_current_user,
    require_roles,
)
from app.platform.db import DbSession
from app.platform.i18n import gettext
from app.platform.paging import PAGE_SIZE, PageNumber, page_offset
from app.platform.web import N_

may_keep = require_roles(*services.KEEPER_ROLES)
FormData = URLEncodedBody[dict[str, Any]]
Notice = Annotated[str | None, QueryParameter(pattern=r"^[a-z_]{1,40}$")]
Search = Annotated[str | None, QueryParameter(max_length=100)]
YearParam = Annotated[int | None, QueryParameter(ge=2000, le=2100)]
DayParam = Annotated[date | None, QueryParameter()]

NOTICES = {
    "property_registered": N_("The property is entered in the register and its acquisition posted."),
    "property_disposed": N_("The disposal is recorded and its gain or loss posted."),
    "run_created": N_("Depreciation is posted for the period."),
    "run_exists": N_("Depreciation for this period was run before; nothing more was posted."),
    "bond_issued": N_("The bond is recorded with its repayment schedule."),
    "instalment_repaid": N_("The repayment is posted."),
    "holding_created": N_("The holding is recorded."),
    "holding_moved": N_("The movement is posted."),
}

LABELS: dict[type[enum.StrEnum], dict[str, str]] = {
    PropertyKind: {
        PropertyKind.LAND: N_("Land"),
        PropertyKind.BUILDING: N_("Building"),
        PropertyKind.EQUIPMENT: N_("Equipment"),
    },
    PropertyStatus: {PropertyStatus.IN_USE: N_("In use"), PropertyStatus.DISPOSED: N_("Disposed of")},
    FundingSource: {
        FundingSource.CASH: N_("Paid in cash"),
        FundingSource.PAYABLE: N_("Owed to the seller (payable)"),
        FundingSource.CAPITAL_EXPENDITURE: N_("Paid through the expenditure workflow (capital expenditure)"),
        FundingSource.OPENING_BALANCE: N_("Held before the ledger began (net assets)"),
    },
    DisposalKind: {DisposalKind.SALE: N_("Sale"), DisposalKind.WRITE_OFF: N_("Write-off")},
    PropertyMovementKind: {
        PropertyMovementKind.ACQUISITION: N_("Acquisition"),
        PropertyMovementKind.DEPRECIATION: N_("Depreciation"),
        PropertyMovementKind.DISPOSAL: N_("Disposal"),
    },
    PeriodKind: {PeriodKind.MONTH: N_("One month"), PeriodKind.YEAR: N_("Whole year")},
    RepaymentMethod: {
        RepaymentMethod.EQUAL_PRINCIPAL: N_("Equal principal"),
        RepaymentMethod.EQUAL_INSTALMENT: N_("Equal instalments (principal and interest)"),
        RepaymentMethod.BULLET: N_("Bullet (all at maturity)"),
    },
    BondStatus: {BondStatus.OUTSTANDING: N_("Being repaid"), BondStatus.REPAID: N_("Repaid in full")},
    HoldingKind: {
        HoldingKind.SECURITY: N_("Security"),
        HoldingKind.DEPOSIT: N_("Deposit"),
        HoldingKind.CAPITAL_CONTRIBUTION: N_("Capital contribution"),
    },
    HoldingMovementKind: {
        HoldingMovementKind.ACQUIRE: N_("Acquired"),
        HoldingMovementKind.REDEEM: N_("Redeemed"),
    },
}


def label(value: enum.StrEnum | str) -> str:
    """A value of these pages' vocabularies, or of the finance ones, in the request's language."""
    if isinstance(value, enum.StrEnum) and type(value) in LABELS:
        return gettext(LABELS[type(value)][value])
    return finance_label(value)


def choices(vocabulary: type[enum.StrEnum]) -> list[tuple[str, str]]:
    """A vocabulary as a select's options."""
    return [(str(member), label(member)) for member in vocabulary]


def show(template: str, current_user: OptionalUser, *, notice: str | None = None, **context: Any) -> Template:
    """An assets page, with this area's notices and vocabulary."""
    response = render(f"assets/{template}", current_user, label=label, **context)
    response.context["notice"] = gettext(NOTICES[notice]) if notice in NOTICES else None
    return response


def done(path: str, notice: str) -> Redirect:
    """Post/redirect/get with one of :data:`NOTICES`."""
    return Redirect(path=f"{path}?notice={notice}", status_code=303)


def optional_integer(form: Form, name: str, low: int, high: int) -> int | None:
    """A whole number, or ``None`` when the field is left empty."""
    return form.integer(name, low, high) if form.values.get(name) else None


def optional_won(form: Form, name: str) -> int:
    """An amount in won, 0 when the field is left empty."""
    return form.won(name, allow_zero=True) if form.values.get(name) else 0


def rate(form: Form, name: str) -> int:
    """A yearly rate in percent with up to three decimals, as thousandths of a percent."""
    raw = form.values.get(name, "").replace("%", "").strip()
    if not re.fullmatch(r"\d{1,2}(\.\d{1,3})?", raw):
        form.fail(name, gettext("Enter the rate in percent with at most three decimals, e.g. 3.25."))
        return 0
    return int(Decimal(raw) * RATE_SCALE)


def not_future(form: Form, name: str, day: date | None) -> None:
    """Refuse a date after today (Korean time) on the form, before the service would."""
    if day is not None and day > services.korean_today():
        form.fail(name, gettext("The date cannot be in the future."))


async def capital_payment_orders(db_session: DbSession, actor: ActingActor) -> list[tuple[str, str]]:
    """Paid orders from capital-expenditure lines, newest first, as options for a reclassified acquisition."""
    query = (
        select(PaymentOrder.id, PaymentOrder.amount, PaymentOrder.paid_at, ExpenditureResolution.payee_name)
        .join(ExpenditureResolution, ExpenditureResolution.id == PaymentOrder.resolution_id)
        .join(BudgetLine, BudgetLine.id == ExpenditureResolution.budget_line_id)
        .where(
            PaymentOrder.government_code == actor.government_code,
            PaymentOrder.status == PaymentOrderStatus.PAID,
            BudgetLine.object_group == ObjectGroup.CAPITAL,
        )
        .order_by(PaymentOrder.paid_at.desc())
        .limit(100)
    )
    return [
        (str(order_id), f"{payee} · {amount:,} · {paid_at:%Y-%m-%d}" if paid_at else f"{payee} · {amount:,}")
        for order_id, amount, paid_at, payee in await db_session.execute(query)
    ]


class AssetPages(Controller):
    """The property register, depreciation runs, bonds, holdings and the statements."""

    # --- the property register -------------------------------------------------------------------

    @get("/assets")
    async def register_list(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        kind: Annotated[PropertyKind | None, QueryParameter()] = None,
        status: Annotated[PropertyStatus | None, QueryParameter()] = None,
        department: Annotated[str | None, QueryParameter(max_length=100)] = None,
        q: Search = None,
        page: PageNumber = 1,
        notice: Notice = None,
    ) -> Template:
        """공유재산대장: every property with its book value, filtered and paged."""
        items, total = await services.list_properties(
            db_session,
            actor,
            kind=kind,
            status=status,
            department=department or None,
            search=q or None,
            limit=PAGE_SIZE,
            offset=page_offset(page),
        )
        return show(
            "register.html",
            current_user,
            notice=notice,
            items=items,
            kinds=choices(PropertyKind),
            statuses=choices(PropertyStatus),
            departments=await services.list_departments(db_session, actor),
            chosen={"kind": kind or "", "status": status or "", "department": department or "", "q": q or ""},
            **paging(total, page),
        )

    async def _property_form(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        form: Form,
        status_code: int = 200,
    ) -> Template:
        return show(
            "property_form.html",
            current_user,
            status_code=status_code,
            form=form,
            kinds=choices(PropertyKind),
            fundings=choices(FundingSource),
            orders=await capital_payment_orders(db_session, actor),
        )

    @get("/assets/new", guards=[may_keep])
    async def new_property(
        self, current_user: OptionalUser, actor: ActingActor, db_session: DbSession
    ) -> Template:
        """The acquisition form."""
        form = Form({"acquired_on": services.korean_today().isoformat(), "funding": FundingSource.CASH})
        return await self._property_form(current_user, actor, db_session, form)

    @post("/assets", guards=[may_keep])
    async def create_property(
        self, data: FormData, current_user: OptionalUser, actor: ActingActor, db_session: DbSession
    ) -> Template | Redirect:
        """Register an acquisition (재무관)."""
        form = Form(data)
        kind = form.choice("kind", PropertyKind)
        name = form.text("name", max_length=200)
        location = form.text("location", max_length=200)
        parcel = form.text("parcel_number", max_length=50, required=False)
        department = form.text("department", max_length=100)
        acquired_on = form.day("acquired_on")
        cost = form.won("cost")
        life = optional_integer(form, "useful_life_years", 1, 100)
        residual = optional_won(form, "residual_value")
        funding = form.choice("funding", FundingSource)
        order_id = form.record("payment_order_id", required=False)
        not_future(form, "acquired_on", acquired_on)
        if kind is PropertyKind.LAND and (life or residual):
            form.fail(
                "useful_life_years",
                gettext("Land is not depreciated: leave the useful life and residual value empty."),
            )
        if residual > cost and form.ok:
            form.fail("residual_value", gettext("The residual value cannot be more than the cost."))
        if order_id is not None and funding is not FundingSource.CAPITAL_EXPENDITURE:
            form.fail(
                "funding",
                gettext(
                    "A property bought through a payment order is paid through the expenditure workflow."
                ),
            )
        if form.ok and kind and acquired_on and funding:
            item = await attempt(
                db_session,
                form,
                lambda: services.register_property(
                    db_session,
                    actor,
                    kind=kind,
                    name=name,
                    location=location,
                    department=department,
                    acquired_on=acquired_on,
                    cost=cost,
                    funding=funding,
                    parcel_number=parcel,
                    useful_life_years=life,
                    residual_value=residual,
                    payment_order_id=order_id,
                ),
            )
            if item is not None:
                return done(f"/finance/assets/{item.id}", "property_registered")
        return await self._property_form(current_user, actor, db_session, form, form.status_code)

    async def _property_page(
        self,
        property_id: uuid.UUID,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        form: Form,
        *,
        notice: str | None = None,
        status_code: int = 200,
    ) -> Template:
        item = await services.get_property(db_session, actor, property_id)
        return show(
            "property.html",
            current_user,
            notice=notice,
            status_code=status_code,
            item=item,
            movements=await services.property_movements(db_session, actor, property_id),
            form=form,
            disposals=choices(DisposalKind),
        )

    @get("/assets/{property_id:uuid}")
    async def property_detail(
        self,
        property_id: FromPath[uuid.UUID],
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        notice: Notice = None,
    ) -> Template:
        """One property: its facts, book value and every movement."""
        form = Form({"kind": DisposalKind.SALE, "disposed_on": services.korean_today().isoformat()})
        return await self._property_page(property_id, current_user, actor, db_session, form, notice=notice)

    @post("/assets/{property_id:uuid}/dispose", guards=[may_keep])
    async def dispose(
        self,
        property_id: FromPath[uuid.UUID],
        data: FormData,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
    ) -> Template | Redirect:
        """Sell or write off the property."""
        form = Form(data)
        kind = form.choice("kind", DisposalKind)
        disposed_on = form.day("disposed_on")
        proceeds = optional_won(form, "proceeds")
        not_future(form, "disposed_on", disposed_on)
        if kind is DisposalKind.WRITE_OFF and proceeds:
            form.fail("proceeds", gettext("A write-off brings in nothing; choose a sale for property sold."))
        if kind is DisposalKind.SALE and not proceeds and form.ok:
            form.fail("proceeds", gettext("Enter what the sale brought in."))
        if form.ok and kind and disposed_on:
            item = await attempt(
                db_session,
                form,
                lambda: services.dispose_property(
                    db_session, actor, property_id, kind=kind, disposed_on=disposed_on, proceeds=proceeds
                ),
            )
            if item is not None:
                return done(f"/finance/assets/{property_id}", "property_disposed")
        return await self._property_page(
            property_id, current_user, actor, db_session, form, status_code=form.status_code
        )

    # --- depreciation ----------------------------------------------------------------------------

    async def _depreciation_page(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        form: Form,
        page: int,
        *,
        notice: str | None = None,
        status_code: int = 200,
    ) -> Template:
        runs, total = await services.list_depreciation_runs(
            db_session, actor, limit=PAGE_SIZE, offset=page_offset(page)
        )
        months = [(str(m), gettext("Month {n}", n=m)) for m in range(1, 13)]
        return show(
            "depreciation.html",
            current_user,
            notice=notice,
            status_code=status_code,
            runs=runs,
            form=form,
            months=months,
            **paging(total, page),
        )

    @get("/assets/depreciation")
    async def depreciation(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        page: PageNumber = 1,
        notice: Notice = None,
    ) -> Template:
        """Depreciation runs and running the next one."""
        today = services.korean_today()
        last_month = date(today.year, today.month, 1).toordinal() - 1
        previous = date.fromordinal(last_month)
        form = Form({"year": str(previous.year), "month": str(previous.month)})
        return await self._depreciation_page(current_user, actor, db_session, form, page, notice=notice)

    @post("/assets/depreciation", guards=[may_keep])
    async def run_depreciation(
        self, data: FormData, current_user: OptionalUser, actor: ActingActor, db_session: DbSession
    ) -> Template | Redirect:
        """Run depreciation for a month or a year (the same period twice posts once)."""
        form = Form(data)
        year = form.integer("year", 2000, 2100)
        month = optional_integer(form, "month", 1, 12)
        if form.ok:
            result = await attempt(
                db_session, form, lambda: services.run_depreciation(db_session, actor, year=year, month=month)
            )
            if result is not None:
                return done("/finance/assets/depreciation", "run_created" if result[1] else "run_exists")
        return await self._depreciation_page(
            current_user, actor, db_session, form, 1, status_code=form.status_code
        )

    # --- local bonds -----------------------------------------------------------------------------

    @get("/bonds")
    async def bonds(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        status: Annotated[BondStatus | None, QueryParameter()] = None,
        page: PageNumber = 1,
    ) -> Template:
        """지방채 with what is outstanding on each."""
        bonds, total = await services.list_bonds(
            db_session, actor, status=status, limit=PAGE_SIZE, offset=page_offset(page)
        )
        return show(
            "bonds.html",
            current_user,
            bonds=bonds,
            status=status,
            statuses=list(BondStatus),
            **paging(total, page),
        )

    async def _bond_form(self, current_user: OptionalUser, form: Form, status_code: int = 200) -> Template:
        frequencies = [
            ("1", gettext("Yearly")),
            ("2", gettext("Every six months")),
            ("4", gettext("Quarterly")),
        ]
        frequencies.append(("12", gettext("Monthly")))
        return show(
            "bond_form.html",
            current_user,
            status_code=status_code,
            form=form,
            methods=choices(RepaymentMethod),
            frequencies=frequencies,
        )

    @get("/bonds/new", guards=[may_keep])
    async def new_bond(self, current_user: OptionalUser) -> Template:
        """The issuance form."""
        today = services.korean_today().isoformat()
        return await self._bond_form(
            current_user,
            Form(
                {
                    "issued_on": today,
                    "payments_per_year": "2",
                    "grace_years": "0",
                    "method": "equal_principal",
                }
            ),
        )

    @post("/bonds", guards=[may_keep])
    async def issue_bond(
        self, data: FormData, current_user: OptionalUser, actor: ActingActor, db_session: DbSession
    ) -> Template | Redirect:
        """Record a bond issued; the schedule is generated."""
        form = Form(data)
        name = form.text("name", max_length=200)
        lender = form.text("lender", max_length=200)
        purpose = form.text("purpose", max_length=500)
        principal = form.won("principal")
        milli_percent = rate(form, "annual_rate_percent")
        issued_on = form.day("issued_on")
        term = form.integer("term_years", 1, 50)
        grace = form.integer("grace_years", 0, 49)
        per_year = form.integer("payments_per_year", 1, 12)
        method = form.choice("method", RepaymentMethod)
        not_future(form, "issued_on", issued_on)
        if milli_percent > 30 * RATE_SCALE:
            form.fail("annual_rate_percent", gettext("The rate can be at most 30 percent."))
        if per_year not in (1, 2, 4, 12):
            form.fail("payments_per_year", gettext("Choose one of the options."))
        if grace >= term:
            form.fail("grace_years", gettext("The grace period must be shorter than the term."))
        elif grace and method is RepaymentMethod.BULLET:
            form.fail(
                "grace_years", gettext("A bullet bond repays everything at maturity: it has no grace period.")
            )
        if form.ok and issued_on and method:
            result = await attempt(
                db_session,
                form,
                lambda: services.issue_bond(
                    db_session,
                    actor,
                    name=name,
                    lender=lender,
                    purpose=purpose,
                    principal=principal,
                    rate_milli_percent=milli_percent,
                    issued_on=issued_on,
                    term_years=term,
                    grace_years=grace,
                    payments_per_year=per_year,
                    method=method,
                ),
            )
            if result is not None:
                return done(f"/finance/bonds/{result[0].id}", "bond_issued")
        return await self._bond_form(current_user, form, form.status_code)

    async def _bond_page(
        self,
        bond_id: uuid.UUID,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        form: Form,
        *,
        notice: str | None = None,
        status_code: int = 200,
    ) -> Template:
        bond, schedule = await services.get_bond(db_session, actor, bond_id)
        return show(
            "bond.html",
            current_user,
            notice=notice,
            status_code=status_code,
            bond=bond,
            schedule=schedule,
            next_due=next((i for i in schedule if i.paid_on is None), None),
            total_principal=sum(i.principal for i in schedule),
            total_interest=sum(i.interest for i in schedule),
            form=form,
        )

    @get("/bonds/{bond_id:uuid}")
    async def bond(
        self,
        bond_id: FromPath[uuid.UUID],
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        notice: Notice = None,
    ) -> Template:
        """A bond with its repayment schedule."""
        form = Form({"paid_on": services.korean_today().isoformat()})
        return await self._bond_page(bond_id, current_user, actor, db_session, form, notice=notice)

    @post("/bonds/{bond_id:uuid}/instalments/{number:int}/repay", guards=[may_keep])
    async def repay(
        self,
        bond_id: FromPath[uuid.UUID],
        number: FromPath[int],
        data: FormData,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
    ) -> Template | Redirect:
        """Repay the next instalment."""
        form = Form(data)
        paid_on = form.day("paid_on")
        not_future(form, "paid_on", paid_on)
        if form.ok and paid_on:
            result = await attempt(
                db_session,
                form,
                lambda: services.repay_instalment(db_session, actor, bond_id, number, paid_on=paid_on),
            )
            if result is not None:
                return done(f"/finance/bonds/{bond_id}", "instalment_repaid")
        return await self._bond_page(
            bond_id, current_user, actor, db_session, form, status_code=form.status_code
        )

    # --- non-cash holdings -----------------------------------------------------------------------

    async def _holdings_page(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        form: Form,
        *,
        kind: HoldingKind | None = None,
        page: int = 1,
        notice: str | None = None,
        status_code: int = 200,
    ) -> Template:
        holdings, total = await services.list_holdings(
            db_session, actor, kind=kind, limit=PAGE_SIZE, offset=page_offset(page)
        )
        return show(
            "holdings.html",
            current_user,
            notice=notice,
            status_code=status_code,
            holdings=holdings,
            kind=kind,
            kinds=choices(HoldingKind),
            form=form,
            **paging(total, page),
        )

    @get("/holdings")
    async def holdings(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        kind: Annotated[HoldingKind | None, QueryParameter()] = None,
        page: PageNumber = 1,
        notice: Notice = None,
    ) -> Template:
        """Securities, deposits and 출자금 with their balances, and recording a new one."""
        form = Form({"acquired_on": services.korean_today().isoformat()})
        return await self._holdings_page(
            current_user, actor, db_session, form, kind=kind, page=page, notice=notice
        )

    @post("/holdings", guards=[may_keep])
    async def create_holding(
        self, data: FormData, current_user: OptionalUser, actor: ActingActor, db_session: DbSession
    ) -> Template | Redirect:
        """Record a holding acquired."""
        form = Form(data)
        kind = form.choice("kind", HoldingKind)
        name = form.text("name", max_length=200)
        institution = form.text("institution", max_length=200)
        amount = form.won("amount")
        acquired_on = form.day("acquired_on")
        not_future(form, "acquired_on", acquired_on)
        if form.ok and kind and acquired_on:
            holding = await attempt(
                db_session,
                form,
                lambda: services.create_holding(
                    db_session,
                    actor,
                    kind=kind,
                    name=name,
                    institution=institution,
                    amount=amount,
                    acquired_on=acquired_on,
                ),
            )
            if holding is not None:
                return done(f"/finance/holdings/{holding.id}", "holding_created")
        return await self._holdings_page(current_user, actor, db_session, form, status_code=form.status_code)

    async def _holding_page(
        self,
        holding_id: uuid.UUID,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        form: Form,
        *,
        notice: str | None = None,
        status_code: int = 200,
    ) -> Template:
        holding, movements = await services.get_holding(db_session, actor, holding_id)
        return show(
            "holding.html",
            current_user,
            notice=notice,
            status_code=status_code,
            holding=holding,
            movements=movements,
            movement_kinds=choices(HoldingMovementKind),
            form=form,
        )

    @get("/holdings/{holding_id:uuid}")
    async def holding(
        self,
        holding_id: FromPath[uuid.UUID],
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        notice: Notice = None,
    ) -> Template:
        """A holding with its movements."""
        form = Form({"kind": HoldingMovementKind.REDEEM, "occurred_on": services.korean_today().isoformat()})
        return await self._holding_page(holding_id, current_user, actor, db_session, form, notice=notice)

    @post("/holdings/{holding_id:uuid}/movements", guards=[may_keep])
    async def move_holding(
        self,
        holding_id: FromPath[uuid.UUID],
        data: FormData,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
    ) -> Template | Redirect:
        """Add to or redeem the holding."""
        form = Form(data)
        kind = form.choice("kind", HoldingMovementKind)
        amount = form.won("amount")
        occurred_on = form.day("occurred_on")
        proceeds = form.won("proceeds", allow_zero=True) if form.values.get("proceeds") else None
        note = form.text("note", max_length=500, required=False)
        not_future(form, "occurred_on", occurred_on)
        if kind is HoldingMovementKind.ACQUIRE and proceeds not in (None, amount):
            form.fail("proceeds", gettext("Cash received applies to redemptions only; leave it empty."))
        if form.ok and kind and occurred_on:
            result = await attempt(
                db_session,
                form,
                lambda: services.move_holding(
                    db_session,
                    actor,
                    holding_id,
                    kind=kind,
                    amount=amount,
                    occurred_on=occurred_on,
                    proceeds=proceeds,
                    note=note,
                ),
            )
            if result is not None:
                return done(f"/finance/holdings/{holding_id}", "holding_moved")
        return await self._holding_page(
            holding_id, current_user, actor, db_session, form, status_code=form.status_code
        )

    # --- statements ------------------------------------------------------------------------------

    @get("/statements")
    async def statements(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        year: YearParam = None,
        as_at: DayParam = None,
        government: Annotated[str | None, QueryParameter(pattern=r"^\d{5}$")] = None,
    ) -> Template:
        """재정상태표 and 재정운영표 of a fiscal year, printable and downloadable."""
        fiscal_year = year or services.korean_today().year
        code = government or actor.government_code
        sheet = statement = None
        if code is not None:
            sheet = await balance_sheet(
                db_session, actor, fiscal_year=fiscal_year, government_code=code, as_at=as_at
            )
            statement = await operating_statement(
                db_session, actor, fiscal_year=fiscal_year, government_code=code, as_at=as_at
            )
        query = f"year={fiscal_year}" + (f"&as_at={as_at.isoformat()}" if as_at else "")
        query += f"&government={government}" if government else ""
        return show(
            "statements.html",
            current_user,
            year=fiscal_year,
            as_at=as_at,
            government=code,
            sheet=sheet,
            statement=statement,
            query=query,
        )

    @get("/statements/balance-sheet.csv")
    async def balance_sheet_csv(
        self,
        actor: ActingActor,
        db_session: DbSession,
        year: Annotated[int, QueryParameter(ge=2000, le=2100)],
        as_at: DayParam = None,
        government: Annotated[str | None, QueryParameter(pattern=r"^\d{5}$")] = None,
    ) -> Response[str]:
        """The balance sheet as CSV for spreadsheets (UTF-8 with BOM)."""
        sheet = await balance_sheet(
            db_session, actor, fiscal_year=year, government_code=government, as_at=as_at
        )
        return _csv(balance_sheet_rows(sheet, label), f"balance-sheet-{sheet.government_code}-{year}.csv")

    @get("/statements/operating.csv")
    async def operating_csv(
        self,
        actor: ActingActor,
        db_session: DbSession,
        year: Annotated[int, QueryParameter(ge=2000, le=2100)],
        as_at: DayParam = None,
        government: Annotated[str | None, QueryParameter(pattern=r"^\d{5}$")] = None,
    ) -> Response[str]:
        """The operating statement as CSV for spreadsheets (UTF-8 with BOM)."""
        statement = await operating_statement(
            db_session, actor, fiscal_year=year, government_code=government, as_at=as_at
        )
        rows = operating_statement_rows(statement, label)
        return _csv(rows, f"operating-statement-{statement.government_code}-{year}.csv")


def _csv(rows: list[tuple[str, str, str, int]], filename: str) -> Response[str]:
    header = (
        gettext("Section"),
        gettext("Ledger account code"),
        gettext("Ledger account"),
        gettext("Amount (won)"),
    )
    return Response(
        statement_csv([header, *rows]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


AssetPagesRouter = Router(
    path="/finance",
    route_handlers=[AssetPages],
    guards=[require_roles(*finance_services.READER_ROLES)],
    dependencies={"current_user": Provide(provide_current_user), "actor": Provide(provide_actor)},
    include_in_schema=False,
)
"""Registered by :mod:`app.finance.assets.web` beside the API controllers."""
