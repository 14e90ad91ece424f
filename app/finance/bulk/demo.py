"""Demo data: one approved bulk payment of 종로구 (긴급 생계비), its bank file ready for the 금고."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.finance.bulk import files, services
from app.finance.bulk.models import BulkBatch
from app.finance.models import BudgetLine, FiscalYear
from app.platform.auth.models import User
from app.platform.auth.services import actor_for

GOVERNMENT = "11110"
YEAR = 2026
STATISTICS_CODE = "301-01"  # 사회보장적수혜금 (경상이전): welfare benefits
MAKER, APPROVER = "official.jongno", "approver.jongno"
PAYEES = (
    ("김순자", "011", "302-1234-5678-11", 620_000),
    ("이영철", "004", "123401-04-567890", 620_000),
    ("박말순", "020", "1002-345-678901", 480_000),
    ("최동수", "088", "110-456-789012", 620_000),
    ("정옥희", "071", "012345-02-345678", 480_000),
    ("강민호", "081", "356-910123-45607", 620_000),
    ("조복례", "003", "012-345678-01-011", 480_000),
    ("윤상철", "090", "3333-01-2345678", 620_000),
    ("장금순", "032", "101-2034-5678-09", 480_000),
    ("임재훈", "011", "352-0987-6543-21", 620_000),
    ("한정자", "045", "9002-1234-5678-9", 480_000),
    ("오세영", "048", "131-012-345678", 620_000),
)


async def seed_demo_bulk(session: AsyncSession) -> int:
    """종로구's November emergency living-cost batch, requested and approved (once); returns batches made."""
    exists = await session.scalar(
        select(func.count()).select_from(BulkBatch).where(BulkBatch.government_code == GOVERNMENT)
    )
    users = {
        u.username: u
        for u in (await session.scalars(select(User).where(User.username.in_((MAKER, APPROVER))))).all()
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
    if exists or line is None or len(users) < 2:
        return 0
    content = files.payee_file(
        (name, bank, account, amount, "긴급 생계비 11월분") for name, bank, account, amount in PAYEES
    )
    batch = await services.request_batch(
        session,
        actor_for(users[MAKER]),
        budget_line_id=line.id,
        title="11월 긴급 생계비 지원",
        content=content,
    )
    await services.decide_batch(session, actor_for(users[APPROVER]), batch.id, approve=True)
    return 1
