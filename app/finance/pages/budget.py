"""Budget pages: fiscal years and their structure, budget lines, budget versions, allocations (배정)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated, Any

from litestar import Controller, get, post
from litestar.params import FromPath, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy import ColumnElement

from app.finance import services
from app.finance.models import (
    Allocation,
    ApprovalStatus,
    BudgetLine,
    BudgetVersion,
    BudgetVersionStatus,
    Commitment,
    ExpenditureResolution,
    FiscalYear,
    FundKind,
    ObjectGroup,
    Programme,
    ProgrammeLevel,
    quarter_of_month,
)
from app.finance.pages import queries
from app.finance.pages.common import Form, Notice, attempt, choices, label, paging, redirect, render
from app.platform.auth.guards import ActingActor, OptionalUser, require_roles
from app.platform.db import DbSession
from app.platform.errors import NotFoundError
from app.platform.governments import list_governments
from app.platform.i18n import gettext
from app.platform.paging import PAGE_SIZE, PageNumber, page_offset

may_set_up = require_roles(*services.SETUP_ROLES)
may_make = require_roles(*services.MAKER_ROLES)
may_decide = require_roles(*services.APPROVER_ROLES)

FormData = URLEncodedBody[dict[str, Any]]
ApprovalFilter = Annotated[str | None, QueryParameter(pattern=r"^(requested|approved|rejected|cancelled)$")]
VersionFilter = Annotated[str | None, QueryParameter(pattern=r"^(draft|submitted|approved|rejected)$")]
YearFilter = Annotated[uuid.UUID | None, QueryParameter()]
LineFilter = Annotated[uuid.UUID | None, QueryParameter()]
MonthFilter = Annotated[int | None, QueryParameter(ge=1, le=12)]
AMOUNT_PREFIX = "amount_"


async def fiscal_year(session: DbSession, actor: ActingActor, year_id: uuid.UUID) -> FiscalYear:
    """One fiscal year of the actor's government."""
    for year in await services.list_fiscal_years(session, actor):
        if year.id == year_id:
            return year
    raise NotFoundError("No such fiscal year.")


def programme_tree(programmes: list[Programme]) -> list[tuple[int, Programme]]:
    """The hierarchy depth first, each node with its depth, so it reads 분야 → 부문 → … → 세부사업."""
    children: dict[uuid.UUID | None, list[Programme]] = {}
    for programme in programmes:
        children.setdefault(programme.parent_id, []).append(programme)
    ordered: list[tuple[int, Programme]] = []
    stack = [(0, p) for p in sorted(children.get(None, []), key=lambda p: p.code, reverse=True)]
    while stack:
        depth, node = stack.pop()
        ordered.append((depth, node))
        stack.extend(
            (depth + 1, c) for c in sorted(children.get(node.id, []), key=lambda p: p.code, reverse=True)
        )
    return ordered


async def requests_page(
    template: str,
    model: type[queries.LineRequestT],
    current_user: OptionalUser,
    actor: ActingActor,
    db_session: DbSession,
    status: str | None,
    line: uuid.UUID | None,
    notice: str | None,
    page: int,
    *,
    where: Sequence[ColumnElement[bool]] = (),
    **context: Any,
) -> Template:
    """One page of a list of requests on budget lines (allocations, commitments, resolutions).

    ``where`` narrows the list further (allocations by month); ``context`` goes to the template.
    """
    records, labels, total = await queries.requests_on_lines(
        db_session,
        actor,
        model,
        status=status,
        line_id=line,
        where=where,
        limit=PAGE_SIZE,
        offset=page_offset(page),
    )
    return render(
        template,
        current_user,
        notice=notice,
        records=records,
        labels=labels,
        statuses=list(ApprovalStatus),
        status=status,
        **context,
        **paging(total, page),
    )


def month_choices() -> list[tuple[int, str]]:
    """The twelve months as a select's options."""
    return [(n, gettext("Month {n}", n=n)) for n in range(1, 13)]


