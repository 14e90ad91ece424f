"""The chart of accounts is reference data the database enforces, and it matches the code's chart."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.finance.models import (
    LEDGER_CHART,
    JournalEntry,
    JournalLine,
    LedgerAccount,
    LedgerAccountEntry,
    LedgerCategory,
)
from app.platform.db import utcnow


async def test_the_database_chart_is_the_code_chart(session: AsyncSession) -> None:
    rows = (await session.execute(select(LedgerAccountEntry))).scalars().all()
    assert {row.code: (row.category, row.debit_normal) for row in rows} == {
        str(account): value for account, value in LEDGER_CHART.items()
    }
    assert set(LEDGER_CHART) == set(LedgerAccount)


def test_contra_and_normal_sides() -> None:
    assert LedgerAccount.ACCUMULATED_DEPRECIATION.category is LedgerCategory.ASSET
    assert not LedgerAccount.ACCUMULATED_DEPRECIATION.debit_normal
    assert LedgerAccount.BORROWINGS.category is LedgerCategory.LIABILITY
    assert LedgerAccount.INTEREST_EXPENSE.debit_normal


async def test_a_journal_line_cannot_name_an_account_outside_the_chart(session: AsyncSession) -> None:
    entry = JournalEntry(
        government_code="11110",
        fiscal_year=2026,
        posted_at=utcnow(),
        description="chart test",
        source_type="test",
        source_id=uuid.uuid4(),
    )
    session.add(entry)
    await session.flush()
    with pytest.raises(IntegrityError):
        async with session.begin_nested():
            await session.execute(
                insert(JournalLine.__table__).values(
                    entry_id=entry.id, account="petty_cash", debit=1, credit=0
                )
            )
