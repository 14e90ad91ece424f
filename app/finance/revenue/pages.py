"""Revenue pages for officials: items, assessments (list, form, detail with its actions),
receivables with ageing, and the printable revenue settlement with its CSV.

Forms are checked here first, field by field, so that a mistake comes back as the same form with a
message next to the field (in the reader's language) rather than as an error page; what only the
service can judge (a closed year, four-eyes, a state that changed meanwhile) is shown above the form.
"""

from __future__ import annotations

import csv
import enum
import io
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, Literal, TypeVar

from litestar import Controller, Response, get, post
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY

from app.finance import services as finance_services
from app.finance.models import ApprovalStatus
from app.finance.revenue import services
from app.finance.revenue.models import AssessmentStatus, PayerKind, ReceiptChannel, RefundKind, RevenueKind
from app.platform.auth.guards import (
    ActingActor,
    OptionalUser,
    provide_actor,
    provide_current_user,
    require_roles,
)
from app.platform.db import DbSession, utcnow
from app.platform.errors import DomainError, NotFoundError
from app.platform.i18n import gettext
from app.platform.paging import PAGE_SIZE, PageNumber, page_count, page_offset
from app.platform.web import N_, SERVICES

FINANCE = next(s for s in SERVICES if s.slug == "finance")
Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
EnumT = TypeVar("EnumT", bound=enum.StrEnum)
MAX_WON = 10**15

KIND_NAMES = {
    RevenueKind.LOCAL_TAX: N_("Local taxes"),
    RevenueKind.NON_TAX: N_("Non-tax revenue"),
    RevenueKind.SHARED_TAX: N_("Local shared tax"),
    RevenueKind.ADJUSTMENT_GRANT: N_("Adjustment grants"),
    RevenueKind.SUBSIDY: N_("Subsidies"),
    RevenueKind.LOCAL_BOND: N_("Local bonds"),
    RevenueKind.INTERNAL: N_("Surplus and internal transactions"),
}
STATUS_NAMES = {
    AssessmentStatus.ASSESSED: N_("Assessed"),
    AssessmentStatus.RESOLVED: N_("Collection resolved"),
    AssessmentStatus.PARTIALLY_PAID: N_("Partly paid"),
    AssessmentStatus.PAID: N_("Paid in full"),
    AssessmentStatus.CANCELLED: N_("Cancelled"),
}
CHANNEL_NAMES = {
    ReceiptChannel.BANK_COUNTER: N_("Bank counter"),
    ReceiptChannel.VIRTUAL_ACCOUNT: N_("Virtual account"),
    ReceiptChannel.GIRO: N_("Giro"),
    ReceiptChannel.CARD: N_("Card"),
    ReceiptChannel.ONLINE: N_("Online"),
    ReceiptChannel.AUTO_DEBIT: N_("Automatic debit"),
}
REFUND_NAMES = {
    RefundKind.OVERPAYMENT: N_("Overpayment"),
    RefundKind.ERRONEOUS_ASSESSMENT: N_("Erroneous assessment"),
}
PAYER_NAMES = {PayerKind.PERSON: N_("Person"), PayerKind.BUSINESS: N_("Business")}
APPROVAL_NAMES = {
    ApprovalStatus.REQUESTED: N_("Requested"),
    ApprovalStatus.APPROVED: N_("Approved"),
    ApprovalStatus.REJECTED: N_("Rejected"),
    ApprovalStatus.CANCELLED: N_("Cancelled"),
}
BUCKET_NAMES = {
    "not_due": N_("Not yet due"),
    "days_1_30": N_("1–30 days overdue"),
    "days_31_90": N_("31–90 days overdue"),
    "days_91_365": N_("91–365 days overdue"),
    "over_365": N_("Over a year overdue"),
}
NAMES: dict[str, Mapping[Any, str]] = {
    "kinds": KIND_NAMES,
    "statuses": STATUS_NAMES,
    "channels": CHANNEL_NAMES,
    "refund_kinds": REFUND_NAMES,
    "payer_kinds": PAYER_NAMES,
    "approvals": APPROVAL_NAMES,
    "buckets": BUCKET_NAMES,
}
SETTLEMENT_COLUMNS = (
    "code",
    "name",
    "kind",
    "budget",
    "assessed",
    "collected",
    "refunded",
    "receivable",
    "collection_rate",
    "budget_rate",
)


