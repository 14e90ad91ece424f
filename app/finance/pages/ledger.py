"""Ledger pages: the journal (분개장) and the trial balance (합계잔액시산표)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import QueryParameter
from litestar.response import Template

from app.finance import services
from app.finance.pages.common import paging, render
from app.platform.auth.guards import ActingActor, OptionalUser
from app.platform.db import DbSession
from app.platform.paging import PAGE_SIZE, PageNumber, page_offset

FiscalYearNumber = Annotated[int | None, QueryParameter(ge=2000, le=2100)]


class LedgerPages(Controller):
    """What the accrual ledger holds: every balanced entry, and the totals per account."""

    @get("/journal")
    async def journal(
        self, current_user: OptionalUser, actor: ActingActor, db_session: DbSession, page: PageNumber = 1
    ) -> Template:
        """Journal entries with their debit and credit lines, newest first."""
        entries, total = await services.list_journal_entries(
            db_session, actor, limit=PAGE_SIZE, offset=page_offset(page)
        )
        return render("journal.html", current_user, entries=entries, **paging(total, page))

    @get("/trial-balance")
    async def trial_balance(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        year: FiscalYearNumber = None,
    ) -> Template:
        """Debits, credits and balance per ledger account for a fiscal year of the government."""
        years = sorted({y.year for y in await services.list_fiscal_years(db_session, actor)}, reverse=True)
        chosen = year or (years[0] if years else None)
        rows = (
            await services.trial_balance(db_session, actor, fiscal_year=chosen)
            if chosen is not None and actor.government_code is not None
            else []
        )
        return render(
            "trial_balance.html",
            current_user,
            rows=rows,
            years=years,
            year=chosen,
            debit_total=sum(r.debit for r in rows),
            credit_total=sum(r.credit for r in rows),
            ministry=actor.government_code is None,
        )
