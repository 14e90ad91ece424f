"""Two opposite transfers approved at the same moment on real PostgreSQL: no deadlock, no lost update.

Transfer A→B and transfer B→A each lock both lines. Were they locked in request order, each approval
would hold one line and wait for the other: a deadlock. The service locks in id order, so one waits
for the other and both apply. Like the other concurrency tests this one commits its own data for a
government no other test uses and deletes it afterwards.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.finance import models
from app.finance import services as finance
from app.finance.cycle import services as cycle
from app.finance.cycle.models import BudgetTransfer, CarryOver, CarryOverItem, TransferKind
from app.platform.tenancy import Actor
from tests.conftest import Accounts
from tests.finance.conftest import EXECUTION_TABLES, FinanceWorld, committing_sessions, make_staff
from tests.finance.test_cycle import cheap_password_hashing  # noqa: F401 - autouse fixture

pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("backend", ["postgresql"], indirect=True)]

GOVERNMENT = "47940"  # 울릉군: kept for committed concurrency tests, cleaned before and after
ROUNDS = 3


committing = committing_sessions(GOVERNMENT, CarryOverItem, CarryOver, BudgetTransfer, *EXECUTION_TABLES)


class TestOppositeTransfers:
    async def test_both_apply_without_deadlock_or_lost_update(
        self, committing: async_sessionmaker[AsyncSession], backend: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        assert backend == "postgresql"
        lock_line = finance._lock_line

        async def lock_slowly(session: AsyncSession, actor: Actor, line_id: uuid.UUID) -> models.BudgetLine:
            # Each approval holds what it has locked for a moment, so the two really overlap: in
            # request order they would each hold one line and wait for the other.
            line = await lock_line(session, actor, line_id)
            await asyncio.sleep(0.2)
            return line

        async with committing() as session, session.begin():
            staff = await make_staff(Accounts(session), GOVERNMENT)
            world = FinanceWorld(session, staff)
            a = await world.line(budget=10_000, allocated=4_000)
            b = await world.line(budget=10_000, allocated=4_000)

        async def request(
            source: models.BudgetLine, target: models.BudgetLine, amount: int
        ) -> BudgetTransfer:
            async with committing() as session, session.begin():
                return await cycle.request_transfer(
                    session,
                    staff.maker,
                    source_line_id=source.id,
                    target_line_id=target.id,
                    amount=amount,
                    kind=TransferKind.WITHIN_POLICY,
                    legal_basis="지방재정법 제49조",
                    basis_reference="",
                    reason="동시 결재",
                )

        async def approve(transfer: BudgetTransfer) -> None:
            async with committing() as session, session.begin():
                await cycle.decide_transfer(session, staff.approver_actor, transfer.id, approve=True)

        monkeypatch.setattr(finance, "_lock_line", lock_slowly)
        for round_number in range(ROUNDS):
            forward = await request(a, b, 700 + round_number)
            backward = await request(b, a, 300)
            outcomes = await asyncio.wait_for(
                asyncio.gather(approve(forward), approve(backward), return_exceptions=True), timeout=30
            )
            assert outcomes == [None, None], outcomes

        async with committing() as session:
            stored_a = await session.get(models.BudgetLine, a.id)
            stored_b = await session.get(models.BudgetLine, b.id)
            assert stored_a is not None and stored_b is not None
            moved = sum(700 + n for n in range(ROUNDS)) - 300 * ROUNDS
            assert (stored_a.budget_amount, stored_b.budget_amount) == (10_000 - moved, 10_000 + moved)
            assert stored_a.allocated_amount + stored_b.allocated_amount == 8_000