def _options(names: Mapping[EnumT, str]) -> list[tuple[str, str]]:
    """A select's options: the value and its name in the reader's language."""
    return [(str(value), gettext(label)) for value, label in names.items()]


# --- form checking -------------------------------------------------------------------------------


@dataclass
class FormCheck:
    """Reads a submitted form field by field and collects a message per wrong field."""

    form: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)

    def text(self, name: str, max_length: int = 200) -> str:
        value = self.form.get(name, "").strip()
        if not value:
            self.errors[name] = gettext("Please fill in this field.")
        elif len(value) > max_length:
            self.errors[name] = gettext("Please use at most {n} characters.", n=max_length)
        return value

    def won(self, name: str) -> int:
        raw = self.form.get(name, "").replace(",", "").strip()
        if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= MAX_WON:
            self.errors[name] = gettext("Enter an amount in whole won, greater than 0 (digits only).")
            return 0
        return int(raw)

    def day(self, name: str) -> date:
        try:
            return date.fromisoformat(self.form.get(name, "").strip())
        except ValueError:
            self.errors[name] = gettext("Enter a date as YYYY-MM-DD.")
            return date.min

    def choice(self, name: str, options: type[EnumT]) -> EnumT:
        try:
            return options(self.form.get(name, ""))
        except ValueError:
            self.errors[name] = gettext("Please choose one of the options.")
            return next(iter(options))

    def uuid(self, name: str) -> uuid.UUID:
        try:
            return uuid.UUID(self.form.get(name, ""))
        except ValueError:
            self.errors[name] = gettext("Please choose one of the options.")
            return uuid.UUID(int=0)


@dataclass
class FormOutcome:
    """A refused form: which form, what was typed, and what is wrong."""

    form_name: str
    values: dict[str, str]
    errors: dict[str, str]
    problem: str | None = None


async def _attempt(
    form_name: str, check: FormCheck, action: Callable[[], Awaitable[Any]]
) -> tuple[Any, FormOutcome | None]:
    """Run ``action`` if the form is valid; a refusal by the service comes back as the form's problem."""
    if check.errors:
        return None, FormOutcome(form_name, check.form, check.errors)
    try:
        return await action(), None
    except DomainError as refused:
        return None, FormOutcome(form_name, check.form, {}, refused.detail)


# --- pages ---------------------------------------------------------------------------------------


