"""The accrual statements read from the journal: 재정상태표 (balance sheet) and 재정운영표 (operating statement).

Both are sums of journal lines by ledger account, so they reconcile with the trial balance by
construction. The balance sheet of a fiscal year carries every year up to it: assets and liabilities
are balances, and net assets are the basic net assets posted to their account, the surpluses of the
years before, and the surplus (or deficit) of the year — which the operating statement shows. As
every journal entry balances, assets = liabilities + net assets holds for any sequence of postings.

``as_at`` reads the year's entries recorded up to the end of that day (Korean time); without it
the statements show everything posted to the year.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.finance.assets.services import KOREA
from app.finance.models import JournalEntry, JournalLine, LedgerAccount, LedgerCategory
from app.finance.services import _require_reader
from app.platform.errors import InvalidInputError
from app.platform.tenancy import Actor
from app.platform.web import N_

PROPERTY_ACCOUNTS = (
    LedgerAccount.FIXED_ASSETS,
    LedgerAccount.LAND,
    LedgerAccount.BUILDINGS,
    LedgerAccount.EQUIPMENT,
)


@dataclass(frozen=True, slots=True)
class StatementRow:
    """One account of a statement with its amount, in the sign the section is read in."""

    account: LedgerAccount
    amount: int


@dataclass(frozen=True, slots=True)
class BalanceSheet:
    """재정상태표 of one government at the end of a fiscal year (or as at a day of it)."""

    government_code: str
    fiscal_year: int
    as_at: date | None
    assets: list[StatementRow]
    liabilities: list[StatementRow]
    basic_net_assets: int
    prior_surplus: int
    surplus: int

    @property
    def total_assets(self) -> int:
        """Assets, property net of accumulated depreciation."""
        return sum(row.amount for row in self.assets)

    @property
    def total_liabilities(self) -> int:
        """Liabilities, local bonds included."""
        return sum(row.amount for row in self.liabilities)

    @property
    def total_net_assets(self) -> int:
        """Basic net assets plus the surpluses of every year through this one."""
        return self.basic_net_assets + self.prior_surplus + self.surplus

    @property
    def property_net(self) -> int:
        """Tangible property (land, buildings, equipment, capital expenditure) less accumulated depreciation."""
        return sum(
            row.amount
            for row in self.assets
            if row.account in PROPERTY_ACCOUNTS or row.account is LedgerAccount.ACCUMULATED_DEPRECIATION
        )


@dataclass(frozen=True, slots=True)
class OperatingStatement:
    """재정운영표 of one government's fiscal year: revenues less expenses by account."""

    government_code: str
    fiscal_year: int
    as_at: date | None
    revenues: list[StatementRow]
    expenses: list[StatementRow]

    @property
    def total_revenue(self) -> int:
        """All revenues of the year."""
        return sum(row.amount for row in self.revenues)

    @property
    def total_expense(self) -> int:
        """All expenses of the year."""
        return sum(row.amount for row in self.expenses)

    @property
    def surplus(self) -> int:
        """재정운영결과: revenues less expenses (negative: a deficit)."""
        return self.total_revenue - self.total_expense


def _government(actor: Actor, government_code: str | None) -> str:
    _require_reader(actor)
    code = government_code or actor.government_code
    if code is None:
        raise InvalidInputError("Name the government whose statements you want.")
    actor.require_access(code, "government's ledger")
    return code


def _cutoff(as_at: date) -> datetime:
    """The first moment (UTC) after the Korean day ``as_at``."""
    return datetime.combine(as_at + timedelta(days=1), datetime.min.time(), KOREA).astimezone(UTC)


async def _balances(
    session: AsyncSession, code: str, fiscal_year: int, as_at: date | None
) -> dict[tuple[LedgerAccount, bool], int]:
    """Debits less credits per (account, of this year?) for the years through ``fiscal_year``."""
    this_year = JournalEntry.fiscal_year == fiscal_year
    query = (
        select(
            JournalLine.account,
            this_year,
            func.sum(JournalLine.debit),
            func.sum(JournalLine.credit),
        )
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(JournalEntry.government_code == code, JournalEntry.fiscal_year <= fiscal_year)
        .group_by(JournalLine.account, this_year)
    )
    if as_at is not None:
        query = query.where(
            or_(JournalEntry.fiscal_year < fiscal_year, JournalEntry.posted_at < _cutoff(as_at))
        )
    return {
        (LedgerAccount(account), bool(current)): int(debit) - int(credit)
        for account, current, debit, credit in await session.execute(query)
    }


