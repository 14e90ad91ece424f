"""Property: whatever is assessed, received, reduced, cancelled and refunded, in any order, the books hold.

Each generated operation runs in its own savepoint, as a request runs in its own transaction, so a
refused one leaves nothing behind. After every operation each assessment's running totals equal the
receipts and refunds behind them and stay within their bounds; at the end every journal entry
balances and the ledger says exactly what the assessments say: the receivable is what is
outstanding, deposits received what was overpaid and not refunded, revenue what is due plus what was
collected in error and not yet given back, cash what came in less what went out.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.finance.models import ApprovalStatus, JournalLine, LedgerAccount
from app.finance.revenue import services
from app.finance.revenue.models import (
    Assessment,
    PayerKind,
    Receipt,
    ReceiptChannel,
    Refund,
    RefundKind,
    RevenueKind,
)
from app.platform.errors import DomainError
from tests.finance.conftest import FISCAL_YEAR, FinanceWorld, Staff
from tests.finance.test_revenue import RevenueWorld, cheap_password_hashing  # noqa: F401 - autouse fixture

amounts = st.integers(min_value=1, max_value=500)
picks = st.integers(min_value=0, max_value=30)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("assess"), amounts),
        st.tuples(st.just("resolve"), picks),
        st.tuples(st.just("receive"), picks, amounts),
        st.tuples(st.just("reduce"), picks, amounts),
        st.tuples(st.just("cancel"), picks),
        st.tuples(st.just("refund"), picks, st.sampled_from(list(RefundKind)), amounts),
        st.tuples(st.sampled_from(["approve", "reject"]), picks),
    ),
    min_size=1,
    max_size=25,
)


class Revenue:
    """Applies generated operations through the services, one savepoint each."""

    def __init__(self, world: RevenueWorld, item_id: uuid.UUID) -> None:
        self.session = world.session
        self.staff = world.staff
        self.item_id = item_id
        self.assessments: list[uuid.UUID] = []
        self.refunds: list[uuid.UUID] = []
        self.references = 0

    @staticmethod
    def _pick(ids: list[uuid.UUID], index: int) -> uuid.UUID | None:
        return ids[index % len(ids)] if ids else None

    async def _step(self, name: str, *args: Any) -> None:
        maker, officer, approver = self.staff.maker, self.staff.officer_actor, self.staff.approver_actor
        session = self.session
        if name == "assess":
            assessment = await services.create_assessment(
                session,
                maker,
                item_id=self.item_id,
                payer_kind=PayerKind.PERSON,
                payer_name="홍길동",
                payer_number="900101-1234567",
                description="p",
                amount=args[0],
                assessed_on=date(FISCAL_YEAR, 1, 2),
                due_date=date(FISCAL_YEAR, 1, 31),
            )
            self.assessments.append(assessment.id)
            return
        if name in {"approve", "reject"}:
            if picked := self._pick(self.refunds, args[0]):
                await services.decide_refund(session, approver, picked, approve=name == "approve")
            return
        picked = self._pick(self.assessments, args[0])
        if picked is None:
            return
        if name == "resolve":
            await services.resolve_collection(session, officer, picked)
        elif name == "receive":
            self.references += 1
            await services.record_receipt(
                session,
                officer,
                assessment_id=picked,
                amount=args[1],
                received_on=date(FISCAL_YEAR, 2, 1),
                channel=ReceiptChannel.GIRO,
                reference=f"PROP-{self.references:06d}",
            )
        elif name == "reduce":
            await services.reduce_assessment(session, maker, picked, amount=args[1], reason="r")
        elif name == "cancel":
            await services.cancel_assessment(session, maker, picked, reason="c")
        elif name == "refund":
            refund = await services.request_refund(
                session, maker, assessment_id=picked, kind=args[1], amount=args[2], reason="f"
            )
            self.refunds.append(refund.id)

    async def apply(self, name: str, *args: Any) -> None:
        savepoint = await self.session.begin_nested()
        try:
            await self._step(name, *args)
        except DomainError:
            await savepoint.rollback()
        else:
            await savepoint.commit()

    async def assessments_now(self) -> list[Assessment]:
        rows = await self.session.scalars(
            select(Assessment)
            .where(Assessment.id.in_(self.assessments))
            .execution_options(populate_existing=True)
        )
        return list(rows.all())

    async def check_totals(self) -> None:
        for a in await self.assessments_now():
            assert 0 <= a.reduced_amount <= a.amount
            assert 0 <= a.collected_amount <= a.amount
            assert 0 <= a.refunded_overpaid_amount <= a.overpaid_amount
            assert a.erroneous_amount >= 0
            applied, overpaid = (
                await self.session.execute(
                    select(
                        func.coalesce(func.sum(Receipt.applied_amount), 0),
                        func.coalesce(func.sum(Receipt.overpaid_amount), 0),
                    ).where(Receipt.assessment_id == a.id)
                )
            ).one()
            assert (a.collected_amount, a.overpaid_amount) == (applied, overpaid)
            for kind, refunded in (
                (RefundKind.OVERPAYMENT, a.refunded_overpaid_amount),
                (RefundKind.ERRONEOUS_ASSESSMENT, a.refunded_erroneous_amount),
            ):
                approved = await self.session.scalar(
                    select(func.coalesce(func.sum(Refund.amount), 0)).where(
                        Refund.assessment_id == a.id,
                        Refund.kind == kind,
                        Refund.status == ApprovalStatus.APPROVED,
                    )
                )
                assert approved == refunded


async def _balances(session: AsyncSession) -> dict[LedgerAccount, int]:
    rows = await session.execute(
        select(JournalLine.account, func.sum(JournalLine.debit) - func.sum(JournalLine.credit)).group_by(
            JournalLine.account
        )
    )
    return {LedgerAccount(account): int(balance) for account, balance in rows}


class TestRevenueBooksAlwaysHold:
    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(steps=operations)
    async def test_any_sequence_of_operations(
        self, session: AsyncSession, staff: Staff, steps: list[Any]
    ) -> None:
        example = await session.begin_nested()
        try:
            item = await RevenueWorld(FinanceWorld(session, staff)).item(RevenueKind.LOCAL_TAX)
            revenue = Revenue(RevenueWorld(FinanceWorld(session, staff)), item.id)
            for name, *args in steps:
                await revenue.apply(name, *args)
                await revenue.check_totals()
            unbalanced = await session.scalars(
                select(JournalLine.entry_id)
                .group_by(JournalLine.entry_id)
                .having(func.sum(JournalLine.debit) != func.sum(JournalLine.credit))
            )
            assert unbalanced.all() == []
            assessments = await revenue.assessments_now()
            received = await session.scalar(select(func.coalesce(func.sum(Receipt.amount), 0)))
            refunded = await session.scalar(
                select(func.coalesce(func.sum(Refund.amount), 0)).where(
                    Refund.status == ApprovalStatus.APPROVED
                )
            )
            balances = await _balances(session)
            assert balances.get(LedgerAccount.CASH, 0) == received - refunded
            assert balances.get(LedgerAccount.TAX_RECEIVABLE, 0) == sum(
                a.outstanding_amount for a in assessments
            )
            assert balances.get(LedgerAccount.DEPOSITS_RECEIVED, 0) == -sum(
                a.unrefunded_overpaid_amount for a in assessments
            )
            assert balances.get(LedgerAccount.TAX_REVENUE, 0) == -sum(
                a.due_amount + a.erroneous_amount for a in assessments
            )
        finally:
            await example.rollback()
