"""Depreciation under real concurrency: PostgreSQL, one committed transaction per request.

Several officers' clicks on "run depreciation" for the same period, and a monthly and a yearly run at
once, must charge every month exactly once: the government's register lock makes them wait for one
another, and the later ones find the period run (or the months charged) and post nothing more.
The test commits its own data for a government no other test uses and deletes it afterwards.
"""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.finance.assets import services
from app.finance.assets.models import (
    DepreciationRun,
    FundingSource,
    PropertyKind,
    PropertyMovement,
    PublicProperty,
)
from app.finance.models import JournalEntry
from app.platform.auth.models import Role
from app.platform.auth.services import actor_for
from app.platform.tenancy import Actor
from tests.conftest import Accounts
from tests.finance.conftest import committing_sessions

pytestmark = [pytest.mark.postgres, pytest.mark.parametrize("backend", ["postgresql"], indirect=True)]

GOVERNMENT = "47930"  # 울진군: used by no other test
CLICKS = 6


committing = committing_sessions(
    GOVERNMENT,
    PropertyMovement,
    DepreciationRun,
    PublicProperty,
    JournalEntry,
)


async def _run(
    sessions: async_sessionmaker[AsyncSession], officer: Actor, month: int | None
) -> tuple[DepreciationRun, bool]:
    async with sessions() as session, session.begin():
        return await services.run_depreciation(session, officer, year=2025, month=month)


class TestConcurrentDepreciation:
    async def test_the_same_period_clicked_at_once_posts_once_and_runs_never_overlap(
        self, committing: async_sessionmaker[AsyncSession], backend: str
    ) -> None:
        assert backend == "postgresql"
        async with committing() as session, session.begin():
            officer = actor_for((await Accounts(session).make(Role.FINANCE_OFFICER, GOVERNMENT)).user)
            for number in range(3):
                await services.register_property(
                    session,
                    officer,
                    kind=PropertyKind.EQUIPMENT,
                    name=f"장비 {number}",
                    location="울진군청",
                    department="재무과",
                    acquired_on=date(2025, 1, 2),
                    cost=1_200_000,
                    funding=FundingSource.CASH,
                    useful_life_years=1,
                )
        results = await asyncio.gather(*(_run(committing, officer, 6) for _ in range(CLICKS)))
        assert sorted(created for _, created in results) == [False] * (CLICKS - 1) + [True]
        assert len({run.id for run, _ in results}) == 1
        assert results[0][0].total_amount == 3 * 600_000  # January to June

        mixed = await asyncio.gather(_run(committing, officer, 9), _run(committing, officer, None))
        assert all(created for _, created in mixed)
        async with committing() as session:
            charged = await session.scalar(
                select(func.sum(PublicProperty.accumulated_depreciation)).where(
                    PublicProperty.government_code == GOVERNMENT
                )
            )
            runs = await session.scalar(
                select(func.count())
                .select_from(DepreciationRun)
                .where(DepreciationRun.government_code == GOVERNMENT)
            )
            posted = await session.scalar(
                select(func.count())
                .select_from(JournalEntry)
                .where(
                    JournalEntry.government_code == GOVERNMENT, JournalEntry.source_type == "depreciation_run"
                )
            )
        assert charged == 3 * 1_200_000  # twelve months each, whichever of the two ran first
        assert sum(run.total_amount for run, _ in mixed) == 3 * 600_000
        assert runs == 3
        assert posted == 1 + sum(
            1 for run, _ in mixed if run.total_amount
        )  # a run that found nothing posts nothing