def _rows(balances: dict[LedgerAccount, int], category: LedgerCategory) -> list[StatementRow]:
    """The category's accounts with a balance, in chart order, read in the category's normal sign."""
    return [
        StatementRow(account, balances[account] if category.value in _DEBIT_SECTIONS else -balances[account])
        for account in LedgerAccount
        if account.category is category and balances.get(account)
    ]


_DEBIT_SECTIONS = frozenset({LedgerCategory.ASSET.value, LedgerCategory.EXPENSE.value})
"""Sections read as debits (assets, with accumulated depreciation negative; expenses); the rest as credits."""


async def operating_statement(
    session: AsyncSession,
    actor: Actor,
    *,
    fiscal_year: int,
    government_code: str | None = None,
    as_at: date | None = None,
) -> OperatingStatement:
    """재정운영표: the year's revenues and expenses by account. Officials get their own government's."""
    code = _government(actor, government_code)
    balances = await _balances(session, code, fiscal_year, as_at)
    current = {account: amount for (account, this_year), amount in balances.items() if this_year}
    return OperatingStatement(
        government_code=code,
        fiscal_year=fiscal_year,
        as_at=as_at,
        revenues=_rows(current, LedgerCategory.REVENUE),
        expenses=_rows(current, LedgerCategory.EXPENSE),
    )


async def balance_sheet(
    session: AsyncSession,
    actor: Actor,
    *,
    fiscal_year: int,
    government_code: str | None = None,
    as_at: date | None = None,
) -> BalanceSheet:
    """재정상태표 at the end of ``fiscal_year`` (or as at a day of it). Officials get their own government's."""
    code = _government(actor, government_code)
    balances = await _balances(session, code, fiscal_year, as_at)
    total: dict[LedgerAccount, int] = {}
    surplus = prior_surplus = 0
    for (account, this_year), amount in balances.items():
        total[account] = total.get(account, 0) + amount
        if account.category in (LedgerCategory.REVENUE, LedgerCategory.EXPENSE):
            # a debit balance of revenue less expense is a deficit
            if this_year:
                surplus -= amount
            else:
                prior_surplus -= amount
    return BalanceSheet(
        government_code=code,
        fiscal_year=fiscal_year,
        as_at=as_at,
        assets=_rows(total, LedgerCategory.ASSET),
        liabilities=_rows(total, LedgerCategory.LIABILITY),
        basic_net_assets=-total.get(LedgerAccount.NET_ASSETS, 0),
        prior_surplus=prior_surplus,
        surplus=surplus,
    )


CSV_BOM = "\ufeff"
"""Excel opens a CSV as UTF-8 (Korean intact) only when it starts with the byte-order mark."""


def statement_csv(rows: Iterable[Sequence[str | int]]) -> str:
    """``(section, account code, account name, amount)`` rows as CSV for spreadsheets, with the BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(row)
    return CSV_BOM + buffer.getvalue()


def balance_sheet_rows(sheet: BalanceSheet, text: Callable[[str], str]) -> list[tuple[str, str, str, int]]:
    """The balance sheet as table rows; ``text`` names accounts and sections in the reader's language."""
    assets, liabilities, net = text(N_("Assets")), text(N_("Liabilities")), text(N_("Net assets"))
    rows = [(assets, row.account.value, text(row.account), row.amount) for row in sheet.assets]
    rows.append((assets, "", text(N_("Total assets")), sheet.total_assets))
    rows += [(liabilities, row.account.value, text(row.account), row.amount) for row in sheet.liabilities]
    rows.append((liabilities, "", text(N_("Total liabilities")), sheet.total_liabilities))
    rows += [
        (net, LedgerAccount.NET_ASSETS.value, text(LedgerAccount.NET_ASSETS), sheet.basic_net_assets),
        (net, "", text(N_("Surpluses of earlier years")), sheet.prior_surplus),
        (net, "", text(N_("Surplus of the year")), sheet.surplus),
        (net, "", text(N_("Total net assets")), sheet.total_net_assets),
    ]
    return rows


def operating_statement_rows(
    statement: OperatingStatement, text: Callable[[str], str]
) -> list[tuple[str, str, str, int]]:
    """The operating statement as table rows; ``text`` names accounts and sections in the reader's language."""
    revenues, expenses = text(N_("Revenues")), text(N_("Expenses"))
    rows = [(revenues, row.account.value, text(row.account), row.amount) for row in statement.revenues]
    rows.append((revenues, "", text(N_("Total revenues")), statement.total_revenue))
    rows += [(expenses, row.account.value, text(row.account), row.amount) for row in statement.expenses]
    rows.append((expenses, "", text(N_("Total expenses")), statement.total_expense))
    rows.append(("", "", text(N_("Surplus of the year")), statement.surplus))
    return rows
