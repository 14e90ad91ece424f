"""Public property, depreciation, local bonds and holdings through the service layer.

Access first (wrong role, ministry, other government), then the figures: depreciation amounts and
idempotent runs, disposal gains and losses, bond schedules that add up to the principal for every
method, repayments in order, holdings, and what each operation posted to the journal.
"""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.finance import services as finance_services
from app.finance.assets import services
from app.finance.assets.calc import accumulated_straight_line, add_months, repayment_schedule
from app.finance.assets.models import (
    BondInstalment,
    BondStatus,
    DisposalKind,
    FundingSource,
    HoldingKind,
    HoldingMovementKind,
    LocalBond,
    PropertyKind,
    PropertyMovementKind,
    PropertyStatus,
    PublicProperty,
    RepaymentMethod,
)
from app.finance.assets.statements import balance_sheet, operating_statement
from app.finance.models import (
    FiscalYear,
    FiscalYearStatus,
    JournalEntry,
    JournalLine,
    LedgerAccount,
    ObjectGroup,
    PaymentOrder,
)
from app.platform.audit import AuditEvent
from app.platform.auth.models import Role
from app.platform.auth.services import actor_for
from app.platform.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from app.platform.tenancy import Actor
from tests.conftest import Accounts
from tests.finance.conftest import FinanceWorld

LOCATION = "서울특별시 종로구 삼봉로 43"


@pytest.fixture
async def officer(accounts: Accounts) -> Actor:
    """The finance officer (재무관) of 종로구."""
    return actor_for((await accounts.make(Role.FINANCE_OFFICER, "11110")).user)


async def register(
    session: AsyncSession,
    officer: Actor,
    *,
    kind: PropertyKind = PropertyKind.EQUIPMENT,
    cost: int = 1_200_000,
    acquired_on: date = date(2025, 1, 15),
    life: int | None = 1,
    residual: int = 0,
    funding: FundingSource = FundingSource.CASH,
    name: str = "청사 복합기",
    department: str = "총무과",
    payment_order_id: uuid.UUID | None = None,
) -> PublicProperty:
    return await services.register_property(
        session,
        officer,
        kind=kind,
        name=name,
        location=LOCATION,
        department=department,
        acquired_on=acquired_on,
        cost=cost,
        funding=funding,
        useful_life_years=life if kind is not PropertyKind.LAND else None,
        residual_value=residual,
        payment_order_id=payment_order_id,
    )


async def posted(session: AsyncSession, source_id: uuid.UUID) -> list[tuple[LedgerAccount, int, int]]:
    """Every journal line posted for ``source_id``, in posting order."""
    rows = await session.execute(
        select(JournalLine.account, JournalLine.debit, JournalLine.credit)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(JournalEntry.source_id == source_id)
        .order_by(JournalLine.id)
    )
    return [(LedgerAccount(a), d, c) for a, d, c in rows]


async def issue(
    session: AsyncSession,
    officer: Actor,
    *,
    method: RepaymentMethod = RepaymentMethod.EQUAL_PRINCIPAL,
    principal: int = 1_000_000_000,
    grace: int = 1,
    term: int = 3,
) -> tuple[LocalBond, list[BondInstalment]]:
    return await services.issue_bond(
        session,
        officer,
        name="2025년 도로건설 지방채",
        lender="공공자금관리기금",
        purpose="삼봉로 확장",
        principal=principal,
        rate_milli_percent=3250,
        issued_on=date(2025, 1, 31),
        term_years=term,
        grace_years=grace,
        payments_per_year=2,
        method=method,
    )


