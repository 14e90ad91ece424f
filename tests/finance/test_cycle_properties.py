"""Property: whatever mix of commitments, payments, allocations and transfers (전용/이용) is requested
and decided, no line ever has more paid than committed and spent, more committed and spent than
allocated, nor more allocated than budgeted, and transfers only move budget — the government's total
budget stays what the council approved.

Hypothesis generates the sequences; each operation runs in its own savepoint, as a request runs in
its own transaction, so a refused one leaves nothing behind.
"""

from __future__ import annotations

import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.finance import services
from app.finance.cycle import services as cycle
from app.finance.cycle.models import BudgetTransfer, TransferKind
from app.finance.models import ApprovalStatus, BudgetLine
from app.platform.errors import DomainError
from tests.finance.conftest import Staff
from tests.finance.test_cycle import CycleWorld, cheap_password_hashing  # noqa: F401 - autouse fixture

LINES = 3
amounts = st.integers(min_value=1, max_value=700)
lines = st.integers(min_value=0, max_value=LINES - 1)
picks = st.integers(min_value=0, max_value=30)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("commit"), lines, amounts),
        st.tuples(st.just("allocate"), lines, amounts),
        st.tuples(st.just("pay"), lines, amounts),
        st.tuples(st.just("cancel_commitment"), picks),
        st.tuples(st.just("transfer"), lines, lines, amounts),
        st.tuples(st.sampled_from(["approve_transfer", "reject_transfer", "cancel_transfer"]), picks),
    ),
    min_size=1,
    max_size=20,
)


class Budget:
    """Applies generated operations through the services, one savepoint each."""

    def __init__(self, world: CycleWorld, lines: list[BudgetLine], policies: list[str]) -> None:
        self.world = world
        self.session = world.session
        self.lines = lines
        self.policies = policies
        self.commitments: list[uuid.UUID] = []
        self.transfers: list[uuid.UUID] = []
        self.orders = 0

    @staticmethod
    def _pick(ids: list[uuid.UUID], index: int) -> uuid.UUID | None:
        return ids[index % len(ids)] if ids else None

    async def _step(self, name: str, *args: Any) -> None:
        maker, approver = self.world.staff.maker, self.world.staff.approver_actor
        if name == "commit":
            commitment = await services.request_commitment(
                self.session, maker, budget_line_id=self.lines[args[0]].id, amount=args[1], description="c"
            )
            self.commitments.append(commitment.id)
        elif name == "pay":
            await self._pay(self.lines[args[0]].id, args[1])
        elif name == "allocate":
            await self.world.allocate(self.lines[args[0]], args[1])
        elif name == "cancel_commitment" and (picked := self._pick(self.commitments, args[0])):
            await services.cancel_commitment(self.session, maker, picked)
        elif name == "transfer":
            source, target = args[0], args[1]
            same_policy = self.policies[source] == self.policies[target]
            requested = await cycle.request_transfer(
                self.session,
                maker,
                source_line_id=self.lines[source].id,
                target_line_id=self.lines[target].id,
                amount=args[2],
                kind=TransferKind.WITHIN_POLICY if same_policy else TransferKind.BETWEEN_POLICIES,
                legal_basis="지방재정법 제49조",
                basis_reference="" if same_policy else "제330회 의결",
                reason="r",
            )
            self.transfers.append(requested.id)
        elif name.endswith("_transfer") and (picked := self._pick(self.transfers, args[0])):
            if name == "cancel_transfer":
                await cycle.cancel_transfer(self.session, maker, picked)
            else:
                await cycle.decide_transfer(
                    self.session, approver, picked, approve=name.startswith("approve")
                )

    async def _pay(self, line_id: uuid.UUID, amount: int) -> None:
        """Spend without commitment and pay it: resolution, approval, payment order, approval, payment."""
        maker, approver = self.world.staff.maker, self.world.staff.approver_actor
        resolution = await services.request_expenditure_resolution(
            self.session, maker, budget_line_id=line_id, amount=amount, payee_name="p", description="d"
        )
        await services.decide_expenditure_resolution(self.session, approver, resolution.id, approve=True)
        self.orders += 1
        order, _ = await services.create_payment_order(
            self.session, maker, resolution_id=resolution.id, idempotency_key=f"cycle-prop-{self.orders:08d}"
        )
        await services.decide_payment_order(self.session, approver, order.id, approve=True)
        await services.record_payment(self.session, self.world.staff.officer_actor, order.id)

    async def apply(self, name: str, *args: Any) -> None:
        savepoint = await self.session.begin_nested()
        try:
            await self._step(name, *args)
        except DomainError:
            await savepoint.rollback()
        else:
            await savepoint.commit()

    async def stored_lines(self) -> list[BudgetLine]:
        rows = await self.session.scalars(
            select(BudgetLine)
            .where(BudgetLine.id.in_([line.id for line in self.lines]))
            .execution_options(populate_existing=True)
        )
        return list(rows.all())

    async def moved_to(self, line_id: uuid.UUID, column: Any) -> int:
        return int(
            await self.session.scalar(
                select(func.coalesce(func.sum(BudgetTransfer.amount), 0)).where(
                    column == line_id, BudgetTransfer.status == ApprovalStatus.APPROVED
                )
            )
            or 0
        )


class TestTransfersKeepTheBooks:
    @settings(
        max_examples=15,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(steps=operations)
    async def test_any_sequence_of_commitments_and_transfers(
        self, session: AsyncSession, staff: Staff, steps: list[Any]
    ) -> None:
        example = await session.begin_nested()
        try:
            world = CycleWorld(session, staff)
            budgets = [1_000, 800, 600]
            made = [
                await world.line(budget=budgets[0], allocated=500),
                await world.line(budget=budgets[1], allocated=800),
                await world.other_policy_line(budget=budgets[2], allocated=100),
            ]
            book = Budget(world, made, ["P1", "P1", "P2"])
            for name, *args in steps:
                await book.apply(name, *args)
                stored = await book.stored_lines()
                for line in stored:
                    assert line.paid_amount <= line.committed_amount + line.spent_uncommitted_amount
                    assert (
                        line.committed_amount + line.spent_uncommitted_amount
                        <= line.allocated_amount
                        <= line.budget_amount
                    )
                assert sum(line.budget_amount for line in stored) == sum(budgets)
            for line, budget in zip(made, budgets, strict=True):
                incoming = await book.moved_to(line.id, BudgetTransfer.target_line_id)
                outgoing = await book.moved_to(line.id, BudgetTransfer.source_line_id)
                stored_line = next(x for x in await book.stored_lines() if x.id == line.id)
                assert stored_line.budget_amount == budget + incoming - outgoing
        finally:
            await example.rollback()
