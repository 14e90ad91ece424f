"""Property: whatever is posted, the statements balance and reconcile with the trial balance.

Hypothesis generates journal entries over several fiscal years and accounts of every statement
section (and, second, sequences of asset, bond and holding operations through the services). For
every year, the balance sheet's assets equal its liabilities plus net assets, its accounts equal
the trial balances of the years through it, and the year's surplus is the operating statement's,
whose revenues and expenses are the trial balance's.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession

from app.finance import services as finance_services
from app.finance.assets import services
from app.finance.assets.models import (
    DisposalKind,
    FundingSource,
    HoldingKind,
    HoldingMovementKind,
    PropertyKind,
    RepaymentMethod,
)
from app.finance.assets.statements import balance_sheet, operating_statement
from app.finance.models import LedgerAccount, LedgerCategory
from app.platform.auth.models import Role
from app.platform.auth.services import actor_for
from app.platform.errors import DomainError
from app.platform.tenancy import Actor
from tests.conftest import Accounts

YEARS = (2023, 2024, 2025)
amounts = st.integers(min_value=1, max_value=10**12)
entries = st.lists(
    st.tuples(
        st.sampled_from(YEARS),
        st.lists(st.tuples(st.sampled_from(list(LedgerAccount)), amounts), min_size=1, max_size=4),
        st.sampled_from(list(LedgerAccount)),
    ),
    min_size=0,
    max_size=12,
)
"""Entries ``(year, [(debited account, amount), …], credited account)``: the credit is the debits' sum."""

FAST = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
async def officer(accounts: Accounts) -> Actor:
    return actor_for((await accounts.make(Role.FINANCE_OFFICER, "11110")).user)


async def check_statements(session: AsyncSession, officer: Actor) -> None:
    """The identities every statement of every year must satisfy."""
    cumulative: dict[LedgerAccount, int] = {}
    for year in (*YEARS, YEARS[-1] + 1):
        trial = await finance_services.trial_balance(session, officer, fiscal_year=year)
        for row in trial:
            cumulative[row.account] = cumulative.get(row.account, 0) + row.balance
        sheet = await balance_sheet(session, officer, fiscal_year=year)
        statement = await operating_statement(session, officer, fiscal_year=year)
        assert sheet.total_assets == sheet.total_liabilities + sheet.total_net_assets
        assert sheet.surplus == statement.surplus
        assert {row.account: row.amount for row in sheet.assets} == {
            a: b for a, b in cumulative.items() if a.category is LedgerCategory.ASSET and b
        }
        assert {row.account: -row.amount for row in sheet.liabilities} == {
            a: b for a, b in cumulative.items() if a.category is LedgerCategory.LIABILITY and b
        }
        assert sheet.basic_net_assets == -cumulative.get(LedgerAccount.NET_ASSETS, 0)
        year_rows = {row.account: row.balance for row in trial}
        assert statement.total_revenue == -sum(
            b for a, b in year_rows.items() if a.category is LedgerCategory.REVENUE
        )
        assert statement.total_expense == sum(
            b for a, b in year_rows.items() if a.category is LedgerCategory.EXPENSE
        )
        assert sheet.prior_surplus + sheet.surplus == -sum(
            b for a, b in cumulative.items() if a.category in (LedgerCategory.REVENUE, LedgerCategory.EXPENSE)
        )