class TestAccess:
    async def test_only_a_governments_finance_officer_changes_the_books(
        self, session: AsyncSession, accounts: Accounts
    ) -> None:
        official = actor_for((await accounts.make(Role.OFFICIAL, "11110")).user)
        approver = actor_for((await accounts.make(Role.APPROVER, "11110")).user)
        ministry = actor_for((await accounts.make(Role.FINANCE_OFFICER, None)).user)
        for actor in (official, approver, ministry):
            with pytest.raises(ForbiddenError):
                await register(session, actor)
            with pytest.raises(ForbiddenError):
                await services.run_depreciation(session, actor, year=2025, month=1)
            with pytest.raises(ForbiddenError):
                await issue(session, actor)
            with pytest.raises(ForbiddenError):
                await services.create_holding(
                    session,
                    actor,
                    kind=HoldingKind.DEPOSIT,
                    name="정기예금",
                    institution="은행",
                    amount=1,
                    acquired_on=date(2025, 1, 2),
                )

    async def test_another_government_sees_and_changes_nothing(
        self, session: AsyncSession, officer: Actor, accounts: Accounts
    ) -> None:
        item = await register(session, officer)
        bond, _ = await issue(session, officer)
        other = actor_for((await accounts.make(Role.FINANCE_OFFICER, "26110")).user)
        with pytest.raises(NotFoundError):
            await services.get_property(session, other, item.id)
        with pytest.raises(NotFoundError):
            await services.dispose_property(
                session, other, item.id, kind=DisposalKind.WRITE_OFF, disposed_on=date(2025, 6, 1)
            )
        with pytest.raises(NotFoundError):
            await services.repay_instalment(session, other, bond.id, 1, paid_on=date(2025, 7, 31))
        with pytest.raises(NotFoundError):
            await balance_sheet(session, other, fiscal_year=2025, government_code="11110")
        assert await services.list_properties(session, other, limit=10, offset=0) == ([], 0)
        run, _ = await services.run_depreciation(session, other, year=2025, month=3)
        assert run.total_amount == 0
        assert item.months_depreciated == 0
        ministry = actor_for((await accounts.make(Role.AUDITOR, None)).user)
        assert (await services.get_property(session, ministry, item.id)).id == item.id
        with pytest.raises(InvalidInputError, match="Name the government"):
            await balance_sheet(session, ministry, fiscal_year=2025)


