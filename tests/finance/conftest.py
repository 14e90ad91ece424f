"""Finance fixtures: staff of a government and budget lines built through the services themselves."""

from __future__ import annotations

import itertools
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.finance import services
from app.finance.models import (
    Allocation,
    BudgetLine,
    BudgetVersion,
    BudgetVersionLine,
    Commitment,
    Contract,
    ContractMilestone,
    ExpenditureResolution,
    FinanceAccount,
    FiscalYear,
    FundKind,
    JournalEntry,
    ObjectGroup,
    PaymentOrder,
    Programme,
    ProgrammeLevel,
)
from app.platform.audit import AuditEvent
from app.platform.auth.models import AuthToken, Role, User
from app.platform.auth.services import actor_for
from app.platform.tenancy import Actor
from tests.conftest import Account, Accounts

FISCAL_YEAR = 2026


@dataclass(frozen=True, slots=True)
class Staff:
    """The people of one government's finance office."""

    official: Account
    officer: Account
    approver: Account
    second_approver: Account

    @property
    def maker(self) -> Actor:
        return actor_for(self.official.user)

    @property
    def officer_actor(self) -> Actor:
        return actor_for(self.officer.user)

    @property
    def approver_actor(self) -> Actor:
        return actor_for(self.approver.user)


class FinanceWorld:
    """Builds budget lines of one government the way officials do: structure, council, allocation."""

    def __init__(self, session: AsyncSession, staff: Staff) -> None:
        self.session = session
        self.staff = staff
        self._codes = itertools.count(1)
        self._year: FiscalYear | None = None
        self._account: FinanceAccount | None = None
        self._detail: Programme | None = None

    async def fiscal_year(self) -> FiscalYear:
        if self._year is None:
            self._year = await services.create_fiscal_year(
                self.session, self.staff.officer_actor, year=FISCAL_YEAR
            )
        return self._year

    async def detail_programme(self) -> Programme:
        if self._detail is None:
            officer = self.staff.officer_actor
            year = await self.fiscal_year()
            self._account = await services.create_account(
                self.session, officer, code="100", name="일반회계", kind=FundKind.GENERAL
            )
            parent: Programme | None = None
            for level, code, name in [
                (ProgrammeLevel.FIELD, "010", "일반공공행정"),
                (ProgrammeLevel.SECTOR, "011", "입법및선거관리"),
                (ProgrammeLevel.POLICY, "P1", "행정역량 강화"),
                (ProgrammeLevel.UNIT, "U1", "청사 관리"),
                (ProgrammeLevel.DETAIL, "D1", "청사 시설물 유지보수"),
            ]:
                parent = await services.create_programme(
                    self.session,
                    officer,
                    fiscal_year_id=year.id,
                    level=level,
                    code=code,
                    name=name,
                    parent_id=parent.id if parent else None,
                )
            assert parent is not None
            self._detail = parent
        return self._detail

    async def empty_line(self, group: ObjectGroup = ObjectGroup.GOODS) -> BudgetLine:
        detail = await self.detail_programme()
        assert self._account is not None
        number = next(self._codes)
        return await services.create_budget_line(
            self.session,
            self.staff.officer_actor,
            programme_id=detail.id,
            account_id=self._account.id,
            object_group=group,
            object_code="201",
            object_name="일반운영비",
            statistics_code=f"201-{number:02d}",
            statistics_name=f"사무관리비 {number}",
        )

    async def approve_budget(self, amounts: dict[BudgetLine, int]) -> None:
        year = await self.fiscal_year()
        version = await services.create_budget_version(
            self.session,
            self.staff.maker,
            fiscal_year_id=year.id,
            title="예산",
            amounts=[services.VersionAmount(line.id, amount) for line, amount in amounts.items()],
        )
        await services.submit_budget_version(self.session, self.staff.maker, version.id)
        await services.approve_budget_version(
            self.session, self.staff.approver_actor, version.id, council_resolution="제1회 의결"
        )

    async def allocate(self, line: BudgetLine, amount: int) -> None:
        allocation = await services.request_allocation(
            self.session, self.staff.maker, budget_line_id=line.id, quarter=1, amount=amount
        )
        await services.decide_allocation(self.session, self.staff.approver_actor, allocation.id, approve=True)

    async def line(
        self, *, budget: int, allocated: int, group: ObjectGroup = ObjectGroup.GOODS
    ) -> BudgetLine:
        """A line the council gave ``budget`` of which ``allocated`` is released."""
        line = await self.empty_line(group)
        await self.approve_budget({line: budget})
        if allocated:
            await self.allocate(line, allocated)
        return line


async def make_staff(accounts: Accounts, government_code: str) -> Staff:
    """An official, a finance officer and two approvers of ``government_code``."""
    return Staff(
        official=await accounts.make(Role.OFFICIAL, government_code),
        officer=await accounts.make(Role.FINANCE_OFFICER, government_code),
        approver=await accounts.make(Role.APPROVER, government_code),
        second_approver=await accounts.make(Role.APPROVER, government_code),
    )


@pytest.fixture
async def staff(accounts: Accounts) -> Staff:
    """Finance staff of 종로구 (11110)."""
    return await make_staff(accounts, "11110")


@pytest.fixture
def world(session: AsyncSession, staff: Staff) -> FinanceWorld:
    """Budget lines of 종로구."""
    return FinanceWorld(session, staff)


EXECUTION_TABLES = (
    PaymentOrder,
    ExpenditureResolution,
    Commitment,
    ContractMilestone,
    Allocation,
    Contract,
    BudgetVersionLine,
    BudgetVersion,
    BudgetLine,
    Programme,
    FinanceAccount,
    FiscalYear,
    JournalEntry,
)
"""The budget and execution tables a committing test may write, children before parents."""


async def delete_government_rows(
    session: AsyncSession, government_code: str, tables: tuple[Any, ...]
) -> None:
    """Remove what committing tests wrote for ``government_code``: ``tables`` children first, then its
    people and its audit chains (the audit trail refuses deletes by trigger; the replica role skips
    triggers for this clean-up only, and every chain of the government goes whole)."""
    for model in tables:
        if model is Programme:  # the hierarchy refers to itself: unlink it before deleting
            await session.execute(
                update(Programme).where(Programme.government_code == government_code).values(parent_id=None)
            )
        await session.execute(delete(model).where(model.government_code == government_code))
    users = select(User.id).where(User.government_code == government_code)
    await session.execute(delete(AuthToken).where(AuthToken.user_id.in_(users)))
    await session.execute(delete(User).where(User.government_code == government_code))
    await session.execute(text("SET LOCAL session_replication_role = replica"))
    await session.execute(delete(AuditEvent).where(AuditEvent.government_code == government_code))


def committing_sessions(
    government_code: str, *tables: Any, first: Callable[[AsyncSession], Awaitable[None]] | None = None
) -> Callable[..., Any]:
    """A ``committing`` fixture: sessions whose transactions really commit (PostgreSQL concurrency
    tests), with ``government_code``'s rows of ``tables`` removed before and after (``first`` removes
    rows that name no government, e.g. the lines of a batch, before that)."""

    async def clean(session: AsyncSession) -> None:
        if first is not None:
            await first(session)
        await delete_government_rows(session, government_code, tables)

    @pytest.fixture
    async def committing(engine: AsyncEngine) -> AsyncGenerator[async_sessionmaker[AsyncSession], None]:
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        async with sessions() as session, session.begin():
            await clean(session)
        try:
            yield sessions
        finally:
            async with sessions() as session, session.begin():
                await clean(session)

    return committing