class RevenuePages(Controller):
    """세입 pages of the official's government."""

    path = "/finance/revenue"
    include_in_schema = False
    guards = [require_roles(*finance_services.READER_ROLES)]  # noqa: RUF012 - Litestar reads this class attribute
    dependencies = {  # noqa: RUF012
        "current_user": Provide(provide_current_user),
        "actor": Provide(provide_actor),
    }

    @staticmethod
    def _page(name: str, current_user: OptionalUser, status_code: int = 200, **context: Any) -> Template:
        return Template(
            f"finance/revenue/{name}.html",
            context={"current_user": current_user, "service": FINANCE, "names": NAMES, **context},
            status_code=status_code,
        )

    @staticmethod
    async def _fiscal_year(db_session: DbSession, actor: ActingActor, fiscal_year: int | None) -> int:
        if fiscal_year is not None:
            return fiscal_year
        years = await finance_services.list_fiscal_years(db_session, actor)
        return years[0].year if years else utcnow().year

    # items

    async def _items_page(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        page: int,
        outcome: FormOutcome | None = None,
    ) -> Template:
        items, total = await services.list_revenue_items(
            db_session, actor, limit=PAGE_SIZE, offset=page_offset(page)
        )
        return self._page(
            "items",
            current_user,
            HTTP_422_UNPROCESSABLE_ENTITY if outcome else 200,
            items=items,
            total=total,
            page=page,
            pages=page_count(total),
            year_options=[
                (y.id, y.year) for y in await finance_services.list_fiscal_years(db_session, actor)
            ],
            account_options=[(a.id, a.name) for a in await finance_services.list_accounts(db_session, actor)],
            kind_options=_options(KIND_NAMES),
            may_set_up=actor.role in finance_services.SETUP_ROLES,
            outcome=outcome,
        )

    @get("/items")
    async def items(
        self, current_user: OptionalUser, actor: ActingActor, db_session: DbSession, page: PageNumber = 1
    ) -> Template:
        """Revenue items with their budget, and the form to add one."""
        return await self._items_page(current_user, actor, db_session, page)

    @post("/items", guards=[require_roles(*finance_services.SETUP_ROLES)])
    async def add_item(
        self, data: Form, current_user: OptionalUser, actor: ActingActor, db_session: DbSession
    ) -> Template | Redirect:
        """Add a revenue item; a wrong field comes back with its message."""
        check = FormCheck(data)
        fiscal_year_id, account_id = check.uuid("fiscal_year_id"), check.uuid("account_id")
        kind = check.choice("kind", RevenueKind)
        code, name = check.text("code", 20), check.text("name")
        raw_budget = data.get("budget_amount", "").replace(",", "").strip()
        budget = 0 if raw_budget == "0" else check.won("budget_amount")
        _, outcome = await _attempt(
            "item",
            check,
            lambda: services.create_revenue_item(
                db_session,
                actor,
                fiscal_year_id=fiscal_year_id,
                account_id=account_id,
                kind=kind,
                code=code,
                name=name,
                budget_amount=budget,
            ),
        )
        if outcome:
            return await self._items_page(current_user, actor, db_session, 1, outcome)
        return Redirect(path="/finance/revenue/items?done=item", status_code=303)

    # assessments

    @get("/assessments")
    async def assessments(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        page: PageNumber = 1,
        item_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
        status: Annotated[AssessmentStatus | None, QueryParameter()] = None,
        payer: Annotated[str | None, QueryParameter(max_length=200)] = None,
        overdue: Annotated[bool, QueryParameter()] = False,
    ) -> Template:
        """Assessments, newest first, filtered by item, status, payer name, overdue today."""
        rows, total = await services.list_assessments(
            db_session,
            actor,
            item_id=item_id,
            status=status,
            payer_name=payer or None,
            overdue_on=date.today() if overdue else None,
            limit=PAGE_SIZE,
            offset=page_offset(page),
        )
        items, _ = await services.list_revenue_items(db_session, actor, limit=200, offset=0)
        filters = {
            "item_id": str(item_id) if item_id else "",
            "status": str(status) if status else "",
            "payer": payer or "",
            "overdue": "true" if overdue else "",
        }
        return self._page(
            "assessments",
            current_user,
            rows=rows,
            total=total,
            page=page,
            pages=page_count(total),
            items=items,
            filters=filters,
            may_assess=actor.role in finance_services.MAKER_ROLES,
        )

    async def _assessment_form(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        outcome: FormOutcome | None = None,
    ) -> Template:
        items, _ = await services.list_revenue_items(db_session, actor, limit=200, offset=0)
        return self._page(
            "assessment_form",
            current_user,
            HTTP_422_UNPROCESSABLE_ENTITY if outcome else 200,
            items=items,
            item_options=[(i.id, f"{i.code} {i.name}") for i in items],
            payer_options=_options(PAYER_NAMES),
            outcome=outcome,
            today=date.today().isoformat(),
        )

    @get("/assessments/new", guards=[require_roles(*finance_services.MAKER_ROLES)])
    async def new_assessment(
        self, current_user: OptionalUser, actor: ActingActor, db_session: DbSession
    ) -> Template:
        """The assessment (부과) form."""
        return await self._assessment_form(current_user, actor, db_session)

    @post("/assessments", guards=[require_roles(*finance_services.MAKER_ROLES)])
    async def assess(
        self, data: Form, current_user: OptionalUser, actor: ActingActor, db_session: DbSession
    ) -> Template | Redirect:
        """Create the assessment and show it; a wrong field comes back with its message."""
        check = FormCheck(data)
        item_id = check.uuid("item_id")
        payer_kind = check.choice("payer_kind", PayerKind)
        payer_name, payer_number = check.text("payer_name"), check.text("payer_number", 14)
        description = check.text("description", 500)
        amount = check.won("amount")
        assessed_on, due_date = check.day("assessed_on"), check.day("due_date")
        if not check.errors.keys() & {"assessed_on", "due_date"} and due_date < assessed_on:
            check.errors["due_date"] = gettext("The due date cannot be before the assessment date.")
        if "payer_number" not in check.errors:
            try:
                services.payer_identity(payer_kind, payer_number)
            except DomainError:
                check.errors["payer_number"] = gettext(
                    "Enter a valid resident registration number (13 digits) or business registration "
                    "number (10 digits) for the kind of payer chosen."
                )
        assessment, outcome = await _attempt(
            "assessment",
            check,
            lambda: services.create_assessment(
                db_session,
                actor,
                item_id=item_id,
                payer_kind=payer_kind,
                payer_name=payer_name,
                payer_number=payer_number,
                description=description,
                amount=amount,
                assessed_on=assessed_on,
                due_date=due_date,
            ),
        )
        if outcome:
            outcome.values = {k: v for k, v in outcome.values.items() if k != "payer_number"}
            return await self._assessment_form(current_user, actor, db_session, outcome)
        return Redirect(path=f"/finance/revenue/assessments/{assessment.id}?done=assess", status_code=303)

    async def _detail_page(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        assessment_id: uuid.UUID,
        *,
        done: str | None = None,
        outcome: FormOutcome | None = None,
    ) -> Template:
        detail = await services.get_assessment(db_session, actor, assessment_id)
        return self._page(
            "assessment",
            current_user,
            HTTP_422_UNPROCESSABLE_ENTITY if outcome else 200,
            detail=detail,
            a=detail.assessment,
            done=done,
            outcome=outcome,
            today=date.today().isoformat(),
            may_make=actor.role in finance_services.MAKER_ROLES,
            may_collect=actor.role in services.COLLECTOR_ROLES,
            may_approve=actor.role in finance_services.APPROVER_ROLES,
            user_id=actor.user_id,
            channel_options=_options(CHANNEL_NAMES),
            refund_options=_options(REFUND_NAMES),
            receiving=detail.assessment.status
            in {AssessmentStatus.RESOLVED, AssessmentStatus.PARTIALLY_PAID, AssessmentStatus.PAID},
        )

    @get("/assessments/{assessment_id:uuid}")
    async def assessment(
        self,
        assessment_id: FromPath[uuid.UUID],
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        done: Annotated[str | None, QueryParameter(pattern=r"^[a-z_]{1,20}$")] = None,
    ) -> Template:
        """One assessment, its receipts, reductions and refunds, and what the reader may do next."""
        return await self._detail_page(current_user, actor, db_session, assessment_id, done=done)

    @post("/assessments/{assessment_id:uuid}/{action:str}")
    async def act(
        self,
        assessment_id: FromPath[uuid.UUID],
        action: FromPath[str],
        data: Form,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
    ) -> Template | Redirect:
        """징수결의, 수납, 감액, 부과 취소 or a refund request; the service checks the role."""
        check = FormCheck(data)
        run: Callable[[], Awaitable[Any]]
        if action == "resolve":

            def run() -> Awaitable[Any]:
                return services.resolve_collection(db_session, actor, assessment_id)

        elif action == "receive":
            amount, received_on = check.won("amount"), check.day("received_on")
            channel, reference = check.choice("channel", ReceiptChannel), check.text("reference", 100)

            def run() -> Awaitable[Any]:
                return services.record_receipt(
                    db_session,
                    actor,
                    assessment_id=assessment_id,
                    amount=amount,
                    received_on=received_on,
                    channel=channel,
                    reference=reference,
                )

        elif action == "reduce":
            amount, reason = check.won("amount"), check.text("reason", 500)

            def run() -> Awaitable[Any]:
                return services.reduce_assessment(
                    db_session, actor, assessment_id, amount=amount, reason=reason
                )

        elif action == "cancel":
            reason = check.text("reason", 500)

            def run() -> Awaitable[Any]:
                return services.cancel_assessment(db_session, actor, assessment_id, reason=reason)

        elif action == "refund":
            kind, amount, reason = (
                check.choice("kind", RefundKind),
                check.won("amount"),
                check.text("reason", 500),
            )

            def run() -> Awaitable[Any]:
                return services.request_refund(
                    db_session, actor, assessment_id=assessment_id, kind=kind, amount=amount, reason=reason
                )

        else:
            raise NotFoundError("No such action on an assessment.")
        _, outcome = await _attempt(action, check, run)
        if outcome:
            return await self._detail_page(current_user, actor, db_session, assessment_id, outcome=outcome)
        return Redirect(path=f"/finance/revenue/assessments/{assessment_id}?done={action}", status_code=303)

    @post(
        "/refunds/{refund_id:uuid}/{decision:str}", guards=[require_roles(*finance_services.APPROVER_ROLES)]
    )
    async def decide_refund(
        self,
        refund_id: FromPath[uuid.UUID],
        decision: FromPath[str],
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
    ) -> Template | Redirect:
        """Approve or reject a refund (four-eyes: never your own request)."""
        if decision not in {"approve", "reject"}:
            raise NotFoundError("No such decision.")
        refund = await services.get_refund(db_session, actor, refund_id)
        _, outcome = await _attempt(
            "decide",
            FormCheck({}),
            lambda: services.decide_refund(db_session, actor, refund_id, approve=decision == "approve"),
        )
        if outcome:
            return await self._detail_page(
                current_user, actor, db_session, refund.assessment_id, outcome=outcome
            )
        return Redirect(
            path=f"/finance/revenue/assessments/{refund.assessment_id}?done=refund_{decision}",
            status_code=303,
        )

    @get("/refunds")
    async def refunds(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        page: PageNumber = 1,
        status: Annotated[ApprovalStatus | None, QueryParameter()] = ApprovalStatus.REQUESTED,
    ) -> Template:
        """Refunds, those awaiting a decision first of all, with the assessment each gives back from."""
        rows, total = await services.list_refunds(
            db_session, actor, status=status, limit=PAGE_SIZE, offset=page_offset(page)
        )
        return self._page(
            "refunds",
            current_user,
            rows=rows,
            total=total,
            page=page,
            pages=page_count(total),
            status=str(status) if status else "",
            user_id=actor.user_id,
            may_approve=actor.role in finance_services.APPROVER_ROLES,
        )

    # receivables and settlement

    @get("/receivables")
    async def receivables(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        page: PageNumber = 1,
        fiscal_year: Annotated[int | None, QueryParameter(ge=2000, le=2100)] = None,
        as_of: Annotated[date | None, QueryParameter()] = None,
        by: Annotated[Literal["item", "payer"], QueryParameter()] = "item",
    ) -> Template:
        """미수납액 per revenue item or per payer, aged on a day."""
        year = await self._fiscal_year(db_session, actor, fiscal_year)
        day = as_of or date.today()
        rows, total = await services.receivables(
            db_session,
            actor,
            fiscal_year=year,
            as_of=day,
            by=by,
            limit=PAGE_SIZE,
            offset=page_offset(page),
        )
        return self._page(
            "receivables",
            current_user,
            rows=rows,
            total=total,
            page=page,
            pages=page_count(total),
            fiscal_year=year,
            as_of=day,
            by=by,
            buckets=services.AGEING_BUCKETS,
        )

    @get("/settlement")
    async def settlement(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        fiscal_year: Annotated[int | None, QueryParameter(ge=2000, le=2100)] = None,
    ) -> Template:
        """세입결산, printable."""
        year = await self._fiscal_year(db_session, actor, fiscal_year)
        return self._page(
            "settlement",
            current_user,
            settlement=await services.revenue_settlement(db_session, actor, year),
            fiscal_year=year,
        )

    @get("/settlement.csv")
    async def settlement_csv(
        self,
        actor: ActingActor,
        db_session: DbSession,
        fiscal_year: Annotated[int | None, QueryParameter(ge=2000, le=2100)] = None,
    ) -> Response[bytes]:
        """세입결산 as CSV (UTF-8 with a BOM, so that spreadsheet programs read the Korean)."""
        year = await self._fiscal_year(db_session, actor, fiscal_year)
        result = await services.revenue_settlement(db_session, actor, year)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(SETTLEMENT_COLUMNS)
        total = result.total
        for row, code, kind in [*((r, r.code, str(r.kind)) for r in result.rows), (total, "TOTAL", "")]:
            writer.writerow(
                [
                    code,
                    row.name,
                    kind,
                    row.budget,
                    row.assessed,
                    row.collected,
                    row.refunded,
                    row.receivable,
                    "" if row.collection_rate is None else row.collection_rate,
                    "" if row.budget_rate is None else row.budget_rate,
                ]
            )
        filename = f"revenue-settlement-{result.government_code}-{year}.csv"
        return Response(
            ("\ufeff" + buffer.getvalue()).encode(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
