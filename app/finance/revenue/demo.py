"""Demo data: 종로구's 2026 revenue — items with their budget, assessments paid, partly paid, overdue,
reduced and overpaid, and a refund awaiting the approver — built through the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.finance.models import FinanceAccount, FiscalYear, FundKind
from app.finance.revenue import services
from app.finance.revenue.models import PayerKind, ReceiptChannel, RefundKind, RevenueItem, RevenueKind
from app.platform.auth.models import User
from app.platform.auth.services import actor_for

GOVERNMENT = "11110"
YEAR = 2026
MAKER, OFFICER = "official.jongno", "finance.jongno"

ITEMS = (
    ("110-01", "재산세", RevenueKind.LOCAL_TAX, 52_000_000_000),
    ("110-02", "등록면허세", RevenueKind.LOCAL_TAX, 4_200_000_000),
    ("220-01", "도로점용료", RevenueKind.NON_TAX, 3_500_000_000),
    ("220-02", "주정차위반 과태료", RevenueKind.NON_TAX, 2_800_000_000),
    ("310-01", "자치구 조정교부금", RevenueKind.ADJUSTMENT_GRANT, 95_000_000_000),
    ("410-01", "국고보조금", RevenueKind.SUBSIDY, 120_000_000_000),
)


@dataclass(frozen=True, slots=True)
class DemoAssessment:
    """One assessment of the demo year and what happened to it."""

    code: str
    payer: str
    number: str
    description: str
    amount: int
    assessed_on: date
    due_date: date
    received: tuple[int, ...] = ()
    reduced: int = 0


ASSESSMENTS = (
    DemoAssessment("110-01", "한빛상사", "220-81-62517", "재산세 1기분 (건축물)", 12_500_000, date(2026, 7, 10), date(2026, 7, 31), (12_500_000,)),
    DemoAssessment("110-01", "김종로", "780315-1234561", "재산세 1기분 (주택)", 1_840_000, date(2026, 7, 10), date(2026, 7, 31), (1_000_000,)),
    DemoAssessment("110-01", "이사직", "650912-2345672", "재산세 2기분 (토지)", 3_260_000, date(2026, 9, 10), date(2026, 9, 30)),
    DemoAssessment("110-02", "박면허", "820101-1456783", "등록면허세 (면허분)", 250_000, date(2026, 1, 10), date(2026, 1, 31)),
    DemoAssessment("220-01", "종로상회", "101-82-12348", "도로점용료 (2026년분)", 4_800_000, date(2026, 11, 2), date(2026, 12, 31), reduced=600_000),
    DemoAssessment("220-02", "최주차", "900505-1567894", "주정차위반 과태료", 40_000, date(2026, 5, 2), date(2026, 5, 31), (40_000, 40_000)),
    DemoAssessment("310-01", "서울특별시", "104-82-12347", "자치구 조정교부금 1분기", 23_750_000_000, date(2026, 1, 5), date(2026, 3, 31), (23_750_000_000,)),
    DemoAssessment("410-01", "보건복지부", "120-83-12346", "기초연금 국고보조금 상반기", 30_000_000_000, date(2026, 1, 5), date(2026, 4, 30), (30_000_000_000,)),
)  # fmt: skip


async def seed_demo_revenue(session: AsyncSession) -> int:
    """종로구's 2026 revenue (once, after its budget year exists); returns how many assessments were made."""
    users = {
        u.username: u
        for u in (await session.scalars(select(User).where(User.username.in_((MAKER, OFFICER))))).all()
    }
    year = await session.scalar(
        select(FiscalYear).where(FiscalYear.government_code == GOVERNMENT, FiscalYear.year == YEAR)
    )
    account = await session.scalar(
        select(FinanceAccount).where(
            FinanceAccount.government_code == GOVERNMENT, FinanceAccount.kind == FundKind.GENERAL
        )
    )
    exists = await session.scalar(
        select(func.count()).select_from(RevenueItem).where(RevenueItem.government_code == GOVERNMENT)
    )
    if exists or year is None or account is None or len(users) < 2:
        return 0
    maker, officer = actor_for(users[MAKER]), actor_for(users[OFFICER])
    items = {
        code: await services.create_revenue_item(
            session,
            officer,
            fiscal_year_id=year.id,
            account_id=account.id,
            kind=kind,
            code=code,
            name=name,
            budget_amount=budget,
        )
        for code, name, kind, budget in ITEMS
    }
    for number, spec in enumerate(ASSESSMENTS, start=1):
        assessment = await services.create_assessment(
            session,
            maker,
            item_id=items[spec.code].id,
            payer_kind=PayerKind.BUSINESS if len(spec.number) == 12 else PayerKind.PERSON,
            payer_name=spec.payer,
            payer_number=spec.number,
            description=spec.description,
            amount=spec.amount,
            assessed_on=spec.assessed_on,
            due_date=spec.due_date,
        )
        await services.resolve_collection(session, officer, assessment.id)
        if spec.reduced:
            await services.reduce_assessment(
                session, maker, assessment.id, amount=spec.reduced, reason="점용 면적 정정"
            )
        for part, amount in enumerate(spec.received, start=1):
            await services.record_receipt(
                session,
                officer,
                assessment_id=assessment.id,
                amount=amount,
                received_on=min(spec.due_date, date(YEAR, 11, 20)),
                channel=ReceiptChannel.VIRTUAL_ACCOUNT,
                reference=f"DEMO-{GOVERNMENT}-{YEAR}-{number:03d}-{part}",
            )
        if len(spec.received) > 1:
            await services.request_refund(
                session,
                maker,
                assessment_id=assessment.id,
                kind=RefundKind.OVERPAYMENT,
                amount=sum(spec.received) - spec.amount,
                reason="같은 고지서를 두 번 납부",
            )
    return len(ASSESSMENTS)