class TestRegister:
    async def test_acquisition_posts_the_asset_against_its_funding(
        self, session: AsyncSession, officer: Actor
    ) -> None:
        land = await register(session, officer, kind=PropertyKind.LAND, cost=5_000_000_000)
        building = await register(
            session,
            officer,
            kind=PropertyKind.BUILDING,
            cost=800_000_000,
            life=40,
            funding=FundingSource.PAYABLE,
        )
        assert await posted(session, land.id) == [
            (LedgerAccount.LAND, 5_000_000_000, 0),
            (LedgerAccount.CASH, 0, 5_000_000_000),
        ]
        assert await posted(session, building.id) == [
            (LedgerAccount.BUILDINGS, 800_000_000, 0),
            (LedgerAccount.PAYABLE, 0, 800_000_000),
        ]
        assert (land.useful_life_years, land.book_value) == (None, 5_000_000_000)
        movements = await services.property_movements(session, officer, building.id)
        assert [(m.kind, m.amount, m.book_value_after) for m in movements] == [
            (PropertyMovementKind.ACQUISITION, 800_000_000, 800_000_000)
        ]
        events = await session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "finance.public_property.register")
        )
        assert events == 2

    async def test_default_useful_life_comes_from_the_kind(
        self, session: AsyncSession, officer: Actor
    ) -> None:
        item = await services.register_property(
            session,
            officer,
            kind=PropertyKind.BUILDING,
            name="주민센터",
            location=LOCATION,
            department="자치행정과",
            acquired_on=date(2025, 3, 1),
            cost=100,
            funding=FundingSource.CASH,
        )
        assert item.useful_life_years == 40

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"cost": 0}, "more than 0 won"),
            ({"acquired_on": date(2099, 1, 1)}, "in the future"),
            ({"residual": 2_000_000}, "residual value"),
            ({"kind": PropertyKind.LAND, "residual": 5}, "Land is not depreciated"),
        ],
    )
    async def test_bad_input_is_refused_and_nothing_is_written(
        self, session: AsyncSession, officer: Actor, changes: dict[str, object], message: str
    ) -> None:
        with pytest.raises(InvalidInputError, match=message):
            await register(session, officer, **changes)  # type: ignore[arg-type]
        assert await session.scalar(select(func.count()).select_from(PublicProperty)) == 0
        assert await session.scalar(select(func.count()).select_from(JournalEntry)) == 0

    async def test_capital_expenditure_is_reclassified_once_per_payment_order(
        self, world: FinanceWorld
    ) -> None:
        officer = world.staff.officer_actor
        line = await world.line(budget=50_000_000, allocated=50_000_000, group=ObjectGroup.CAPITAL)
        resolution = await finance_services.request_expenditure_resolution(
            world.session,
            world.staff.maker,
            budget_line_id=line.id,
            amount=30_000_000,
            payee_name="한빛건설",
            description="청사 승강기 교체",
        )
        await finance_services.decide_expenditure_resolution(
            world.session, world.staff.approver_actor, resolution.id, approve=True
        )
        order, _ = await finance_services.create_payment_order(
            world.session, world.staff.maker, resolution_id=resolution.id, idempotency_key="lift-1"
        )
        with pytest.raises(ConflictError, match="Only a paid payment order bought property"):
            await register(
                world.session,
                officer,
                cost=30_000_000,
                acquired_on=date(2026, 1, 2),
                funding=FundingSource.CAPITAL_EXPENDITURE,
                payment_order_id=order.id,
            )
        await finance_services.decide_payment_order(
            world.session, world.staff.approver_actor, order.id, approve=True
        )
        await finance_services.record_payment(world.session, officer, order.id)
        with pytest.raises(InvalidInputError, match="capital expenditure funding"):
            await register(
                world.session, officer, cost=1, acquired_on=date(2026, 1, 2), payment_order_id=order.id
            )
        lift = await register(
            world.session,
            officer,
            cost=20_000_000,
            acquired_on=date(2026, 1, 2),
            life=15,
            funding=FundingSource.CAPITAL_EXPENDITURE,
            payment_order_id=order.id,
        )
        assert await posted(world.session, lift.id) == [
            (LedgerAccount.EQUIPMENT, 20_000_000, 0),
            (LedgerAccount.FIXED_ASSETS, 0, 20_000_000),
        ]
        with pytest.raises(ConflictError, match="10,000,000 won is not yet registered"):
            await register(
                world.session,
                officer,
                cost=10_000_001,
                acquired_on=date(2026, 1, 2),
                funding=FundingSource.CAPITAL_EXPENDITURE,
                payment_order_id=order.id,
            )
        with pytest.raises(ConflictError, match="capital expenditure is not yet registered"):
            await register(
                world.session,
                officer,
                cost=10_000_001,
                acquired_on=date(2026, 1, 2),
                funding=FundingSource.CAPITAL_EXPENDITURE,
            )
        goods = await world.line(budget=10, allocated=10, group=ObjectGroup.GOODS)
        stationery = await finance_services.request_expenditure_resolution(
            world.session,
            world.staff.maker,
            budget_line_id=goods.id,
            amount=10,
            payee_name="문구",
            description="d",
        )
        await finance_services.decide_expenditure_resolution(
            world.session, world.staff.approver_actor, stationery.id, approve=True
        )
        paper, _ = await finance_services.create_payment_order(
            world.session, world.staff.maker, resolution_id=stationery.id, idempotency_key="paper"
        )
        await finance_services.decide_payment_order(
            world.session, world.staff.approver_actor, paper.id, approve=True
        )
        await finance_services.record_payment(world.session, officer, paper.id)
        with pytest.raises(InvalidInputError, match="not paid from a capital expenditure line"):
            await register(
                world.session,
                officer,
                cost=10,
                acquired_on=date(2026, 1, 2),
                funding=FundingSource.CAPITAL_EXPENDITURE,
                payment_order_id=paper.id,
            )
        assert await world.session.get(PaymentOrder, order.id) is not None


