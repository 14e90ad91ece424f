"""Demo data: 종로구's monthly allocations for the second quarter and a contract paid by milestones.

The 공공운영비 line gets April, May and June allocated month by month; the 청사 냉난방설비 정비 용역
contract has a 선금 30 % · 기성 40 % · 준공 30 % schedule: the advance is inspected and paid, the
progress payment inspected and resolved, the completion still planned. (The line is one the other
demo figures that tests read do not depend on, except 종로구's paid total.)
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.finance import services
from app.finance.milestones import services as milestones
from app.finance.models import BudgetLine, Contract, ContractMethod, FiscalYear, MilestoneKind
from app.platform.auth.models import User
from app.platform.auth.services import actor_for
from app.platform.db import utcnow

GOVERNMENT = "11110"
YEAR = 2026
STATISTICS_CODE = "201-02"  # 공공운영비 (물건비)
OFFICIAL, OFFICER, APPROVER = "official.jongno", "finance.jongno", "approver.jongno"
MONTHLY = ((4, 10_000_000), (5, 10_000_000), (6, 5_000_000))
TITLE = "종로구청 냉난방설비 정비 용역"
AMOUNT = 30_000_000
START, END = date(YEAR, 4, 1), date(YEAR, 10, 30)
SCHEDULE = (
    (MilestoneKind.ADVANCE, "선금", date(YEAR, 4, 15), 30, date(YEAR, 4, 10)),
    (MilestoneKind.PROGRESS, "1회 기성", date(YEAR, 7, 31), 40, date(YEAR, 7, 28)),
    (MilestoneKind.COMPLETION, "준공 (정비 완료)", date(YEAR, 10, 30), 30, None),
)


async def seed_demo_milestones(session: AsyncSession) -> int:
    """The allocations and the contract above (once); returns how many milestones were made."""
    users = {
        u.username: u
        for u in (
            await session.scalars(select(User).where(User.username.in_((OFFICIAL, OFFICER, APPROVER))))
        ).all()
    }
    line = await session.scalar(
        select(BudgetLine)
        .join(FiscalYear, FiscalYear.id == BudgetLine.fiscal_year_id)
        .where(
            BudgetLine.government_code == GOVERNMENT,
            BudgetLine.statistics_code == STATISTICS_CODE,
            FiscalYear.year == YEAR,
        )
    )
    exists = await session.scalar(
        select(func.count())
        .select_from(Contract)
        .where(Contract.government_code == GOVERNMENT, Contract.title == TITLE)
    )
    if exists or line is None or len(users) < 3 or utcnow().date() < START:
        return 0
    official, officer, approver = (actor_for(users[name]) for name in (OFFICIAL, OFFICER, APPROVER))
    for month, amount in MONTHLY:
        allocation = await services.request_allocation(
            session, official, budget_line_id=line.id, quarter=2, month=month, amount=amount
        )
        await services.decide_allocation(session, approver, allocation.id, approve=True)
    contract = await services.create_contract(
        session,
        official,
        title=TITLE,
        method=ContractMethod.OPEN_TENDER,
        supplier_name="(주)한결설비",
        supplier_registration_number="124-81-00998",
        amount=AMOUNT,
        start_date=START,
        end_date=END,
    )
    planned = [  # the whole schedule first: it is frozen once a commitment names a milestone
        await milestones.add_milestone(
            session, official, contract.id, kind=kind, title=title, due_date=due, amount=AMOUNT * share // 100
        )
        for kind, title, due, share, _accepted in SCHEDULE
    ]
    for number, (milestone, (kind, title, _due, _share, accepted_on)) in enumerate(
        zip(planned, SCHEDULE, strict=True), start=1
    ):
        if accepted_on is None:
            continue
        commitment = await services.request_commitment(
            session,
            official,
            budget_line_id=line.id,
            amount=milestone.amount,
            description=f"{TITLE} {title}",
            milestone_id=milestone.id,
        )
        await services.decide_commitment(session, approver, commitment.id, approve=True)
        await milestones.accept_milestone(
            session,
            officer,
            contract.id,
            milestone.id,
            accepted_on=min(accepted_on, utcnow().date()),
            inspector_name="김정호 (시설관리과)",
        )
        resolution = await services.request_expenditure_resolution(
            session,
            official,
            commitment_id=commitment.id,
            amount=milestone.amount,
            payee_name="(주)한결설비",
            description=f"{TITLE} {title} 대가",
        )
        await services.decide_expenditure_resolution(session, approver, resolution.id, approve=True)
        if kind is MilestoneKind.ADVANCE:
            order, _ = await services.create_payment_order(
                session,
                official,
                resolution_id=resolution.id,
                idempotency_key=f"demo-{GOVERNMENT}-{YEAR}-milestone-{number}",
            )
            await services.decide_payment_order(session, approver, order.id, approve=True)
            await services.record_payment(session, officer, order.id)
    return len(SCHEDULE)
