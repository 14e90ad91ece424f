"""Receipts under real concurrency: PostgreSQL, one committed transaction per bank notification.

Like ``test_concurrency.py`` this commits its own data, for a government no other test uses, and
deletes it afterwards.
"""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.finance import models
from app.finance import services as finance_services
from app.finance.revenue import services
from app.finance.revenue.models import (
    Assessment,
    AssessmentAdjustment,
    AssessmentStatus,
    PayerKind,
    Receipt,
    ReceiptChannel,
    Refund,
    RevenueItem,
    RevenueKind,
)
from tests.conftest import Accounts
from tests.finance.conftest import FISCAL_YEAR, Staff, committing_sessions, make_staff
from tests.finance.test_revenue import cheap_password_hashing  # noqa: F401 - autouse fixture

pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("backend", ["postgresql"], indirect=True)]

GOVERNMENT = "48890"  # 합천군: used by no other test
NOTIFICATIONS = 20
DUE = 100_000


committing = committing_sessions(
    GOVERNMENT,
    Refund,
    Receipt,
    AssessmentAdjustment,
    Assessment,
    RevenueItem,
    models.JournalEntry,
    models.FinanceAccount,
    models.FiscalYear,
)


async def _resolved_assessment(session: AsyncSession) -> tuple[Staff, Assessment]:
    staff = await make_staff(Accounts(session), GOVERNMENT)
    officer = staff.officer_actor
    year = await finance_services.create_fiscal_year(session, officer, year=FISCAL_YEAR)
    account = await finance_services.create_account(
        session, officer, code="100", name="일반회계", kind=models.FundKind.GENERAL
    )
    item = await services.create_revenue_item(
        session,
        officer,
        fiscal_year_id=year.id,
        account_id=account.id,
        kind=RevenueKind.LOCAL_TAX,
        code="110-01",
        name="재산세",
        budget_amount=10 * DUE,
    )
    assessment = await services.create_assessment(
        session,
        staff.maker,
        item_id=item.id,
        payer_kind=PayerKind.PERSON,
        payer_name="홍길동",
        payer_number="900101-1234567",
        description="재산세 1기분",
        amount=DUE,
        assessed_on=date(FISCAL_YEAR, 7, 1),
        due_date=date(FISCAL_YEAR, 7, 31),
    )
    await services.resolve_collection(session, officer, assessment.id)
    return staff, assessment


async def _ledger(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(models.JournalLine.account, func.sum(models.JournalLine.debit - models.JournalLine.credit))
        .join(models.JournalEntry, models.JournalEntry.id == models.JournalLine.entry_id)
        .where(models.JournalEntry.government_code == GOVERNMENT)
        .group_by(models.JournalLine.account)
    )
    return {str(account): int(balance) for account, balance in rows}


class TestConcurrentReceipts:
    async def test_twenty_payments_at_once_never_collect_more_than_is_due(
        self, committing: async_sessionmaker[AsyncSession], backend: str
    ) -> None:
        assert backend == "postgresql"
        async with committing() as session, session.begin():
            staff, assessment = await _resolved_assessment(session)

        async def pay(number: int) -> None:
            async with committing() as session, session.begin():
                await services.record_receipt(
                    session,
                    staff.officer_actor,
                    assessment_id=assessment.id,
                    amount=DUE // 10,
                    received_on=date(FISCAL_YEAR, 7, 20),
                    channel=ReceiptChannel.VIRTUAL_ACCOUNT,
                    reference=f"HAPCHEON-{number:04d}",
                )

        outcomes = await asyncio.gather(*(pay(n) for n in range(NOTIFICATIONS)), return_exceptions=True)

        assert [o for o in outcomes if o is not None] == []
        async with committing() as session:
            stored = await session.get(Assessment, assessment.id)
            assert stored is not None
            assert (stored.status, stored.collected_amount, stored.overpaid_amount) == (
                AssessmentStatus.PAID,
                DUE,
                DUE,  # the other ten payments wait in deposits received, each booked once
            )
            applied = await session.scalar(
                select(func.sum(Receipt.applied_amount)).where(Receipt.assessment_id == assessment.id)
            )
            assert applied == DUE
            assert await _ledger(session) == {
                "cash": 2 * DUE,
                "tax_receivable": 0,
                "deposits_received": -DUE,
                "tax_revenue": -DUE,
            }

    async def test_a_bank_notification_delivered_twenty_times_posts_once(
        self, committing: async_sessionmaker[AsyncSession], backend: str
    ) -> None:
        assert backend == "postgresql"
        async with committing() as session, session.begin():
            staff, assessment = await _resolved_assessment(session)

        async def deliver() -> tuple[object, bool]:
            async with committing() as session, session.begin():
                receipt, created = await services.record_receipt(
                    session,
                    staff.officer_actor,
                    assessment_id=assessment.id,
                    amount=DUE + 50_000,
                    received_on=date(FISCAL_YEAR, 7, 20),
                    channel=ReceiptChannel.BANK_COUNTER,
                    reference="HAPCHEON-NH-0001",
                )
                return receipt.id, created

        outcomes = await asyncio.gather(*(deliver() for _ in range(NOTIFICATIONS)))

        assert len({receipt_id for receipt_id, _ in outcomes}) == 1
        assert sum(created for _, created in outcomes) == 1
        async with committing() as session:
            stored = await session.get(Assessment, assessment.id)
            assert stored is not None
            assert (stored.collected_amount, stored.overpaid_amount) == (DUE, 50_000)
            assert await _ledger(session) == {
                "cash": DUE + 50_000,
                "tax_receivable": 0,
                "deposits_received": -50_000,
                "tax_revenue": -DUE,
            }