class TestDepreciation:
    async def test_straight_line_sums_exactly_to_the_depreciable_amount(self) -> None:
        charges = [
            accumulated_straight_line(1_000, 7, m) - accumulated_straight_line(1_000, 7, m - 1)
            for m in range(1, 8)
        ]
        assert sum(charges) == 1_000
        assert max(charges) - min(charges) <= 1
        assert accumulated_straight_line(1_000, 7, 99) == 1_000

    async def test_monthly_amounts_land_excluded_and_a_second_run_posts_nothing(
        self, session: AsyncSession, officer: Actor
    ) -> None:
        copier = await register(session, officer, cost=1_200_000, life=1)  # 100,000 a month
        hall = await register(
            session,
            officer,
            kind=PropertyKind.BUILDING,
            cost=480_000_100,
            residual=100,
            life=40,
            acquired_on=date(2025, 2, 3),
        )  # 1,000,000 a month from February
        land = await register(session, officer, kind=PropertyKind.LAND, cost=9_000_000)
        run, created = await services.run_depreciation(session, officer, year=2025, month=1)
        assert created
        assert (run.total_amount, run.property_count) == (100_000, 1)
        again, created_again = await services.run_depreciation(session, officer, year=2025, month=1)
        assert (again.id, created_again) == (run.id, False)
        assert copier.accumulated_depreciation == 100_000
        assert await posted(session, run.id) == [
            (LedgerAccount.DEPRECIATION_EXPENSE, 100_000, 0),
            (LedgerAccount.ACCUMULATED_DEPRECIATION, 0, 100_000),
        ]
        year, _ = await services.run_depreciation(session, officer, year=2025)
        assert year.total_amount == 1_100_000 + 11 * 1_000_000
        assert (copier.months_depreciated, copier.book_value) == (12, 0)
        assert (hall.months_depreciated, hall.accumulated_depreciation) == (11, 11_000_000)
        assert (land.months_depreciated, land.accumulated_depreciation) == (0, 0)
        march, created_march = await services.run_depreciation(session, officer, year=2025, month=3)
        assert created_march and march.total_amount == 0 and march.journal_entry_id is None
        notes = [m.note for m in await services.property_movements(session, officer, copier.id)]
        assert notes[1:] == ["감가상각 2025-01~2025-01", "감가상각 2025-02~2025-12"]
        runs, total = await services.list_depreciation_runs(session, officer, limit=10, offset=0)
        assert total == 3 and runs[0].period_kind == "year"

    async def test_a_period_not_yet_ended_or_a_closed_year_does_not_run(
        self, session: AsyncSession, officer: Actor
    ) -> None:
        with pytest.raises(ConflictError, match="has not ended"):
            await services.run_depreciation(session, officer, year=services.korean_today().year + 1, month=1)
        with pytest.raises(InvalidInputError):
            await services.run_depreciation(session, officer, year=2025, month=13)
        session.add(FiscalYear(government_code="11110", year=2024, status=FiscalYearStatus.CLOSED))
        await session.flush()
        with pytest.raises(ConflictError, match="2024 is closed"):
            await services.run_depreciation(session, officer, year=2024, month=5)


class TestDisposal:
    async def test_sale_above_book_value_is_a_gain_after_catching_up_depreciation(
        self, session: AsyncSession, officer: Actor
    ) -> None:
        copier = await register(session, officer, cost=1_200_000, life=1)
        await services.run_depreciation(session, officer, year=2025, month=2)  # Jan and Feb
        sold = await services.dispose_property(
            session,
            officer,
            copier.id,
            kind=DisposalKind.SALE,
            disposed_on=date(2025, 5, 20),
            proceeds=900_000,
        )
        # March and April are charged before the sale; book value 1,200,000 − 400,000 = 800,000
        assert (sold.status, sold.accumulated_depreciation, sold.book_value) == (
            PropertyStatus.DISPOSED,
            400_000,
            0,
        )
        lines = await posted(session, copier.id)
        assert lines[2:] == [
            (LedgerAccount.DEPRECIATION_EXPENSE, 200_000, 0),
            (LedgerAccount.ACCUMULATED_DEPRECIATION, 0, 200_000),
            (LedgerAccount.CASH, 900_000, 0),
            (LedgerAccount.ACCUMULATED_DEPRECIATION, 400_000, 0),
            (LedgerAccount.EQUIPMENT, 0, 1_200_000),
            (LedgerAccount.OTHER_REVENUE, 0, 100_000),
        ]
        movements = await services.property_movements(session, officer, copier.id)
        assert [m.kind for m in movements] == [
            PropertyMovementKind.ACQUISITION,
            PropertyMovementKind.DEPRECIATION,
            PropertyMovementKind.DEPRECIATION,
            PropertyMovementKind.DISPOSAL,
        ]
        assert movements[-1].amount == 800_000 and "처분이익 100,000원" in movements[-1].note
        with pytest.raises(ConflictError, match="disposed of"):
            await services.dispose_property(
                session, officer, copier.id, kind=DisposalKind.WRITE_OFF, disposed_on=date(2025, 6, 1)
            )
        run, _ = await services.run_depreciation(session, officer, year=2025)
        assert run.total_amount == 0

    async def test_write_off_is_a_loss_of_the_book_value(self, session: AsyncSession, officer: Actor) -> None:
        land = await register(session, officer, kind=PropertyKind.LAND, cost=7_000)
        await services.dispose_property(
            session, officer, land.id, kind=DisposalKind.WRITE_OFF, disposed_on=date(2025, 3, 1)
        )
        assert (await posted(session, land.id))[2:] == [
            (LedgerAccount.OTHER_EXPENSE, 7_000, 0),
            (LedgerAccount.LAND, 0, 7_000),
        ]

    async def test_disposal_dated_inside_depreciated_months_or_with_wrong_proceeds_is_refused(
        self, session: AsyncSession, officer: Actor
    ) -> None:
        copier = await register(session, officer)
        await services.run_depreciation(session, officer, year=2025, month=6)
        with pytest.raises(ConflictError, match="charged through 2025-06"):
            await services.dispose_property(
                session,
                officer,
                copier.id,
                kind=DisposalKind.SALE,
                disposed_on=date(2025, 6, 30),
                proceeds=1,
            )
        with pytest.raises(InvalidInputError, match="brings in nothing"):
            await services.dispose_property(
                session,
                officer,
                copier.id,
                kind=DisposalKind.WRITE_OFF,
                disposed_on=date(2025, 7, 1),
                proceeds=5,
            )
        with pytest.raises(InvalidInputError, match="without proceeds"):
            await services.dispose_property(
                session, officer, copier.id, kind=DisposalKind.SALE, disposed_on=date(2025, 7, 1)
            )
        with pytest.raises(InvalidInputError, match="before the acquisition"):
            await services.dispose_property(
                session, officer, copier.id, kind=DisposalKind.WRITE_OFF, disposed_on=date(2024, 7, 1)
            )
        assert copier.status is PropertyStatus.IN_USE


