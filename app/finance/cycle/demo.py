"""Demo data: 수원시's 2026 year gets a 전용 awaiting the approver, built through the services.

It stays a request on purpose: the demo's line amounts are what the other demo pages and browser
tests read, and an approver moves the budget from the transfers page in front of the audience.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.finance.cycle import services
from app.finance.cycle.models import BudgetTransfer, TransferKind
from app.finance.models import BudgetLine, FiscalYear
from app.platform.auth.models import User
from app.platform.auth.services import actor_for

GOVERNMENT = "41110"
YEAR = 2026
MAKER = "official.suwon"
SOURCE, TARGET = "201-01", "201-02"  # 사무관리비 → 공공운영비, both in 본청 청사 유지관리
AMOUNT = 30_000_000


async def seed_demo_cycle(session: AsyncSession) -> int:
    """수원시's pending 전용 (once, after its budget year exists); returns how many transfers were requested."""
    maker = await session.scalar(select(User).where(User.username == MAKER))
    year = await session.scalar(
        select(FiscalYear).where(FiscalYear.government_code == GOVERNMENT, FiscalYear.year == YEAR)
    )
    if maker is None or year is None:
        return 0
    done = await session.scalar(
        select(func.count()).select_from(BudgetTransfer).where(BudgetTransfer.fiscal_year_id == year.id)
    )
    lines = {
        line.statistics_code: line
        for line in (
            await session.scalars(
                select(BudgetLine).where(
                    BudgetLine.fiscal_year_id == year.id, BudgetLine.statistics_code.in_((SOURCE, TARGET))
                )
            )
        ).all()
    }
    if done or len(lines) != 2:
        return 0
    await services.request_transfer(
        session,
        actor_for(maker),
        source_line_id=lines[SOURCE].id,
        target_line_id=lines[TARGET].id,
        amount=AMOUNT,
        kind=TransferKind.WITHIN_POLICY,
        legal_basis="지방재정법 제49조 제1항",
        basis_reference="회계과-1204",
        reason="공공요금 인상에 따른 공공운영비 부족분 충당",
    )
    return 1
