"""Demo data: 종로구's public property, local bonds and holdings, built through the services.

The land under the district office is carried over from before the ledger; buildings and equipment
are bought over the years and depreciated by yearly runs through 2025 and monthly runs in 2026 up to
the last month that has ended; one vehicle is sold and worn-out copiers written off; two bonds are
repaid as their instalments fell due; a deposit, a capital contribution and government bonds are
held. Once: any property of 종로구 in the register means done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.finance.assets import services
from app.finance.assets.calc import month_end
from app.finance.assets.models import (
    DisposalKind,
    FundingSource,
    HoldingKind,
    HoldingMovementKind,
    PropertyKind,
    PublicProperty,
    RepaymentMethod,
)
from app.finance.models import (
    BudgetLine,
    ExpenditureResolution,
    ObjectGroup,
    PaymentOrder,
    PaymentOrderStatus,
)
from app.platform.auth.models import User
from app.platform.auth.services import actor_for
from app.platform.tenancy import Actor

GOVERNMENT = "11110"
OFFICER = "finance.jongno"
FIRST_YEAR = 2019


@dataclass(frozen=True, slots=True)
class DemoProperty:
    """One entry of the demo register and, if it left, how."""

    kind: PropertyKind
    name: str
    location: str
    department: str
    acquired_on: date
    cost: int
    funding: FundingSource
    life: int | None = None
    residual: int = 0
    parcel: str | None = None
    disposed: tuple[DisposalKind, date, int] | None = None


OFFICE = "서울특별시 종로구 삼봉로 43"
PROPERTIES = (
    DemoProperty(PropertyKind.LAND, "종로구청 부지", OFFICE, "재무과", date(2019, 1, 1), 38_500_000_000, FundingSource.OPENING_BALANCE, parcel="수송동 146-2"),
    DemoProperty(PropertyKind.LAND, "삼청공원 주차장 부지", "서울특별시 종로구 삼청동 산2-1", "공원녹지과", date(2019, 1, 1), 2_870_000_000, FundingSource.OPENING_BALANCE, parcel="삼청동 산2-1"),
    DemoProperty(PropertyKind.BUILDING, "삼청동 주민센터", "서울특별시 종로구 삼청로 85", "자치행정과", date(2025, 3, 14), 3_150_000_000, FundingSource.CASH, life=40),
    DemoProperty(PropertyKind.BUILDING, "종로 청소년 문화의집", "서울특별시 종로구 율곡로 190", "교육지원과", date(2021, 9, 1), 4_620_000_000, FundingSource.CASH, life=40, residual=120_000_000),
    DemoProperty(PropertyKind.EQUIPMENT, "청사 전기차 충전기 6기", OFFICE, "총무과", date(2026, 2, 10), 84_000_000, FundingSource.PAYABLE, life=8),
    DemoProperty(PropertyKind.EQUIPMENT, "민원실 무인발급기", OFFICE, "민원여권과", date(2026, 4, 1), 36_000_000, FundingSource.CASH, life=5, residual=1_000_000),
    DemoProperty(PropertyKind.EQUIPMENT, "청사 복합기 5대", OFFICE, "총무과", date(2020, 5, 11), 25_000_000, FundingSource.CASH, life=5, disposed=(DisposalKind.WRITE_OFF, date(2026, 6, 15), 0)),
    DemoProperty(PropertyKind.EQUIPMENT, "관용 승합차", OFFICE, "총무과", date(2019, 8, 1), 32_000_000, FundingSource.CASH, life=6, disposed=(DisposalKind.SALE, date(2026, 9, 20), 4_500_000)),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class DemoBond:
    """A local bond of the demo and its terms."""

    name: str
    lender: str
    purpose: str
    principal: int
    rate_milli_percent: int
    issued_on: date
    term_years: int
    grace_years: int
    method: RepaymentMethod


BONDS = (
    DemoBond("2024년 청사 리모델링 지방채", "지역개발기금", "종로구청 본관 리모델링", 5_000_000_000, 2500, date(2024, 6, 28), 10, 2, RepaymentMethod.EQUAL_PRINCIPAL),
    DemoBond("2026년 도로건설 지방채", "공공자금관리기금", "삼봉로 확장 공사", 3_000_000_000, 3250, date(2026, 3, 31), 5, 1, RepaymentMethod.EQUAL_INSTALMENT),
)  # fmt: skip


async def _officer(session: AsyncSession) -> Actor | None:
    user = await session.scalar(select(User).where(User.username == OFFICER))
    return actor_for(user) if user is not None else None


async def _unregistered_capital_order(session: AsyncSession) -> PaymentOrder | None:
    """A paid 종로구 order from a capital-expenditure line, to show a reclassified acquisition."""
    return await session.scalar(
        select(PaymentOrder)
        .join(ExpenditureResolution, ExpenditureResolution.id == PaymentOrder.resolution_id)
        .join(BudgetLine, BudgetLine.id == ExpenditureResolution.budget_line_id)
        .where(
            PaymentOrder.government_code == GOVERNMENT,
            PaymentOrder.status == PaymentOrderStatus.PAID,
            BudgetLine.object_group == ObjectGroup.CAPITAL,
        )
        .order_by(PaymentOrder.paid_at)
        .limit(1)
    )


async def _depreciate_through(session: AsyncSession, officer: Actor, today: date) -> None:
    """Yearly runs for the years that have ended, then each month of this year that has ended."""
    for year in range(FIRST_YEAR, today.year):
        await services.run_depreciation(session, officer, year=year)
    for month in range(1, today.month):
        if month_end(today.year, month) <= today:
            await services.run_depreciation(session, officer, year=today.year, month=month)


async def seed_demo_assets(session: AsyncSession) -> int:
    """종로구's register, bonds and holdings (once); returns how many properties were registered."""
    officer = await _officer(session)
    exists = await session.scalar(
        select(func.count()).select_from(PublicProperty).where(PublicProperty.government_code == GOVERNMENT)
    )
    if officer is None or exists:
        return 0
    today = services.korean_today()
    registered = []
    for spec in PROPERTIES:
        item = await services.register_property(
            session,
            officer,
            kind=spec.kind,
            name=spec.name,
            location=spec.location,
            department=spec.department,
            acquired_on=spec.acquired_on,
            cost=spec.cost,
            funding=spec.funding,
            parcel_number=spec.parcel,
            useful_life_years=spec.life,
            residual_value=spec.residual,
        )
        registered.append((item, spec))
    order = await _unregistered_capital_order(session)
    if order is not None and order.paid_at is not None:  # paid orders carry their payment time
        await services.register_property(
            session,
            officer,
            kind=PropertyKind.EQUIPMENT,
            name="청사 시설 개선 (자본지출)",
            location=OFFICE,
            department="총무과",
            acquired_on=order.paid_at.astimezone(services.KOREA).date(),
            cost=order.amount,
            funding=FundingSource.CAPITAL_EXPENDITURE,
            useful_life_years=10,
            payment_order_id=order.id,
        )
    await _depreciate_through(session, officer, today)
    for item, spec in registered:
        if spec.disposed is not None:
            kind, disposed_on, proceeds = spec.disposed
            await services.dispose_property(
                session, officer, item.id, kind=kind, disposed_on=disposed_on, proceeds=proceeds
            )
    for bond_spec in BONDS:
        bond, schedule = await services.issue_bond(
            session,
            officer,
            name=bond_spec.name,
            lender=bond_spec.lender,
            purpose=bond_spec.purpose,
            principal=bond_spec.principal,
            rate_milli_percent=bond_spec.rate_milli_percent,
            issued_on=bond_spec.issued_on,
            term_years=bond_spec.term_years,
            grace_years=bond_spec.grace_years,
            payments_per_year=2,
            method=bond_spec.method,
        )
        for instalment in schedule:
            if instalment.due_on <= today:
                await services.repay_instalment(
                    session, officer, bond.id, instalment.number, paid_on=instalment.due_on
                )
    await services.create_holding(
        session,
        officer,
        kind=HoldingKind.DEPOSIT,
        name="구금고 정기예금 (1년)",
        institution="종로구 금고",
        amount=2_000_000_000,
        acquired_on=date(2026, 1, 5),
    )
    await services.create_holding(
        session,
        officer,
        kind=HoldingKind.CAPITAL_CONTRIBUTION,
        name="종로구시설관리공단 출자금",
        institution="종로구시설관리공단",
        amount=500_000_000,
        acquired_on=date(2026, 2, 2),
    )
    securities = await services.create_holding(
        session,
        officer,
        kind=HoldingKind.SECURITY,
        name="국고채권 3년물",
        institution="한국예탁결제원",
        amount=1_000_000_000,
        acquired_on=date(2025, 12, 10),
    )
    await services.move_holding(
        session,
        officer,
        securities.id,
        kind=HoldingMovementKind.REDEEM,
        amount=400_000_000,
        proceeds=408_000_000,
        occurred_on=date(2026, 6, 10),
        note="일부 매도",
    )
    return len(registered) + int(order is not None)
