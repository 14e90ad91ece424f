"""The property, bond, holding and statement API under ``/api/finance``: parse, call the service, shape."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from litestar import Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from app.finance.assets import services
from app.finance.assets.models import (
    BondInstalment,
    BondStatus,
    Holding,
    HoldingKind,
    HoldingMovement,
    LocalBond,
    PropertyKind,
    PropertyStatus,
    PublicProperty,
)
from app.finance.assets.schemas import (
    BalanceSheetOut,
    BondCreate,
    BondDetailOut,
    BondOut,
    BondPage,
    DepreciationRunCreate,
    DepreciationRunOut,
    DepreciationRunPage,
    Disposal,
    HoldingCreate,
    HoldingDetailOut,
    HoldingMovementCreate,
    HoldingMovementOut,
    HoldingOut,
    HoldingPage,
    InstalmentOut,
    OperatingStatementOut,
    PropertyCreate,
    PropertyDetailOut,
    PropertyMovementOut,
    PropertyOut,
    PropertyPage,
    Repayment,
    StatementRowOut,
    rate_milli_percent,
)
from app.finance.assets.statements import balance_sheet, operating_statement
from app.finance.controllers import _FinanceController, finance_guard, may_read, shape
from app.platform.auth.guards import ActingActor
from app.platform.db import DbSession
from app.platform.paging import Limit, Offset

may_keep = finance_guard(*services.KEEPER_ROLES)
FiscalYearParam = Annotated[int, QueryParameter(ge=2000, le=2100)]
GovernmentParam = Annotated[str | None, QueryParameter(pattern=r"^\d{5}$")]
Search = Annotated[str | None, QueryParameter(max_length=100)]
AsAt = Annotated[date | None, QueryParameter()]


def property_out(item: PublicProperty) -> PropertyOut:
    """A property with its book value."""
    return shape(PropertyOut, item, book_value=item.book_value)


def bond_out(bond: LocalBond) -> BondOut:
    """A bond with its rate as people write it."""
    return shape(
        BondOut, bond, annual_rate_percent=f"{bond.annual_rate_percent:f}", outstanding=bond.outstanding
    )


def bond_detail_out(bond: LocalBond, schedule: list[BondInstalment]) -> BondDetailOut:
    """A bond with its schedule and the schedule's totals."""
    return BondDetailOut(
        bond=bond_out(bond),
        schedule=[shape(InstalmentOut, i, total=i.total) for i in schedule],
        total_principal=sum(i.principal for i in schedule),
        total_interest=sum(i.interest for i in schedule),
    )


def holding_detail_out(holding: Holding, movements: list[HoldingMovement]) -> HoldingDetailOut:
    """A holding with its movements."""
    return HoldingDetailOut(
        holding=shape(HoldingOut, holding), movements=[shape(HoldingMovementOut, m) for m in movements]
    )