class BudgetPages(Controller):
    """Budget lines, fiscal years with their structure, budget versions and allocations."""

    # --- budget lines ----------------------------------------------------------------------------

    @get("/budget-lines")
    async def budget_lines(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        year: YearFilter = None,
        page: PageNumber = 1,
    ) -> Template:
        """Every line with its budget, allocation, execution and what is still available."""
        lines, total = await services.list_budget_lines(
            db_session, actor, fiscal_year_id=year, limit=PAGE_SIZE, offset=page_offset(page)
        )
        return render(
            "budget_lines.html",
            current_user,
            lines=lines,
            labels=await queries.line_labels(db_session, actor, lines),
            years=await services.list_fiscal_years(db_session, actor),
            year=year,
            # The ministry reads every government's lines: it needs to see whose each one is.
            governments={g.code: g.name_ko for g in await list_governments(db_session)}
            if actor.is_ministry
            else None,
            **paging(total, page),
        )

    @get("/budget-lines/{line_id:uuid}")
    async def budget_line(
        self,
        line_id: FromPath[uuid.UUID],
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
    ) -> Template:
        """One line: its totals, what every budget version gave it, and the requests against it."""
        allocated = await services.allocations_of_line(db_session, actor, line_id)
        line = allocated.line
        commitments, _ = await queries.list_records(
            db_session, actor, Commitment, where=[Commitment.budget_line_id == line.id], limit=200, offset=0
        )
        resolutions, _ = await queries.list_records(
            db_session,
            actor,
            ExpenditureResolution,
            where=[ExpenditureResolution.budget_line_id == line.id],
            limit=200,
            offset=0,
        )
        versions, _ = await queries.list_records(
            db_session,
            actor,
            BudgetVersion,
            where=[BudgetVersion.fiscal_year_id == line.fiscal_year_id],
            limit=200,
            offset=0,
        )
        amounts = await queries.version_amounts_of_line(db_session, line.id)
        return render(
            "budget_line.html",
            current_user,
            line=line,
            line_label=(await queries.line_labels(db_session, actor, [line]))[line.id],
            allocations=allocated.items,
            quarter_totals=allocated.quarters,
            month_totals=[m for m in allocated.months if m.approved or m.requested],
            commitments=commitments,
            resolutions=resolutions,
            versions=[v for v in sorted(versions, key=lambda v: v.sequence) if v.id in amounts],
            version_amounts=amounts,
        )

    # --- fiscal years and structure --------------------------------------------------------------

    @get("/years")
    async def years(
        self, current_user: OptionalUser, actor: ActingActor, db_session: DbSession, notice: Notice = None
    ) -> Template:
        """The government's fiscal years, and opening the next one."""
        return await self._years_page(current_user, actor, db_session, Form(), notice=notice)

    async def _years_page(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        form: Form,
        *,
        notice: str | None = None,
        status_code: int = 200,
    ) -> Template:
        return render(
            "years.html",
            current_user,
            notice=notice,
            status_code=status_code,
            years=await services.list_fiscal_years(db_session, actor),
            form=form,
        )

    @post("/years", guards=[may_set_up])
    async def open_year(
        self, data: FormData, current_user: OptionalUser, actor: ActingActor, db_session: DbSession
    ) -> Template | Redirect:
        """Open a fiscal year (재무관, administrator)."""
        form = Form(data)
        number = form.integer("year", 2000, 2100)
        if form.ok:
            year = await attempt(
                db_session, form, lambda: services.create_fiscal_year(db_session, actor, year=number)
            )
            if year is not None:
                return redirect(f"/finance/years/{year.id}", "year_created")
        return await self._years_page(current_user, actor, db_session, form, status_code=form.status_code)

    @get("/years/{year_id:uuid}")
    async def year(
        self,
        year_id: FromPath[uuid.UUID],
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        notice: Notice = None,
    ) -> Template:
        """The year's structure: accounts, the programme hierarchy, budget lines and budget versions."""
        return await self._year_page(year_id, current_user, actor, db_session, notice=notice)

    async def _year_page(
        self,
        year_id: uuid.UUID,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        *,
        notice: str | None = None,
        status_code: int = 200,
        **forms: Form,
    ) -> Template:
        year = await fiscal_year(db_session, actor, year_id)
        programmes = await services.list_programmes(db_session, actor, year.id)
        lines = await queries.year_lines(db_session, actor, year.id)
        versions, _ = await queries.list_records(
            db_session,
            actor,
            BudgetVersion,
            where=[BudgetVersion.fiscal_year_id == year.id],
            limit=200,
            offset=0,
        )
        accounts = [  # the ministry reads every government's accounts; a year shows its own government's
            a
            for a in await services.list_accounts(db_session, actor)
            if a.government_code == year.government_code
        ]
        return render(
            "year.html",
            current_user,
            notice=notice,
            status_code=status_code,
            year=year,
            accounts=accounts,
            tree=programme_tree(programmes),
            parent_options=[
                (p.id, f"{label(p.level)} · {p.code} {p.name}")
                for p in programmes
                if p.level is not ProgrammeLevel.DETAIL
            ],
            detail_options=[
                (p.id, f"{p.code} {p.name}") for p in programmes if p.level is ProgrammeLevel.DETAIL
            ],
            account_options=[(a.id, f"{a.code} {a.name}") for a in accounts],
            lines=lines,
            labels=await queries.line_labels(db_session, actor, lines),
            versions=sorted(versions, key=lambda v: v.sequence),
            totals=await queries.version_totals(db_session, (v.id for v in versions)),
            fund_kinds=choices(FundKind),
            levels=choices(ProgrammeLevel),
            object_groups=choices(ObjectGroup),
            account_form=forms.get("account_form") or Form({"kind": FundKind.GENERAL}),
            programme_form=forms.get("programme_form") or Form(),
            line_form=forms.get("line_form") or Form(),
        )

    @post("/years/{year_id:uuid}/accounts", guards=[may_set_up])
    async def add_account(
        self,
        year_id: FromPath[uuid.UUID],
        data: FormData,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
    ) -> Template | Redirect:
        """Register an account (일반회계, 특별회계, 기금) of the government."""
        await fiscal_year(db_session, actor, year_id)
        form = Form(data)
        code = form.code("code", r"[0-9A-Za-z-]{1,10}", "100")
        name = form.text("name", max_length=100)
        kind = form.choice("kind", FundKind)
        if form.ok and kind is not None:
            done = await attempt(
                db_session,
                form,
                lambda: services.create_account(db_session, actor, code=code, name=name, kind=kind),
            )
            if done is not None:
                return redirect(f"/finance/years/{year_id}", "account_created")
        return await self._year_page(
            year_id, current_user, actor, db_session, status_code=form.status_code, account_form=form
        )

    @post("/years/{year_id:uuid}/programmes", guards=[may_set_up])
    async def add_programme(
        self,
        year_id: FromPath[uuid.UUID],
        data: FormData,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
    ) -> Template | Redirect:
        """Add a node to the programme hierarchy under the level directly above."""
        year = await fiscal_year(db_session, actor, year_id)
        form = Form(data)
        level = form.choice("level", ProgrammeLevel)
        code = form.code("code", r"[0-9A-Za-z-]{1,20}", "D111")
        name = form.text("name", max_length=200)
        parent_id = form.record("parent_id", required=False)
        if level is not None:
            await self._check_parent(db_session, actor, year, form, level, parent_id)
        if form.ok and level is not None:
            done = await attempt(
                db_session,
                form,
                lambda: services.create_programme(
                    db_session,
                    actor,
                    fiscal_year_id=year.id,
                    level=level,
                    code=code,
                    name=name,
                    parent_id=parent_id,
                ),
            )
            if done is not None:
                return redirect(f"/finance/years/{year_id}", "programme_created")
        return await self._year_page(
            year_id, current_user, actor, db_session, status_code=form.status_code, programme_form=form
        )

    @staticmethod
    async def _check_parent(
        db_session: DbSession,
        actor: ActingActor,
        year: FiscalYear,
        form: Form,
        level: ProgrammeLevel,
        parent_id: uuid.UUID | None,
    ) -> None:
        expected = level.parent_level
        if expected is None:
            if parent_id is not None:
                form.fail(
                    "parent_id", gettext("A field is the top of the hierarchy: leave the parent empty.")
                )
            return
        parent = (
            (await queries.by_id(db_session, actor, Programme, [parent_id])).get(parent_id)
            if parent_id
            else None
        )
        if parent is None or parent.level is not expected or parent.fiscal_year_id != year.id:
            form.fail(
                "parent_id",
                gettext("Choose a parent one level up ({level}) in this fiscal year.", level=label(expected)),
            )

    @post("/years/{year_id:uuid}/lines", guards=[may_set_up])
    async def add_line(
        self,
        year_id: FromPath[uuid.UUID],
        data: FormData,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
    ) -> Template | Redirect:
        """Add a budget line: a detail programme's 통계목 in one account."""
        await fiscal_year(db_session, actor, year_id)
        form = Form(data)
        programme_id = form.record("programme_id")
        account_id = form.record("account_id")
        group = form.choice("object_group", ObjectGroup)
        object_code = form.code("object_code", r"\d{3}", "201")
        object_name = form.text("object_name", max_length=100)
        statistics_code = form.code("statistics_code", r"\d{3}-\d{2}", "201-01")
        statistics_name = form.text("statistics_name", max_length=100)
        if statistics_code and object_code and not statistics_code.startswith(object_code):
            form.fail("statistics_code", gettext("The statistics code starts with its object code."))
        if form.ok and programme_id and account_id and group:
            line = await attempt(
                db_session,
                form,
                lambda: services.create_budget_line(
                    db_session,
                    actor,
                    programme_id=programme_id,
                    account_id=account_id,
                    object_group=group,
                    object_code=object_code,
                    object_name=object_name,
                    statistics_code=statistics_code,
                    statistics_name=statistics_name,
                ),
            )
            if line is not None:
                return redirect(f"/finance/years/{year_id}", "line_created")
        return await self._year_page(
            year_id, current_user, actor, db_session, status_code=form.status_code, line_form=form
        )

    # --- budget versions -------------------------------------------------------------------------

    @get("/budget-versions")
    async def versions(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        status: VersionFilter = None,
        page: PageNumber = 1,
    ) -> Template:
        """Every budget version (본예산, 추경) with its status: the budget's history."""
        where = [BudgetVersion.status == BudgetVersionStatus(status)] if status else []
        versions, total = await queries.list_records(
            db_session, actor, BudgetVersion, where=where, limit=PAGE_SIZE, offset=page_offset(page)
        )
        years = await services.list_fiscal_years(db_session, actor)
        return render(
            "budget_versions.html",
            current_user,
            versions=versions,
            totals=await queries.version_totals(db_session, (v.id for v in versions)),
            years={y.id: y for y in years},
            open_years=[y for y in years if y.status == "open"],
            statuses=list(BudgetVersionStatus),
            status=status,
            **paging(total, page),
        )

    @get("/years/{year_id:uuid}/budget-versions/new", guards=[may_make])
    async def new_version(
        self,
        year_id: FromPath[uuid.UUID],
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
    ) -> Template:
        """The draft form: every line of the year with its current amount to keep or change."""
        year = await fiscal_year(db_session, actor, year_id)
        lines = await queries.year_lines(db_session, actor, year.id)
        values = {f"{AMOUNT_PREFIX}{line.id}": f"{line.budget_amount:,}" for line in lines}
        return await self._version_form(year, lines, current_user, actor, db_session, Form(values))

    async def _version_form(
        self,
        year: FiscalYear,
        lines: list[BudgetLine],
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        form: Form,
        status_code: int = 200,
    ) -> Template:
        return render(
            "budget_version_form.html",
            current_user,
            status_code=status_code,
            year=year,
            lines=lines,
            line_names=await queries.line_labels(db_session, actor, lines),
            prefix=AMOUNT_PREFIX,
            form=form,
        )

    @post("/years/{year_id:uuid}/budget-versions", guards=[may_make])
    async def draft_version(
        self,
        year_id: FromPath[uuid.UUID],
        data: FormData,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
    ) -> Template | Redirect:
        """Save a draft (original budget, or the next supplementary budget once the original passed)."""
        year = await fiscal_year(db_session, actor, year_id)
        lines = await queries.year_lines(db_session, actor, year.id)
        form = Form(data)
        title = form.text("title", max_length=200)
        amounts = [
            services.VersionAmount(line.id, form.won(name, allow_zero=True))
            for line in lines
            if form.values.get(name := f"{AMOUNT_PREFIX}{line.id}")
        ]
        if not amounts:
            form.fail("title", gettext("Give an amount to at least one budget line."))
        if form.ok:
            version = await attempt(
                db_session,
                form,
                lambda: services.create_budget_version(
                    db_session, actor, fiscal_year_id=year.id, title=title, amounts=amounts
                ),
            )
            if version is not None:
                return redirect(f"/finance/budget-versions/{version.id}", "version_created")
        return await self._version_form(year, lines, current_user, actor, db_session, form, form.status_code)

    @get("/budget-versions/{version_id:uuid}")
    async def version(
        self,
        version_id: FromPath[uuid.UUID],
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        notice: Notice = None,
    ) -> Template:
        """A version's amounts next to the lines' current budgets; submitting it; the council's decision."""
        return await self._version_page(version_id, current_user, actor, db_session, Form(), notice=notice)

    async def _version_page(
        self,
        version_id: uuid.UUID,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        form: Form,
        *,
        notice: str | None = None,
        status_code: int = 200,
    ) -> Template:
        version, version_lines = await services.get_budget_version(db_session, actor, version_id)
        lines = await queries.by_id(db_session, actor, BudgetLine, (v.budget_line_id for v in version_lines))
        history, _ = await queries.list_records(
            db_session,
            actor,
            BudgetVersion,
            where=[BudgetVersion.fiscal_year_id == version.fiscal_year_id],
            limit=200,
            offset=0,
        )
        return render(
            "budget_version.html",
            current_user,
            notice=notice,
            status_code=status_code,
            version=version,
            version_lines=version_lines,
            lines=lines,
            labels=await queries.line_labels(db_session, actor, lines.values()),
            total=sum(v.amount for v in version_lines),
            history=sorted(history, key=lambda v: v.sequence),
            names=await queries.user_names(db_session, [version.requested_by, version.decided_by]),
            own=version.requested_by == actor.user_id,
            form=form,
        )

    @post("/budget-versions/{version_id:uuid}/submit", guards=[may_make])
    async def submit_version(
        self,
        version_id: FromPath[uuid.UUID],
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
    ) -> Template | Redirect:
        """Send the draft to the council; its amounts are frozen from now on."""
        form = Form()
        done = await attempt(
            db_session, form, lambda: services.submit_budget_version(db_session, actor, version_id)
        )
        if done is not None:
            return redirect(f"/finance/budget-versions/{version_id}", "version_submitted")
        return await self._version_page(
            version_id, current_user, actor, db_session, form, status_code=form.status_code
        )

    @post("/budget-versions/{version_id:uuid}/decision", guards=[may_decide])
    async def decide_version(
        self,
        version_id: FromPath[uuid.UUID],
        data: FormData,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
    ) -> Template | Redirect:
        """Record the council's decision (approval needs the resolution's reference); never on your own draft."""
        form = Form(data)
        decision = form.values.get("decision")
        resolution = form.text("council_resolution", max_length=100, required=decision == "approve")
        if decision not in ("approve", "reject"):
            form.fail("council_resolution", gettext("Choose approve or reject."))
        if form.ok:
            done = await attempt(
                db_session,
                form,
                lambda: (
                    services.approve_budget_version(
                        db_session, actor, version_id, council_resolution=resolution
                    )
                    if decision == "approve"
                    else services.reject_budget_version(db_session, actor, version_id)
                ),
            )
            if done is not None:
                target = (
                    "/finance/inbox"
                    if form.values.get("from") == "inbox"
                    else f"/finance/budget-versions/{version_id}"
                )
                return redirect(target, "version_approved" if decision == "approve" else "version_rejected")
        return await self._version_page(
            version_id, current_user, actor, db_session, form, status_code=form.status_code
        )

    # --- allocations (배정) ----------------------------------------------------------------------

    @get("/allocations")
    async def allocations(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        status: ApprovalFilter = None,
        line: LineFilter = None,
        month: MonthFilter = None,
        notice: Notice = None,
        page: PageNumber = 1,
    ) -> Template:
        """Allocation requests per quarter (and month) and their decisions, filtered by month."""
        return await requests_page(
            "allocations.html",
            Allocation,
            current_user,
            actor,
            db_session,
            status,
            line,
            notice,
            page,
            where=[Allocation.month == month] if month else [],
            months=month_choices(),
            month=month,
        )

    @get("/allocations/new", guards=[may_make])
    async def new_allocation(
        self, current_user: OptionalUser, actor: ActingActor, db_session: DbSession, line: LineFilter = None
    ) -> Template:
        """The allocation request form."""
        return await self._allocation_form(
            current_user, actor, db_session, Form({"budget_line_id": str(line or ""), "quarter": "1"})
        )

    async def _allocation_form(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        form: Form,
        status_code: int = 200,
    ) -> Template:
        lines = [
            x for x in await queries.year_lines(db_session, actor) if x.budget_amount > x.allocated_amount
        ]
        names = await queries.line_labels(db_session, actor, lines)
        return render(
            "allocation_form.html",
            current_user,
            status_code=status_code,
            line_options=[
                (
                    line.id,
                    gettext(
                        "{line} — {amount} won left to allocate",
                        line=names[line.id],
                        amount=f"{line.budget_amount - line.allocated_amount:,}",
                    ),
                )
                for line in lines
            ],
            quarters=[(n, gettext("Q{n}", n=n)) for n in range(1, 5)],
            months=month_choices(),
            form=form,
        )

    @post("/allocations", guards=[may_make])
    async def request_allocation(
        self, data: FormData, current_user: OptionalUser, actor: ActingActor, db_session: DbSession
    ) -> Template | Redirect:
        """Ask for part of a line's budget to be released for a quarter."""
        form = Form(data)
        line_id = form.record("budget_line_id")
        quarter = form.integer("quarter", 1, 4)
        month = form.integer("month", 1, 12) if form.values.get("month") else None
        if month is not None and "quarter" not in form.errors and quarter_of_month(month) != quarter:
            form.fail("month", gettext("Choose a month of the chosen quarter."))
        amount = form.won("amount")
        line = (
            (await queries.by_id(db_session, actor, BudgetLine, [line_id])).get(line_id) if line_id else None
        )
        if line_id and line is None:
            form.fail("budget_line_id", gettext("Choose one of the options."))
        if line is not None and form.ok and amount > line.budget_amount - line.allocated_amount:
            form.fail(
                "amount",
                gettext(
                    "Only {left} won of this line's budget is left to allocate.",
                    left=f"{line.budget_amount - line.allocated_amount:,}",
                ),
            )
        if form.ok and line is not None:
            done = await attempt(
                db_session,
                form,
                lambda: services.request_allocation(
                    db_session, actor, budget_line_id=line.id, quarter=quarter, month=month, amount=amount
                ),
            )
            if done is not None:
                return redirect("/finance/allocations", "allocation_requested")
        return await self._allocation_form(current_user, actor, db_session, form, form.status_code)