class TestBonds:
    @pytest.mark.parametrize("method", list(RepaymentMethod))
    @pytest.mark.parametrize(
        ("principal", "rate", "term", "grace", "per_year"),
        [
            (1_000_000_000, 3250, 3, 1, 2),
            (999_999_999, 4875, 10, 2, 4),
            (7, 1000, 2, 1, 12),
            (123_456_789, 0, 5, 0, 1),
            (50_000_000_001, 29_999, 20, 5, 12),
        ],
    )
    def test_every_schedule_repays_exactly_the_principal(
        self, method: RepaymentMethod, principal: int, rate: int, term: int, grace: int, per_year: int
    ) -> None:
        grace = 0 if method is RepaymentMethod.BULLET else grace
        schedule = repayment_schedule(
            principal=principal,
            rate_milli_percent=rate,
            issued_on=date(2024, 8, 31),
            term_years=term,
            grace_years=grace,
            payments_per_year=per_year,
            method=method,
        )
        assert sum(i.principal for i in schedule) == principal
        assert schedule[-1].outstanding_after == 0
        assert all(i.principal >= 0 and i.interest >= 0 and i.principal + i.interest > 0 for i in schedule)
        assert [i.number for i in schedule] == list(range(1, len(schedule) + 1))
        if principal > 1_000:  # a few won may be repaid before the term is over: no instalment is under 1 won
            assert schedule[-1].due_on == add_months(date(2024, 8, 31), term * 12)
        repaying = [i for i in schedule if i.principal]
        if method is RepaymentMethod.BULLET:
            assert len(repaying) == 1
        elif rate and principal > 1_000:
            assert schedule[grace * per_year].principal > 0
            assert all(i.principal == 0 for i in schedule[: grace * per_year])
        if method is RepaymentMethod.EQUAL_INSTALMENT and rate and principal > 1_000:
            totals = {i.principal + i.interest for i in schedule[grace * per_year : -1]}
            assert len(totals) == 1
            # the annuity's rounding to the won compounds over the schedule and lands on the last one
            last = schedule[-1].principal + schedule[-1].interest
            assert abs(last - totals.pop()) <= len(schedule) + last // 1_000_000
        if method is RepaymentMethod.EQUAL_PRINCIPAL and principal > 1_000:
            assert len({i.principal for i in repaying[:-1]}) <= 1

    def test_the_same_inputs_give_the_same_schedule(self) -> None:
        arguments = {
            "principal": 10_000_000,
            "rate_milli_percent": 3125,
            "issued_on": date(2025, 1, 31),
            "term_years": 4,
            "grace_years": 1,
            "payments_per_year": 12,
            "method": RepaymentMethod.EQUAL_INSTALMENT,
        }
        first = repayment_schedule(**arguments)  # type: ignore[arg-type]
        assert first == repayment_schedule(**arguments)  # type: ignore[arg-type]
        assert first[0].due_on == date(2025, 2, 28)
        assert first[0].interest == 26_042  # 10,000,000 × 3.125 % ÷ 12, rounded half up

    async def test_issue_and_repay_in_order_until_nothing_is_owed(
        self, session: AsyncSession, officer: Actor
    ) -> None:
        bond, schedule = await issue(session, officer, principal=1_000_000_000, grace=1, term=3)
        assert await posted(session, bond.id) == [
            (LedgerAccount.CASH, 1_000_000_000, 0),
            (LedgerAccount.BORROWINGS, 0, 1_000_000_000),
        ]
        with pytest.raises(ConflictError, match="Instalment 1 falls due first"):
            await services.repay_instalment(session, officer, bond.id, 2, paid_on=date(2025, 7, 31))
        with pytest.raises(NotFoundError):
            await services.repay_instalment(session, officer, bond.id, 99, paid_on=date(2025, 7, 31))
        first = schedule[0]
        _, paid = await services.repay_instalment(session, officer, bond.id, 1, paid_on=date(2025, 7, 31))
        assert (paid.principal, paid.interest) == (0, 16_250_000)
        with pytest.raises(ConflictError, match="was repaid on 2025-07-31"):
            await services.repay_instalment(session, officer, bond.id, 1, paid_on=date(2025, 7, 31))
        assert first is paid
        today = services.korean_today()
        for instalment in schedule[1:]:
            await services.repay_instalment(session, officer, bond.id, instalment.number, paid_on=today)
        assert (bond.status, bond.outstanding) == (BondStatus.REPAID, 0)
        lines = await posted(session, bond.id)
        assert sum(d for a, d, _ in lines if a is LedgerAccount.BORROWINGS) == 1_000_000_000
        assert sum(d for a, d, _ in lines if a is LedgerAccount.INTEREST_EXPENSE) == 73_125_000

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"grace": 3}, "shorter than the term"),
            ({"method": RepaymentMethod.BULLET, "grace": 1}, "no grace period"),
            ({"principal": 0}, "more than 0 won"),
        ],
    )
    async def test_bad_bonds_are_refused(
        self, session: AsyncSession, officer: Actor, changes: dict[str, object], message: str
    ) -> None:
        with pytest.raises(InvalidInputError, match=message):
            await issue(session, officer, **changes)  # type: ignore[arg-type]
        assert await session.scalar(select(func.count()).select_from(JournalEntry)) == 0


