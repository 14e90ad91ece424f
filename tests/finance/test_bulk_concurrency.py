"""Bulk batches under real concurrency on PostgreSQL: the line's row lock decides them one at a time."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.finance import models
from app.finance.bulk import files, services
from app.finance.bulk.models import BulkBatch, BulkLine
from tests.conftest import Accounts
from tests.finance.conftest import EXECUTION_TABLES, FinanceWorld, committing_sessions, make_staff
from tests.finance.test_bulk import csv_file, payees
from tests.finance.test_concurrency import GOVERNMENT

pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("backend", ["postgresql"], indirect=True)]

CONTENDERS = 8
LINES_EACH = 3
AMOUNT = 100_000
ROOM_FOR_BATCHES = 3


async def _delete_batch_lines(session: AsyncSession) -> None:
    batches = select(BulkBatch.id).where(BulkBatch.government_code == GOVERNMENT)
    await session.execute(delete(BulkLine).where(BulkLine.batch_id.in_(batches)))


committing = committing_sessions(GOVERNMENT, BulkBatch, *EXECUTION_TABLES, first=_delete_batch_lines)


async def test_concurrent_batches_never_exceed_the_line(
    committing: async_sessionmaker[AsyncSession], backend: str
) -> None:
    assert backend == "postgresql"
    room = ROOM_FOR_BATCHES * LINES_EACH * AMOUNT + AMOUNT  # three batches fit, a fourth does not
    async with committing() as session, session.begin():
        staff = await make_staff(Accounts(session), GOVERNMENT)
        line = await FinanceWorld(session, staff).line(budget=room * 2, allocated=room)

    async def request(number: int) -> None:
        async with committing() as session, session.begin():
            await services.request_batch(
                session,
                staff.maker,
                budget_line_id=line.id,
                title=f"#{number}",
                content=csv_file(payees(LINES_EACH, amount=AMOUNT)),
            )

    outcomes = await asyncio.gather(*(request(n) for n in range(CONTENDERS)), return_exceptions=True)

    refusals = [o for o in outcomes if isinstance(o, files.FileRefusedError)]
    assert sum(o is None for o in outcomes) == ROOM_FOR_BATCHES, [o for o in outcomes if o is not None][:3]
    assert len(refusals) == CONTENDERS - ROOM_FOR_BATCHES
    assert all(r.problems[0].code == "over_budget" for r in refusals)
    async with committing() as session:
        stored = await session.get(models.BudgetLine, line.id)
        assert stored is not None
        assert stored.available_amount == AMOUNT
        lines = await session.scalar(
            select(func.count())
            .select_from(BulkLine)
            .join(BulkBatch, BulkBatch.id == BulkLine.batch_id)
            .where(BulkBatch.budget_line_id == line.id)
        )
        assert lines == ROOM_FOR_BATCHES * LINES_EACH
