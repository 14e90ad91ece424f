"""Budget control under real concurrency: PostgreSQL, one committed transaction per request.

This test cannot live inside the rolled-back test transaction (the point is many transactions at
once), so it commits its own data for a government no other test uses and deletes it afterwards.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.finance import models, services
from app.platform.errors import ConflictError, InvalidInputError
from tests.conftest import Accounts
from tests.finance.conftest import EXECUTION_TABLES, FinanceWorld, committing_sessions, make_staff

pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("backend", ["postgresql"], indirect=True)]

GOVERNMENT = "47940"  # 울릉군: used by no other test
CONTENDERS = 50
ROOM_FOR = 10
AMOUNT = 1_000_000


committing = committing_sessions(GOVERNMENT, *EXECUTION_TABLES)


class TestConcurrentCommitments:
    async def test_fifty_requests_against_room_for_ten(
        self, committing: async_sessionmaker[AsyncSession], backend: str
    ) -> None:
        assert backend == "postgresql"
        async with committing() as session, session.begin():
            staff = await make_staff(Accounts(session), GOVERNMENT)
            line = await FinanceWorld(session, staff).line(
                budget=ROOM_FOR * AMOUNT * 3, allocated=ROOM_FOR * AMOUNT
            )

        async def request(number: int) -> None:
            async with committing() as session, session.begin():
                await services.request_commitment(
                    session, staff.maker, budget_line_id=line.id, amount=AMOUNT, description=f"#{number}"
                )

        outcomes = await asyncio.gather(*(request(n) for n in range(CONTENDERS)), return_exceptions=True)

        successes = [o for o in outcomes if o is None]
        refusals = [o for o in outcomes if isinstance(o, InvalidInputError)]
        assert len(successes) == ROOM_FOR
        assert len(refusals) == CONTENDERS - ROOM_FOR, [o for o in outcomes if o is not None][:3]
        assert all("0 won available" in str(r) for r in refusals)
        async with committing() as session:
            stored = await session.get(models.BudgetLine, line.id)
            assert stored is not None
            assert (stored.committed_amount, stored.available_amount) == (ROOM_FOR * AMOUNT, 0)
            count = await session.scalar(
                select(func.count())
                .select_from(models.Commitment)
                .where(models.Commitment.budget_line_id == line.id)
            )
            assert count == ROOM_FOR


class TestConcurrentPaymentOrderRetries:
    async def test_twenty_simultaneous_retries_create_one_order(
        self, committing: async_sessionmaker[AsyncSession], backend: str
    ) -> None:
        assert backend == "postgresql"
        async with committing() as session, session.begin():
            staff = await make_staff(Accounts(session), GOVERNMENT)
            line = await FinanceWorld(session, staff).line(budget=AMOUNT, allocated=AMOUNT)
            resolution = await services.request_expenditure_resolution(
                session, staff.maker, budget_line_id=line.id, amount=AMOUNT, payee_name="p", description="d"
            )
            await services.decide_expenditure_resolution(
                session, staff.approver_actor, resolution.id, approve=True
            )

        async def issue() -> tuple[object, bool]:
            async with committing() as session, session.begin():
                order, created = await services.create_payment_order(
                    session, staff.maker, resolution_id=resolution.id, idempotency_key="ulleung-retry-0001"
                )
                return order.id, created

        outcomes = await asyncio.gather(*(issue() for _ in range(20)))

        assert len({order_id for order_id, _ in outcomes}) == 1
        assert sum(created for _, created in outcomes) == 1
        async with committing() as session:
            orders = await session.scalar(
                select(func.count())
                .select_from(models.PaymentOrder)
                .where(models.PaymentOrder.resolution_id == resolution.id)
            )
            assert orders == 1


class TestConcurrentPayments:
    async def test_twenty_payments_of_one_line_at_once_all_count(
        self, committing: async_sessionmaker[AsyncSession], backend: str
    ) -> None:
        assert backend == "postgresql"
        payments = 20
        async with committing() as session, session.begin():
            staff = await make_staff(Accounts(session), GOVERNMENT)
            line = await FinanceWorld(session, staff).line(
                budget=payments * AMOUNT, allocated=payments * AMOUNT
            )
            order_ids = []
            for number in range(payments):
                resolution = await services.request_expenditure_resolution(
                    session,
                    staff.maker,
                    budget_line_id=line.id,
                    amount=AMOUNT,
                    payee_name=f"p{number}",
                    description="d",
                )
                await services.decide_expenditure_resolution(
                    session, staff.approver_actor, resolution.id, approve=True
                )
                order, _ = await services.create_payment_order(
                    session,
                    staff.maker,
                    resolution_id=resolution.id,
                    idempotency_key=f"ulleung-pay-{number:04d}",
                )
                await services.decide_payment_order(session, staff.approver_actor, order.id, approve=True)
                order_ids.append(order.id)

        async def pay(order_id: object) -> None:
            async with committing() as session, session.begin():
                await services.record_payment(session, staff.officer_actor, order_id)  # type: ignore[arg-type]

        # every order twice at once: each is paid once, the second attempt is refused as already paid
        outcomes = await asyncio.gather(*(pay(o) for o in order_ids + order_ids), return_exceptions=True)

        assert sum(o is None for o in outcomes) == payments
        refusals = [o for o in outcomes if o is not None]
        assert len(refusals) == payments
        assert all(isinstance(r, ConflictError) for r in refusals), refusals[:3]
        async with committing() as session:
            stored = await session.get(models.BudgetLine, line.id)
            assert stored is not None
            assert stored.paid_amount == payments * AMOUNT
            assert stored.available_amount == 0
            postings = await session.scalar(
                select(func.count())
                .select_from(models.JournalEntry)
                .where(
                    models.JournalEntry.source_type == "payment_order",
                    models.JournalEntry.source_id.in_(order_ids),
                )
            )
            assert postings == payments