class TestHoldings:
    async def test_acquire_and_redeem_post_to_the_holdings_account(
        self, session: AsyncSession, officer: Actor
    ) -> None:
        deposit = await services.create_holding(
            session,
            officer,
            kind=HoldingKind.DEPOSIT,
            name="정기예금 1년",
            institution="종로구 금고",
            amount=500_000_000,
            acquired_on=date(2025, 1, 10),
        )
        share = await services.create_holding(
            session,
            officer,
            kind=HoldingKind.CAPITAL_CONTRIBUTION,
            name="종로구 시설관리공단 출자금",
            institution="시설관리공단",
            amount=3_000_000_000,
            acquired_on=date(2025, 1, 10),
        )
        _, redemption = await services.move_holding(
            session,
            officer,
            deposit.id,
            kind=HoldingMovementKind.REDEEM,
            amount=500_000_000,
            proceeds=515_000_000,
            occurred_on=date(2025, 12, 31),
        )
        assert (deposit.balance, redemption.balance_after) == (0, 0)
        assert await posted(session, deposit.id) == [
            (LedgerAccount.DEPOSITS, 500_000_000, 0),
            (LedgerAccount.CASH, 0, 500_000_000),
            (LedgerAccount.CASH, 515_000_000, 0),
            (LedgerAccount.DEPOSITS, 0, 500_000_000),
            (LedgerAccount.OTHER_REVENUE, 0, 15_000_000),
        ]
        assert (await posted(session, share.id))[0] == (LedgerAccount.INVESTMENTS, 3_000_000_000, 0)
        with pytest.raises(ConflictError, match="balance is 0 won"):
            await services.move_holding(
                session,
                officer,
                deposit.id,
                kind=HoldingMovementKind.REDEEM,
                amount=1,
                occurred_on=date(2025, 12, 31),
            )
        with pytest.raises(InvalidInputError, match="proceeds apply to redemptions"):
            await services.move_holding(
                session,
                officer,
                share.id,
                kind=HoldingMovementKind.ACQUIRE,
                amount=1,
                proceeds=2,
                occurred_on=date(2025, 12, 31),
            )
        _, movements = await services.get_holding(session, officer, deposit.id)
        assert [m.kind for m in movements] == [HoldingMovementKind.ACQUIRE, HoldingMovementKind.REDEEM]


