"""Commitments against one contract milestone under real concurrency (PostgreSQL, committed transactions).

Like ``test_concurrency.py`` this commits its own data, for a government no other test uses, and
removes it afterwards.
"""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.finance import models, services
from app.finance.milestones import services as milestones
from app.platform.errors import InvalidInputError
from tests.conftest import Accounts
from tests.finance.conftest import EXECUTION_TABLES, FinanceWorld, committing_sessions, make_staff

pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("backend", ["postgresql"], indirect=True)]

GOVERNMENT = "47920"  # 봉화군: used by no other test
CONTENDERS = 20
ROOM_FOR = 5
AMOUNT = 1_000_000


committing = committing_sessions(GOVERNMENT, *EXECUTION_TABLES)


class TestConcurrentCommitmentsAgainstAMilestone:
    async def test_twenty_requests_against_a_milestone_with_room_for_five(
        self, committing: async_sessionmaker[AsyncSession], backend: str
    ) -> None:
        assert backend == "postgresql"
        async with committing() as session, session.begin():
            staff = await make_staff(Accounts(session), GOVERNMENT)
            world = FinanceWorld(session, staff)
            # The line has room for every request: only the milestone can refuse.
            line = await world.line(budget=CONTENDERS * AMOUNT, allocated=CONTENDERS * AMOUNT)
            contract = await services.create_contract(
                session,
                staff.maker,
                title="군도 포장공사",
                method=models.ContractMethod.OPEN_TENDER,
                supplier_name="(주)봉화토건",
                supplier_registration_number="220-81-62517",
                amount=CONTENDERS * AMOUNT,
                start_date=date(2026, 1, 1),
                end_date=date(2026, 12, 31),
            )
            milestone = await milestones.add_milestone(
                session,
                staff.maker,
                contract.id,
                kind=models.MilestoneKind.ADVANCE,
                title="선금",
                due_date=date(2026, 2, 1),
                amount=ROOM_FOR * AMOUNT,
            )

        async def request(number: int) -> None:
            async with committing() as session, session.begin():
                await services.request_commitment(
                    session,
                    staff.maker,
                    budget_line_id=line.id,
                    amount=AMOUNT,
                    description=f"선금 #{number}",
                    milestone_id=milestone.id,
                )

        outcomes = await asyncio.gather(*(request(n) for n in range(CONTENDERS)), return_exceptions=True)

        successes = [o for o in outcomes if o is None]
        refusals = [o for o in outcomes if isinstance(o, InvalidInputError)]
        assert len(successes) == ROOM_FOR, [o for o in outcomes if o is not None][:3]
        assert len(refusals) == CONTENDERS - ROOM_FOR
        assert all("5,000,000 won is already committed" in str(r) for r in refusals)
        async with committing() as session:
            committed = await session.scalar(
                select(func.sum(models.Commitment.amount)).where(
                    models.Commitment.milestone_id == milestone.id
                )
            )
            assert committed == ROOM_FOR * AMOUNT
            stored = await session.get(models.BudgetLine, line.id)
            assert stored is not None and stored.committed_amount == ROOM_FOR * AMOUNT
