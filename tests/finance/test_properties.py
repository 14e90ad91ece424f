"""Property: whatever officials and approvers do, in any order, the books hold.

Hypothesis generates sequences of requests, decisions, payment orders and payments against one
budget line. Each
operation runs in its own savepoint, as a request runs in its own transaction, so a refused one
leaves nothing behind. After every operation no line has committed and spent more than was
allocated, its running totals equal the sums of the records behind them, and at the end every
journal entry balances and the pending-orders gauge's count matches the orders left unpaid.
"""

from __future__ import annotations

import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.finance import services
from app.finance.metrics import count_pending_payment_orders
from app.finance.models import (
    PENDING_PAYMENT_STATUSES,
    ApprovalStatus,
    BudgetLine,
    Commitment,
    ExpenditureResolution,
    JournalEntry,
    JournalLine,
    ObjectGroup,
    PaymentOrder,
    PaymentOrderStatus,
)
from app.platform.errors import DomainError
from tests.finance.conftest import FinanceWorld, Staff

OPEN = (ApprovalStatus.REQUESTED, ApprovalStatus.APPROVED)
amounts = st.integers(min_value=1, max_value=600)
picks = st.integers(min_value=0, max_value=30)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("commit"), amounts),
        st.tuples(st.just("spend_directly"), amounts),
        st.tuples(st.just("allocate"), amounts),
        st.tuples(st.sampled_from(["approve_commitment", "reject_commitment", "cancel_commitment"]), picks),
        st.tuples(st.just("resolve"), picks, amounts),
        st.tuples(st.sampled_from(["approve_resolution", "reject_resolution"]), picks),
        st.tuples(st.just("pay"), picks),
        st.tuples(st.just("order"), picks),
    ),
    min_size=1,
    max_size=25,
)


class Books:
    """Applies generated operations through the services, one savepoint each."""

    def __init__(self, world: FinanceWorld, line: BudgetLine) -> None:
        self.world = world
        self.session = world.session
        self.staff = world.staff
        self.line = line
        self.commitments: list[uuid.UUID] = []
        self.resolutions: list[uuid.UUID] = []
        self.keys = 0

    @staticmethod
    def _pick(ids: list[uuid.UUID], index: int) -> uuid.UUID | None:
        return ids[index % len(ids)] if ids else None

    async def _step(self, name: str, *args: Any) -> None:
        maker, approver, officer = self.staff.maker, self.staff.approver_actor, self.staff.officer_actor
        session, line_id = self.session, self.line.id
        if name == "commit":
            commitment = await services.request_commitment(
                session, maker, budget_line_id=line_id, amount=args[0], description="c"
            )
            self.commitments.append(commitment.id)
        elif name == "spend_directly":
            resolution = await services.request_expenditure_resolution(
                session, maker, budget_line_id=line_id, amount=args[0], payee_name="p", description="d"
            )
            self.resolutions.append(resolution.id)
        elif name == "allocate":
            await self.world.allocate(self.line, args[0])
        elif name.endswith("_commitment") and (picked := self._pick(self.commitments, args[0])):
            if name == "cancel_commitment":
                await services.cancel_commitment(session, maker, picked)
            else:
                await services.decide_commitment(
                    session, approver, picked, approve=name.startswith("approve")
                )
        elif name == "resolve" and (picked := self._pick(self.commitments, args[0])):
            resolution = await services.request_expenditure_resolution(
                session, maker, commitment_id=picked, amount=args[1], payee_name="p", description="d"
            )
            self.resolutions.append(resolution.id)
        elif name.endswith("_resolution") and (picked := self._pick(self.resolutions, args[0])):
            await services.decide_expenditure_resolution(
                session, approver, picked, approve=name.startswith("approve")
            )
        elif name == "pay" and (picked := self._pick(self.resolutions, args[0])):
            self.keys += 1
            order, _ = await services.create_payment_order(
                session, maker, resolution_id=picked, idempotency_key=f"prop-{self.keys:08d}"
            )
            await services.decide_payment_order(session, approver, order.id, approve=True)
            await services.record_payment(session, officer, order.id)
        elif name == "order" and (picked := self._pick(self.resolutions, args[0])):
            self.keys += 1
            await services.create_payment_order(
                session, maker, resolution_id=picked, idempotency_key=f"prop-{self.keys:08d}"
            )

    async def apply(self, name: str, *args: Any) -> None:
        savepoint = await self.session.begin_nested()
        try:
            await self._step(name, *args)
        except DomainError:
            await savepoint.rollback()
        else:
            await savepoint.commit()

    async def check_line(self) -> None:
        session = self.session
        line = await session.scalar(
            select(BudgetLine).where(BudgetLine.id == self.line.id).execution_options(populate_existing=True)
        )
        assert line is not None
        assert (
            line.committed_amount + line.spent_uncommitted_amount
            <= line.allocated_amount
            <= line.budget_amount
        )
        assert line.paid_amount <= line.committed_amount + line.spent_uncommitted_amount
        committed = await session.scalar(
            select(func.coalesce(func.sum(Commitment.amount), 0)).where(
                Commitment.budget_line_id == line.id, Commitment.status.in_(OPEN)
            )
        )
        direct = await session.scalar(
            select(func.coalesce(func.sum(ExpenditureResolution.amount), 0)).where(
                ExpenditureResolution.budget_line_id == line.id,
                ExpenditureResolution.commitment_id.is_(None),
                ExpenditureResolution.status.in_(OPEN),
            )
        )
        paid = await session.scalar(
            select(func.coalesce(func.sum(PaymentOrder.amount), 0))
            .join(ExpenditureResolution, ExpenditureResolution.id == PaymentOrder.resolution_id)
            .where(
                ExpenditureResolution.budget_line_id == line.id,
                PaymentOrder.status == PaymentOrderStatus.PAID,
            )
        )
        assert (line.committed_amount, line.spent_uncommitted_amount, line.paid_amount) == (
            committed,
            direct,
            paid,
        )
        for commitment_id in self.commitments:
            commitment = await session.get(Commitment, commitment_id)
            assert commitment is not None
            resolved = await session.scalar(
                select(func.coalesce(func.sum(ExpenditureResolution.amount), 0)).where(
                    ExpenditureResolution.commitment_id == commitment_id,
                    ExpenditureResolution.status.in_(OPEN),
                )
            )
            assert resolved <= commitment.amount