class PropertyController(_FinanceController):
    """The 공유재산대장: acquisitions, depreciation runs and disposals."""

    path = "/api/finance"

    @post("/properties", guards=[may_keep], summary="Register an acquired property (토지, 건물, 장비)")
    async def register(
        self, data: JSONBody[PropertyCreate], db_session: DbSession, actor: ActingActor
    ) -> PropertyOut:
        """Posts the asset against cash, the payable or the capital expenditure it reclassifies."""
        item = await services.register_property(
            db_session,
            actor,
            kind=data.kind,
            name=data.name,
            location=data.location,
            department=data.department,
            acquired_on=data.acquired_on,
            cost=data.cost,
            funding=data.funding,
            parcel_number=data.parcel_number,
            useful_life_years=data.useful_life_years,
            residual_value=data.residual_value,
            payment_order_id=data.payment_order_id,
        )
        return property_out(item)

    @get("/properties", guards=[may_read], summary="The property register, filtered")
    async def list_properties(
        self,
        db_session: DbSession,
        actor: ActingActor,
        kind: Annotated[PropertyKind | None, QueryParameter()] = None,
        status: Annotated[PropertyStatus | None, QueryParameter()] = None,
        department: Annotated[str | None, QueryParameter(max_length=100)] = None,
        q: Search = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> PropertyPage:
        """Newest acquisitions first; ``q`` searches names and locations."""
        items, total = await services.list_properties(
            db_session,
            actor,
            kind=kind,
            status=status,
            department=department,
            search=q,
            limit=limit,
            offset=offset,
        )
        return PropertyPage(items=[property_out(x) for x in items], total=total, limit=limit, offset=offset)

    @get("/properties/{property_id:uuid}", guards=[may_read], summary="One property with its movements")
    async def get_property(
        self, property_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> PropertyDetailOut:
        """Acquisition, each depreciation and the disposal, oldest first."""
        item = await services.get_property(db_session, actor, property_id)
        movements = await services.property_movements(db_session, actor, property_id)
        return PropertyDetailOut(
            property=property_out(item), movements=[shape(PropertyMovementOut, m) for m in movements]
        )

    @post(
        "/properties/{property_id:uuid}/dispose",
        guards=[may_keep],
        status_code=HTTP_200_OK,
        summary="Sell or write off a property",
    )
    async def dispose(
        self,
        property_id: FromPath[uuid.UUID],
        data: JSONBody[Disposal],
        db_session: DbSession,
        actor: ActingActor,
    ) -> PropertyOut:
        """Posts the gain or loss against the book value; 409 if disposed of already."""
        item = await services.dispose_property(
            db_session,
            actor,
            property_id,
            kind=data.kind,
            disposed_on=data.disposed_on,
            proceeds=data.proceeds,
        )
        return property_out(item)

    @post("/depreciation-runs", guards=[may_keep], summary="Run depreciation for a month or a year")
    async def run_depreciation(
        self, data: JSONBody[DepreciationRunCreate], db_session: DbSession, actor: ActingActor
    ) -> Response[DepreciationRunOut]:
        """201 with what was posted; the same period again answers 200 with the first run and posts nothing."""
        run, created = await services.run_depreciation(db_session, actor, year=data.year, month=data.month)
        return Response(
            shape(DepreciationRunOut, run), status_code=HTTP_201_CREATED if created else HTTP_200_OK
        )

    @get("/depreciation-runs", guards=[may_read], summary="Depreciation runs, latest period first")
    async def list_runs(
        self, db_session: DbSession, actor: ActingActor, limit: Limit = 50, offset: Offset = 0
    ) -> DepreciationRunPage:
        """Each with its total and the journal entry that posted it."""
        runs, total = await services.list_depreciation_runs(db_session, actor, limit=limit, offset=offset)
        return DepreciationRunPage(
            items=[shape(DepreciationRunOut, r) for r in runs], total=total, limit=limit, offset=offset
        )


class BondController(_FinanceController):
    """지방채: issuance with its schedule, repayments, what is outstanding."""

    path = "/api/finance/bonds"

    @post("/", guards=[may_keep], summary="Record a local bond issued, with its repayment schedule")
    async def issue(
        self, data: JSONBody[BondCreate], db_session: DbSession, actor: ActingActor
    ) -> BondDetailOut:
        """Equal principal, equal instalment (원리금균등) or bullet; the principal repaid adds up exactly."""
        bond, schedule = await services.issue_bond(
            db_session,
            actor,
            name=data.name,
            lender=data.lender,
            purpose=data.purpose,
            principal=data.principal,
            rate_milli_percent=rate_milli_percent(data.annual_rate_percent),
            issued_on=data.issued_on,
            term_years=data.term_years,
            grace_years=data.grace_years,
            payments_per_year=data.payments_per_year,
            method=data.method,
        )
        return bond_detail_out(bond, schedule)

    @get("/", guards=[may_read], summary="Local bonds, latest issue first")
    async def list_bonds(
        self,
        db_session: DbSession,
        actor: ActingActor,
        status: Annotated[BondStatus | None, QueryParameter()] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> BondPage:
        """With what is outstanding on each."""
        bonds, total = await services.list_bonds(db_session, actor, status=status, limit=limit, offset=offset)
        return BondPage(items=[bond_out(b) for b in bonds], total=total, limit=limit, offset=offset)

    @get("/{bond_id:uuid}", guards=[may_read], summary="One bond with its schedule")
    async def get_bond(
        self, bond_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> BondDetailOut:
        """Paid instalments carry their date."""
        return bond_detail_out(*await services.get_bond(db_session, actor, bond_id))

    @post(
        "/{bond_id:uuid}/instalments/{number:int}/repay",
        guards=[may_keep],
        status_code=HTTP_200_OK,
        summary="Repay an instalment",
    )
    async def repay(
        self,
        bond_id: FromPath[uuid.UUID],
        number: FromPath[int],
        data: JSONBody[Repayment],
        db_session: DbSession,
        actor: ActingActor,
    ) -> BondDetailOut:
        """Instalments are repaid in order; repaying one twice is a 409."""
        await services.repay_instalment(db_session, actor, bond_id, number, paid_on=data.paid_on)
        return bond_detail_out(*await services.get_bond(db_session, actor, bond_id))


class HoldingController(_FinanceController):
    """Non-cash holdings: securities, deposits and 출자금."""

    path = "/api/finance/holdings"

    @post("/", guards=[may_keep], summary="Record a holding acquired")
    async def create(
        self, data: JSONBody[HoldingCreate], db_session: DbSession, actor: ActingActor
    ) -> HoldingDetailOut:
        """Posts it to investments (securities, 출자금) or deposits, against cash."""
        holding = await services.create_holding(
            db_session,
            actor,
            kind=data.kind,
            name=data.name,
            institution=data.institution,
            amount=data.amount,
            acquired_on=data.acquired_on,
        )
        return holding_detail_out(*await services.get_holding(db_session, actor, holding.id))

    @get("/", guards=[may_read], summary="Holdings by kind")
    async def list_holdings(
        self,
        db_session: DbSession,
        actor: ActingActor,
        kind: Annotated[HoldingKind | None, QueryParameter()] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> HoldingPage:
        """With their balances."""
        holdings, total = await services.list_holdings(
            db_session, actor, kind=kind, limit=limit, offset=offset
        )
        return HoldingPage(
            items=[shape(HoldingOut, h) for h in holdings], total=total, limit=limit, offset=offset
        )

    @get("/{holding_id:uuid}", guards=[may_read], summary="One holding with its movements")
    async def get_holding(
        self, holding_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> HoldingDetailOut:
        """Oldest movement first."""
        return holding_detail_out(*await services.get_holding(db_session, actor, holding_id))

    @post(
        "/{holding_id:uuid}/movements",
        guards=[may_keep],
        status_code=HTTP_201_CREATED,
        summary="Add to or redeem a holding",
    )
    async def move(
        self,
        holding_id: FromPath[uuid.UUID],
        data: JSONBody[HoldingMovementCreate],
        db_session: DbSession,
        actor: ActingActor,
    ) -> HoldingDetailOut:
        """A redemption beyond the balance is a 409; its gain or loss against the proceeds is posted."""
        await services.move_holding(
            db_session,
            actor,
            holding_id,
            kind=data.kind,
            amount=data.amount,
            occurred_on=data.occurred_on,
            proceeds=data.proceeds,
            note=data.note,
        )
        return holding_detail_out(*await services.get_holding(db_session, actor, holding_id))


class StatementController(_FinanceController):
    """재정상태표 and 재정운영표 read from the journal."""

    path = "/api/finance/statements"

    @get("/balance-sheet", guards=[may_read], summary="Balance sheet (재정상태표) of a fiscal year")
    async def balance_sheet(
        self,
        db_session: DbSession,
        actor: ActingActor,
        fiscal_year: FiscalYearParam,
        government_code: GovernmentParam = None,
        as_at: AsAt = None,
    ) -> BalanceSheetOut:
        """Your own government's; the ministry names one with ``government_code``."""
        sheet = await balance_sheet(
            db_session, actor, fiscal_year=fiscal_year, government_code=government_code, as_at=as_at
        )
        return shape(
            BalanceSheetOut,
            sheet,
            assets=[shape(StatementRowOut, r) for r in sheet.assets],
            liabilities=[shape(StatementRowOut, r) for r in sheet.liabilities],
        )

    @get("/operating", guards=[may_read], summary="Operating statement (재정운영표) of a fiscal year")
    async def operating_statement(
        self,
        db_session: DbSession,
        actor: ActingActor,
        fiscal_year: FiscalYearParam,
        government_code: GovernmentParam = None,
        as_at: AsAt = None,
    ) -> OperatingStatementOut:
        """Revenues and expenses by account and the year's surplus."""
        statement = await operating_statement(
            db_session, actor, fiscal_year=fiscal_year, government_code=government_code, as_at=as_at
        )
        return shape(
            OperatingStatementOut,
            statement,
            revenues=[shape(StatementRowOut, r) for r in statement.revenues],
            expenses=[shape(StatementRowOut, r) for r in statement.expenses],
        )


ASSET_CONTROLLERS = [PropertyController, BondController, HoldingController, StatementController]