class TestStatementsAlwaysBalance:
    @FAST
    @given(posted=entries)
    async def test_any_journal_postings(
        self,
        session: AsyncSession,
        officer: Actor,
        posted: list[tuple[int, list[tuple[LedgerAccount, int]], LedgerAccount]],
    ) -> None:
        example = await session.begin_nested()
        try:
            for year, debits, credited in posted:
                await finance_services.post_journal_entry(
                    session,
                    officer,
                    government_code="11110",
                    fiscal_year=year,
                    description="property test",
                    source_type="property_test",
                    source_id=uuid.uuid4(),
                    postings=[
                        *(finance_services.Posting(account, debit=amount) for account, amount in debits),
                        finance_services.Posting(credited, credit=sum(amount for _, amount in debits)),
                    ],
                )
            await check_statements(session, officer)
        finally:
            await example.rollback()

    @FAST
    @given(
        steps=st.lists(
            st.one_of(
                st.tuples(
                    st.just("register"), st.sampled_from(list(PropertyKind)), amounts, st.sampled_from(YEARS)
                ),
                st.tuples(st.just("depreciate"), st.sampled_from(YEARS), st.none() | st.integers(1, 12)),
                st.tuples(
                    st.just("dispose"), st.integers(0, 9), st.integers(0, 10**12), st.sampled_from(YEARS)
                ),
                st.tuples(st.just("bond"), amounts, st.integers(0, 9000)),
                st.tuples(st.just("repay"), st.integers(0, 9)),
                st.tuples(st.just("holding"), st.sampled_from(list(HoldingKind)), amounts),
                st.tuples(st.just("redeem"), st.integers(0, 9), amounts, amounts),
            ),
            max_size=10,
        )
    )
    async def test_any_sequence_of_asset_operations(
        self, session: AsyncSession, officer: Actor, steps: list[tuple[Any, ...]]
    ) -> None:
        example = await session.begin_nested()
        properties: list[uuid.UUID] = []
        bonds: list[uuid.UUID] = []
        holdings: list[uuid.UUID] = []
        try:
            for name, *args in steps:
                savepoint = await session.begin_nested()
                try:
                    await _apply(session, officer, name, args, properties, bonds, holdings)
                    await savepoint.commit()
                except DomainError:
                    await savepoint.rollback()
            await check_statements(session, officer)
        finally:
            await example.rollback()


async def _apply(
    session: AsyncSession,
    officer: Actor,
    name: str,
    args: list[Any],
    properties: list[uuid.UUID],
    bonds: list[uuid.UUID],
    holdings: list[uuid.UUID],
) -> None:
    def pick(ids: list[uuid.UUID], index: int) -> uuid.UUID:
        return ids[index % len(ids)] if ids else uuid.uuid4()

    if name == "register":
        kind, cost, year = args
        item = await services.register_property(
            session,
            officer,
            kind=kind,
            name="재산",
            location="종로",
            department="총무과",
            acquired_on=date(year, 3, 15),
            cost=cost,
            funding=FundingSource.CASH,
            useful_life_years=None if kind is PropertyKind.LAND else 2,
        )
        properties.append(item.id)
    elif name == "depreciate":
        await services.run_depreciation(session, officer, year=args[0], month=args[1])
    elif name == "dispose":
        index, proceeds, year = args
        await services.dispose_property(
            session,
            officer,
            pick(properties, index),
            kind=DisposalKind.SALE if proceeds else DisposalKind.WRITE_OFF,
            disposed_on=date(year, 12, 31),
            proceeds=proceeds,
        )
    elif name == "bond":
        principal, rate = args
        bond, _ = await services.issue_bond(
            session,
            officer,
            name="지방채",
            lender="기금",
            purpose="사업",
            principal=principal,
            rate_milli_percent=rate,
            issued_on=date(2023, 6, 30),
            term_years=2,
            grace_years=0,
            payments_per_year=2,
            method=RepaymentMethod.EQUAL_INSTALMENT,
        )
        bonds.append(bond.id)
    elif name == "repay":
        bond, schedule = await services.get_bond(session, officer, pick(bonds, args[0]))
        unpaid = [i for i in schedule if i.paid_on is None]
        if unpaid:
            await services.repay_instalment(
                session, officer, bond.id, unpaid[0].number, paid_on=unpaid[0].due_on
            )
    elif name == "holding":
        kind, amount = args
        holding = await services.create_holding(
            session,
            officer,
            kind=kind,
            name="보유",
            institution="기관",
            amount=amount,
            acquired_on=date(2024, 1, 2),
        )
        holdings.append(holding.id)
    elif name == "redeem":
        index, amount, proceeds = args
        await services.move_holding(
            session,
            officer,
            pick(holdings, index),
            kind=HoldingMovementKind.REDEEM,
            amount=amount,
            proceeds=proceeds,
            occurred_on=date(2025, 6, 30),
        )