class TestStatements:
    async def test_balance_sheet_shows_property_net_bonds_and_the_years_surplus(
        self, session: AsyncSession, officer: Actor
    ) -> None:
        await register(session, officer, cost=1_200_000, life=1)
        await services.run_depreciation(session, officer, year=2025, month=3)
        await issue(session, officer, principal=10_000_000)
        sheet = await balance_sheet(session, officer, fiscal_year=2025)
        assets = {row.account: row.amount for row in sheet.assets}
        assert assets == {
            LedgerAccount.CASH: 10_000_000 - 1_200_000,
            LedgerAccount.EQUIPMENT: 1_200_000,
            LedgerAccount.ACCUMULATED_DEPRECIATION: -300_000,
        }
        assert sheet.property_net == 900_000
        assert {row.account: row.amount for row in sheet.liabilities} == {
            LedgerAccount.BORROWINGS: 10_000_000
        }
        assert (sheet.surplus, sheet.prior_surplus, sheet.basic_net_assets) == (-300_000, 0, 0)
        assert sheet.total_assets == sheet.total_liabilities + sheet.total_net_assets
        statement = await operating_statement(session, officer, fiscal_year=2025)
        assert [(r.account, r.amount) for r in statement.expenses] == [
            (LedgerAccount.DEPRECIATION_EXPENSE, 300_000)
        ]
        assert statement.surplus == sheet.surplus
        later = await balance_sheet(session, officer, fiscal_year=2026)
        assert (later.prior_surplus, later.surplus, later.total_assets) == (-300_000, 0, sheet.total_assets)
        before = await balance_sheet(session, officer, fiscal_year=2024)
        assert before.assets == [] and before.total_net_assets == 0
        trial = await finance_services.trial_balance(session, officer, fiscal_year=2025)
        assert {row.account: row.balance for row in trial} == {
            **assets,
            LedgerAccount.BORROWINGS: -10_000_000,
            LedgerAccount.DEPRECIATION_EXPENSE: 300_000,
        }


class TestDemo:
    async def test_jongno_gets_a_register_bonds_and_holdings_whose_statements_balance(
        self, session: AsyncSession, accounts: Accounts
    ) -> None:
        from app.finance.assets.demo import seed_demo_assets

        await accounts.make(Role.FINANCE_OFFICER, "11110", username="finance.jongno")
        assert (
            await seed_demo_assets(session) == 8
        )  # no paid capital order to reclassify without the demo year
        assert await seed_demo_assets(session) == 0  # once
        reader = actor_for((await accounts.make(Role.AUDITOR, "11110")).user)
        items, total = await services.list_properties(session, reader, limit=50, offset=0)
        assert total == 8
        assert {i.status for i in items} == {PropertyStatus.IN_USE, PropertyStatus.DISPOSED}
        land = next(i for i in items if i.name == "종로구청 부지")
        assert await posted(session, land.id) == [
            (LedgerAccount.LAND, 38_500_000_000, 0),
            (LedgerAccount.NET_ASSETS, 0, 38_500_000_000),
        ]
        hall = next(i for i in items if i.name == "종로 청소년 문화의집")
        assert hall.accumulated_depreciation > 0 and hall.book_value < hall.cost
        bonds, bond_total = await services.list_bonds(session, reader, limit=10, offset=0)
        assert bond_total == 2 and all(0 < b.outstanding <= b.principal for b in bonds)
        year = services.korean_today().year
        sheet = await balance_sheet(session, reader, fiscal_year=year)
        assert sheet.total_assets == sheet.total_liabilities + sheet.total_net_assets
        assert sheet.basic_net_assets == 38_500_000_000 + 2_870_000_000
        assert {r.account: r.amount for r in sheet.liabilities}[LedgerAccount.BORROWINGS] == sum(
            b.outstanding for b in bonds
        )
