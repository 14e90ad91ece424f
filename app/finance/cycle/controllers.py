"""The budget-cycle JSON API under ``/api/finance``: transfers, carry-overs, settlement, budget vs actual."""

from __future__ import annotations

import csv
import io
import uuid
from typing import Annotated

from litestar import Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from app.finance.controllers import _FinanceController, may_approve, may_make, may_read, shape
from app.finance.cycle import services
from app.finance.cycle.models import CarryOver, CarryOverItem, TransferKind
from app.finance.cycle.schemas import (
    BudgetVsActualOut,
    BudgetVsActualRowOut,
    CarryOverCandidateOut,
    CarryOverCreate,
    CarryOverItemOut,
    CarryOverOut,
    CarryOverPage,
    FiguresOut,
    PolicyTotalOut,
    SettlementLineOut,
    SettlementOut,
    SettlementTotalOut,
    TransferCreate,
    TransferOut,
    TransferPage,
)
from app.finance.models import ApprovalStatus
from app.finance.schemas import FiscalYearOut
from app.platform.auth.guards import ActingActor
from app.platform.db import DbSession
from app.platform.i18n import gettext
from app.platform.paging import Limit, Offset
from app.platform.web import N_

GovernmentCode = Annotated[str | None, QueryParameter(pattern=r"^\d{5}$")]
"""Which government the ministry wants to see (officials always see their own)."""


def figures_out(figures: services.Figures) -> FiguresOut:
    """Figures with the derived 불용액 and execution rate."""
    return shape(FiguresOut, figures)


def carry_over_out(carry_over: CarryOver, items: list[CarryOverItem]) -> CarryOverOut:
    """A carry-over with its items."""
    return shape(CarryOverOut, carry_over, items=[shape(CarryOverItemOut, i) for i in items])


SETTLEMENT_COLUMNS = (
    ("original", N_("Original budget")),
    ("supplementary", N_("Supplementary budgets")),
    ("transfers", N_("Transfers (net)")),
    ("carried_in", N_("Carried in")),
    ("final_budget", N_("Final budget")),
    ("allocated", N_("Allocated")),
    ("committed", N_("Committed")),
    ("paid", N_("Paid")),
    ("carried_over", N_("Carried over")),
    ("unused", N_("Unused (불용액)")),
)
"""The settlement's amount columns in order, with their (translatable) headings."""


def settlement_csv_rows(result: services.Settlement) -> list[list[str]]:
    """The settlement as CSV rows: a header, every line, then programme, account and grand totals."""
    amounts = [name for name, _ in SETTLEMENT_COLUMNS]
    header = [
        gettext("Section"),
        gettext("Account"),
        gettext("Programme"),
        gettext("Budget item"),
        *(gettext(label) for _, label in SETTLEMENT_COLUMNS),
        gettext("Execution rate (%)"),
    ]

    def numbers(figures: services.Figures) -> list[str]:
        return [str(getattr(figures, name)) for name in amounts] + [f"{figures.execution_rate:.1f}"]

    rows = [header]
    for row in result.lines:
        line = row.line
        rows.append(
            [
                gettext("Line"),
                f"{row.account.code} {row.account.name}",
                " > ".join(f"{p.code} {p.name}" for p in row.chain),
                f"{line.object_code} {line.object_name} / {line.statistics_code} {line.statistics_name}",
                *numbers(row.figures),
            ]
        )
    for total in result.programme_totals:
        rows.append(
            [gettext("Programme total"), "", f"{total.code} {total.name}", "", *numbers(total.figures)]
        )
    for total in result.account_totals:
        rows.append([gettext("Account total"), f"{total.code} {total.name}", "", "", *numbers(total.figures)])
    rows.append([gettext("Grand total"), "", "", "", *numbers(result.total)])
    return rows