async def _unbalanced_entries(session: AsyncSession) -> list[Any]:
    sums = (
        select(JournalLine.entry_id)
        .group_by(JournalLine.entry_id)
        .having(func.sum(JournalLine.debit) != func.sum(JournalLine.credit))
    )
    empty = select(JournalEntry.id).where(
        ~select(JournalLine.id).where(JournalLine.entry_id == JournalEntry.id).exists()
    )
    return list((await session.scalars(sums.union(empty))).all())


class TestBooksAlwaysHold:
    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(steps=operations)
    async def test_any_sequence_of_operations(
        self, session: AsyncSession, staff: Staff, steps: list[Any]
    ) -> None:
        example = await session.begin_nested()
        try:
            world = FinanceWorld(session, staff)
            line = await world.line(budget=2_000, allocated=1_000, group=ObjectGroup.PERSONNEL)
            books = Books(world, line)
            for name, *args in steps:
                await books.apply(name, *args)
                await books.check_line()
            assert await _unbalanced_entries(session) == []
            posted = await session.scalar(select(func.count()).select_from(JournalEntry))
            approved = await session.scalar(
                select(func.count())
                .select_from(ExpenditureResolution)
                .where(ExpenditureResolution.status == ApprovalStatus.APPROVED)
            )
            paid = await session.scalar(
                select(func.count())
                .select_from(PaymentOrder)
                .where(PaymentOrder.status == PaymentOrderStatus.PAID)
            )
            assert posted == approved + paid
            pending = await session.scalar(
                select(func.count())
                .select_from(PaymentOrder)
                .where(PaymentOrder.status.in_(PENDING_PAYMENT_STATUSES))
            )
            counted = await count_pending_payment_orders(session)
            assert len(counted) == 243
            assert counted[line.government_code] == pending
            assert sum(counted.values()) == pending
        finally:
            await example.rollback()