def settlement_csv(result: services.Settlement, filename_stem: str) -> Response[bytes]:
    """The settlement as a CSV download: UTF-8 with a BOM, so that Excel reads the Korean right."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(settlement_csv_rows(result))
    return Response(
        content=("\ufeff" + buffer.getvalue()).encode("utf-8"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename_stem}.csv"'},
    )


def settlement_filename(result: services.Settlement) -> str:
    """``settlement-11110-2026``."""
    return f"settlement-{result.fiscal_year.government_code}-{result.fiscal_year.year}"


class TransferController(_FinanceController):
    """예산전용·이용: requested by officials with their legal basis, decided by another person."""

    path = "/api/finance/transfers"

    @post("/", guards=[may_make], summary="Request a transfer between budget lines (전용/이용)")
    async def create(
        self, data: JSONBody[TransferCreate], db_session: DbSession, actor: ActingActor
    ) -> TransferOut:
        """422 if the source cannot give the amount or the kind does not fit the lines."""
        transfer = await services.request_transfer(
            db_session,
            actor,
            source_line_id=data.source_line_id,
            target_line_id=data.target_line_id,
            amount=data.amount,
            kind=data.kind,
            legal_basis=data.legal_basis,
            basis_reference=data.basis_reference,
            reason=data.reason,
        )
        return shape(TransferOut, transfer)

    @get("/", guards=[may_read], summary="Transfers of your government")
    async def list_transfers(
        self,
        db_session: DbSession,
        actor: ActingActor,
        status: Annotated[ApprovalStatus | None, QueryParameter()] = None,
        kind: Annotated[TransferKind | None, QueryParameter()] = None,
        fiscal_year_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> TransferPage:
        """Newest first."""
        items, total = await services.list_transfers(
            db_session,
            actor,
            status=status,
            kind=kind,
            fiscal_year_id=fiscal_year_id,
            limit=limit,
            offset=offset,
        )
        return TransferPage(
            items=[shape(TransferOut, t) for t in items], total=total, limit=limit, offset=offset
        )

    @get("/{transfer_id:uuid}", guards=[may_read], summary="One transfer")
    async def get_one(
        self, transfer_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> TransferOut:
        """404 for other governments' transfers."""
        return shape(TransferOut, await services.get_transfer(db_session, actor, transfer_id))

    @post("/{transfer_id:uuid}/approve", guards=[may_approve], status_code=HTTP_200_OK, summary="Approve")
    async def approve(
        self, transfer_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> TransferOut:
        """Both lines' budgets move; four-eyes; 409 unless requested."""
        return shape(
            TransferOut, await services.decide_transfer(db_session, actor, transfer_id, approve=True)
        )

    @post("/{transfer_id:uuid}/reject", guards=[may_approve], status_code=HTTP_200_OK, summary="Reject")
    async def reject(
        self, transfer_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> TransferOut:
        """Four-eyes; 409 unless requested."""
        return shape(
            TransferOut, await services.decide_transfer(db_session, actor, transfer_id, approve=False)
        )

    @post("/{transfer_id:uuid}/cancel", guards=[may_make], status_code=HTTP_200_OK, summary="Withdraw")
    async def cancel(
        self, transfer_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> TransferOut:
        """409 once decided."""
        return shape(TransferOut, await services.cancel_transfer(db_session, actor, transfer_id))


class CarryOverController(_FinanceController):
    """이월: proposed per fiscal year, approved by another person, which funds next year and closes this one."""

    path = "/api/finance"

    @get(
        "/fiscal-years/{fiscal_year_id:uuid}/carry-over-candidates",
        guards=[may_read],
        summary="Lines with budget left at year end",
    )
    async def candidates(
        self, fiscal_year_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> list[CarryOverCandidateOut]:
        """With the unpaid obligations that are the usual 사고이월."""
        return [
            shape(
                CarryOverCandidateOut,
                c.line,
                budget_line_id=c.line.id,
                budget=c.line.budget_amount,
                paid=c.line.paid_amount,
                unspent=c.unspent,
                unpaid_obligations=c.unpaid_obligations,
                carried_in=c.carried_in,
            )
            for c in await services.carry_over_candidates(db_session, actor, fiscal_year_id)
        ]

    @post("/carry-overs", guards=[may_make], summary="Propose a fiscal year's carry-over (이월)")
    async def create(
        self, data: JSONBody[CarryOverCreate], db_session: DbSession, actor: ActingActor
    ) -> CarryOverOut:
        """422 if an amount exceeds what the line has left (or owes, for 사고이월); 409 if one is pending."""
        carry_over = await services.request_carry_over(
            db_session,
            actor,
            fiscal_year_id=data.fiscal_year_id,
            items=[
                services.CarryOverRequestItem(i.budget_line_id, i.kind, i.amount, i.basis) for i in data.items
            ],
            note=data.note,
        )
        return carry_over_out(*await services.get_carry_over(db_session, actor, carry_over.id))

    @get("/carry-overs", guards=[may_read], summary="Carry-overs of your government")
    async def list_carry_overs(
        self,
        db_session: DbSession,
        actor: ActingActor,
        fiscal_year_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> CarryOverPage:
        """Newest first, without their items."""
        items, total = await services.list_carry_overs(
            db_session, actor, fiscal_year_id=fiscal_year_id, limit=limit, offset=offset
        )
        return CarryOverPage(
            items=[carry_over_out(c, []) for c in items], total=total, limit=limit, offset=offset
        )

    @get("/carry-overs/{carry_over_id:uuid}", guards=[may_read], summary="One carry-over")
    async def get_one(
        self, carry_over_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> CarryOverOut:
        """With its items."""
        return carry_over_out(*await services.get_carry_over(db_session, actor, carry_over_id))

    @post(
        "/carry-overs/{carry_over_id:uuid}/approve",
        guards=[may_approve],
        status_code=HTTP_200_OK,
        summary="Approve: fund next year's lines and close the year",
    )
    async def approve(
        self, carry_over_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> CarryOverOut:
        """Four-eyes; 409 unless requested or if the year is closed."""
        await services.decide_carry_over(db_session, actor, carry_over_id, approve=True)
        return carry_over_out(*await services.get_carry_over(db_session, actor, carry_over_id))

    @post(
        "/carry-overs/{carry_over_id:uuid}/reject",
        guards=[may_approve],
        status_code=HTTP_200_OK,
        summary="Reject",
    )
    async def reject(
        self, carry_over_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> CarryOverOut:
        """Four-eyes; the year stays open for a new proposal."""
        await services.decide_carry_over(db_session, actor, carry_over_id, approve=False)
        return carry_over_out(*await services.get_carry_over(db_session, actor, carry_over_id))

    @post(
        "/carry-overs/{carry_over_id:uuid}/cancel",
        guards=[may_make],
        status_code=HTTP_200_OK,
        summary="Withdraw",
    )
    async def cancel(
        self, carry_over_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> CarryOverOut:
        """409 once decided."""
        await services.cancel_carry_over(db_session, actor, carry_over_id)
        return carry_over_out(*await services.get_carry_over(db_session, actor, carry_over_id))

    @post(
        "/fiscal-years/{fiscal_year_id:uuid}/close-without-carry-over",
        guards=[may_approve],
        status_code=HTTP_200_OK,
        summary="Close a fiscal year that carries nothing over",
    )
    async def close_without_carry_over(
        self, fiscal_year_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> FiscalYearOut:
        """409 while a carry-over proposal awaits its decision, or if the year is closed already."""
        return shape(
            FiscalYearOut, await services.close_without_carry_over(db_session, actor, fiscal_year_id)
        )


class SettlementController(_FinanceController):
    """세출결산 and the budget-vs-actual figures."""

    path = "/api/finance"

    @get(
        "/fiscal-years/{fiscal_year_id:uuid}/settlement",
        guards=[may_read],
        summary="Year-end settlement (세출결산)",
    )
    async def settlement(
        self, fiscal_year_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> SettlementOut:
        """Per line, per programme (every level), per account and in total."""
        result = await services.settlement(db_session, actor, fiscal_year_id)
        return SettlementOut(
            fiscal_year_id=result.fiscal_year.id,
            government_code=result.fiscal_year.government_code,
            year=result.fiscal_year.year,
            status=result.fiscal_year.status,
            lines=[
                SettlementLineOut(
                    budget_line_id=r.line.id,
                    account_code=r.account.code,
                    programme_codes=[p.code for p in r.chain],
                    object_code=r.line.object_code,
                    statistics_code=r.line.statistics_code,
                    statistics_name=r.line.statistics_name,
                    figures=figures_out(r.figures),
                )
                for r in result.lines
            ],
            programme_totals=[
                SettlementTotalOut(t.level, t.code, t.name, figures_out(t.figures))
                for t in result.programme_totals
            ],
            account_totals=[
                SettlementTotalOut(t.level, t.code, t.name, figures_out(t.figures))
                for t in result.account_totals
            ],
            total=figures_out(result.total),
        )

    @get(
        "/fiscal-years/{fiscal_year_id:uuid}/settlement.csv",
        guards=[may_read],
        summary="Year-end settlement as CSV (UTF-8 with BOM)",
        media_type="text/csv",
    )
    async def settlement_csv(
        self, fiscal_year_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> Response[bytes]:
        """Headings in the request's language (``?lang=en`` for English)."""
        result = await services.settlement(db_session, actor, fiscal_year_id)
        return settlement_csv(result, settlement_filename(result))

    @get(
        "/budget-vs-actual", guards=[may_read], summary="Budget against execution per policy project and line"
    )
    async def budget_vs_actual(
        self,
        db_session: DbSession,
        actor: ActingActor,
        government: GovernmentCode = None,
        fiscal_year_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
        account_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
        programme_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> BudgetVsActualOut:
        """The ministry names the government; officials see their own."""
        view = await services.budget_vs_actual(
            db_session,
            actor,
            government_code=government,
            fiscal_year_id=fiscal_year_id,
            account_id=account_id,
            programme_id=programme_id,
            limit=limit,
            offset=offset,
        )
        return BudgetVsActualOut(
            government_code=view.government_code,
            fiscal_year_id=view.fiscal_year.id if view.fiscal_year else None,
            year=view.fiscal_year.year if view.fiscal_year else None,
            items=[_row_out(r) for r in view.rows],
            total=view.total_rows,
            limit=limit,
            offset=offset,
            policies=[_policy_out(t) for t in view.policy_totals],
            budget=view.total.final_budget,
            paid=view.total.paid,
            execution_rate=view.total.execution_rate,
        )


def _row_out(row: services.BudgetVsActualRow) -> BudgetVsActualRowOut:
    f = row.figures
    return BudgetVsActualRowOut(
        budget_line_id=row.line.id,
        programme_code=row.programme.code,
        object_code=row.line.object_code,
        statistics_code=row.line.statistics_code,
        statistics_name=row.line.statistics_name,
        budget=f.final_budget,
        allocated=f.allocated,
        committed=f.committed,
        paid=f.paid,
        execution_rate=f.execution_rate,
    )


def _policy_out(total: services.SettlementTotal) -> PolicyTotalOut:
    f = total.figures
    return PolicyTotalOut(
        total.code, total.name, f.final_budget, f.allocated, f.committed, f.paid, f.execution_rate
    )
