"""What every e-Hojo+ page shares: the service, the page context, reading forms, showing refusals.

Forms are read field by field by :class:`Form`, which turns what a person typed into typed values
and collects a message (in the request's language) for every field that is wrong, so the page can
be shown again with the values kept, each wrong field marked, and an error summary on top. A
business rule the service layer refuses (budget control, four-eyes, a state that moved on) is shown
the same way by :func:`attempt`, which runs the service call in a savepoint: a refusal leaves
nothing half-written although the request itself goes on to render the form.
"""

from __future__ import annotations

import enum
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import date
from typing import Annotated, Any, TypeVar

from litestar.params import QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from app.finance.models import (
    ApprovalStatus,
    BudgetVersionKind,
    BudgetVersionStatus,
    ContractMethod,
    FiscalYearStatus,
    FundKind,
    LedgerAccount,
    MilestoneKind,
    MilestoneStatus,
    ObjectGroup,
    PaymentOrderStatus,
    ProgrammeLevel,
)
from app.finance.schemas import MAX_WON
from app.platform.auth.middleware import CurrentUser
from app.platform.auth.models import Role
from app.platform.errors import DomainError, ForbiddenError, NotFoundError
from app.platform.i18n import gettext
from app.platform.paging import page_count
from app.platform.web import N_, SERVICES

FINANCE = next(s for s in SERVICES if s.slug == "finance")

EnumT = TypeVar("EnumT", bound=enum.StrEnum)
ResultT = TypeVar("ResultT")

Notice = Annotated[str | None, QueryParameter(pattern=r"^[a-z_]{1,40}$")]
"""Which status message a page shows after a redirect (a key of :data:`NOTICES`, never free text)."""

NOTICES = {
    "year_created": N_("The fiscal year is open."),
    "account_created": N_("The account is registered."),
    "programme_created": N_("The programme is added."),
    "line_created": N_("The budget line is added."),
    "version_created": N_("The budget draft is saved."),
    "version_submitted": N_("The budget draft is submitted to the council; its amounts are frozen."),
    "version_approved": N_("The council's approval is recorded; the lines take the version's amounts."),
    "version_rejected": N_("The council's rejection is recorded."),
    "allocation_requested": N_("The allocation is requested; an approver decides it."),
    "contract_created": N_("The contract is registered."),
    "milestone_added": N_("The milestone is added to the contract's schedule."),
    "milestone_removed": N_("The milestone is removed from the schedule."),
    "milestone_accepted": N_("The inspection is recorded; the milestone's payment orders may be issued."),
    "commitment_requested": N_("The commitment is requested and its amount reserved on the line."),
    "commitment_cancelled": N_("The commitment is cancelled and its reservation released."),
    "resolution_requested": N_("The expenditure resolution is requested; an approver decides it."),
    "order_created": N_("The payment order is issued; an approver decides it."),
    "order_paid": N_("The treasury payment is recorded."),
    "approve": N_("Approved."),
    "reject": N_("Rejected."),
}

STATUS_LABELS: dict[str, str] = {
    ApprovalStatus.REQUESTED: N_("Requested"),
    ApprovalStatus.APPROVED: N_("Approved"),
    ApprovalStatus.REJECTED: N_("Rejected"),
    ApprovalStatus.CANCELLED: N_("Cancelled"),
    PaymentOrderStatus.PAID: N_("Payment made"),
    BudgetVersionStatus.DRAFT: N_("Draft"),
    BudgetVersionStatus.SUBMITTED: N_("Before the council"),
    FiscalYearStatus.OPEN: N_("Open"),
    FiscalYearStatus.CLOSED: N_("Closed"),
    MilestoneStatus.PLANNED: N_("Planned"),
    MilestoneStatus.PARTLY_COMMITTED: N_("Partly committed"),
    MilestoneStatus.COMMITTED: N_("Fully committed"),
    MilestoneStatus.ACCEPTED: N_("Inspected and accepted"),
}
"""Status values as people read them (the values shared by several enums are labelled once)."""

LABELS: dict[type[enum.StrEnum], dict[str, str]] = {
    FundKind: {
        FundKind.GENERAL: N_("General account"),
        FundKind.SPECIAL: N_("Special account"),
        FundKind.FUND: N_("Fund"),
    },
    ProgrammeLevel: {
        ProgrammeLevel.FIELD: N_("Field"),
        ProgrammeLevel.SECTOR: N_("Sector"),
        ProgrammeLevel.POLICY: N_("Policy programme"),
        ProgrammeLevel.UNIT: N_("Unit programme"),
        ProgrammeLevel.DETAIL: N_("Detail programme"),
    },
    ObjectGroup: {
        ObjectGroup.PERSONNEL: N_("Personnel"),
        ObjectGroup.GOODS: N_("Goods and services"),
        ObjectGroup.CURRENT_TRANSFERS: N_("Current transfers"),
        ObjectGroup.CAPITAL: N_("Capital expenditure"),
        ObjectGroup.LOANS_AND_INVESTMENTS: N_("Loans and investments"),
        ObjectGroup.FINANCING: N_("Financing"),
        ObjectGroup.INTERNAL: N_("Internal transactions"),
        ObjectGroup.RESERVE_AND_OTHER: N_("Reserves and other"),
    },
    ContractMethod: {
        ContractMethod.OPEN_TENDER: N_("Open tender"),
        ContractMethod.RESTRICTED_TENDER: N_("Restricted tender"),
        ContractMethod.NOMINATED_TENDER: N_("Nominated tender"),
        ContractMethod.PRIVATE: N_("Private contract"),
    },
    MilestoneKind: {
        MilestoneKind.ADVANCE: N_("Advance payment"),
        MilestoneKind.PROGRESS: N_("Progress payment"),
        MilestoneKind.COMPLETION: N_("Completion"),
    },
    BudgetVersionKind: {
        BudgetVersionKind.ORIGINAL: N_("Original budget"),
        BudgetVersionKind.SUPPLEMENTARY: N_("Supplementary budget"),
    },
    LedgerAccount: {
        LedgerAccount.CASH: N_("Cash and cash equivalents"),
        LedgerAccount.DEPOSITS: N_("Short-term deposits"),
        LedgerAccount.TAX_RECEIVABLE: N_("Taxes receivable"),
        LedgerAccount.NONTAX_RECEIVABLE: N_("Non-tax revenue receivable"),
        LedgerAccount.INVESTMENTS: N_("Loans and investments"),
        LedgerAccount.FIXED_ASSETS: N_("Tangible assets"),
        LedgerAccount.LAND: N_("Land"),
        LedgerAccount.BUILDINGS: N_("Buildings"),
        LedgerAccount.EQUIPMENT: N_("Equipment"),
        LedgerAccount.ACCUMULATED_DEPRECIATION: N_("Accumulated depreciation"),
        LedgerAccount.PAYABLE: N_("Accounts payable"),
        LedgerAccount.DEPOSITS_RECEIVED: N_("Deposits received"),
        LedgerAccount.BORROWINGS: N_("Borrowings (local bonds)"),
        LedgerAccount.NET_ASSETS: N_("Net assets"),
        LedgerAccount.TAX_REVENUE: N_("Local tax revenue"),
        LedgerAccount.NONTAX_REVENUE: N_("Non-tax revenue"),
        LedgerAccount.TRANSFER_REVENUE: N_("Transfer revenue"),
        LedgerAccount.OTHER_REVENUE: N_("Other revenue"),
        LedgerAccount.PERSONNEL_EXPENSE: N_("Personnel expense"),
        LedgerAccount.OPERATING_EXPENSE: N_("Operating expense"),
        LedgerAccount.TRANSFER_EXPENSE: N_("Transfer expense"),
        LedgerAccount.DEPRECIATION_EXPENSE: N_("Depreciation expense"),
        LedgerAccount.INTEREST_EXPENSE: N_("Interest expense"),
        LedgerAccount.INTERNAL_TRANSFERS: N_("Internal transfers"),
        LedgerAccount.OTHER_EXPENSE: N_("Other expense"),
    },
}


def label(value: enum.StrEnum | str) -> str:
    """A status or a vocabulary value in the request's language."""
    if isinstance(value, enum.StrEnum) and type(value) in LABELS:
        return gettext(LABELS[type(value)][value])
    return gettext(STATUS_LABELS.get(str(value), str(value)))


def choices(vocabulary: type[enum.StrEnum]) -> list[tuple[str, str]]:
    """A vocabulary as a select's options: (value, what people read)."""
    return [(str(member), label(member)) for member in vocabulary]


def redirect(path: str, notice: str) -> Redirect:
    """Post/redirect/get: after a change, show the record with a status message."""
    separator = "&" if "?" in path else "?"
    return Redirect(path=f"{path}{separator}notice={notice}", status_code=303)


def render(
    template: str,
    current_user: CurrentUser | None,
    *,
    notice: str | None = None,
    status_code: int = 200,
    **context: Any,
) -> Template:
    """A finance page with what every one of them needs: who is signed in, the service, the roles."""
    role = current_user.actor.role if current_user else None
    return Template(
        f"finance/{template}",
        context={
            "current_user": current_user,
            "service": FINANCE,
            "label": label,
            "notice": gettext(NOTICES[notice]) if notice in NOTICES else None,
            "may_set_up": role in (Role.FINANCE_OFFICER, Role.ADMIN),
            "may_make": role in (Role.OFFICIAL, Role.FINANCE_OFFICER),
            "may_decide": role is Role.APPROVER,
            "may_disburse": role is Role.FINANCE_OFFICER,
            **context,
        },
        status_code=status_code,
    )


def paging(total: int, page_number: int) -> dict[str, Any]:
    """The pager's context (``_pager.html`` keeps the request's filters in its links by itself)."""
    return {"total": total, "page": page_number, "pages": page_count(total)}


class Form:
    """A submitted form: typed values out, a message per wrong field in, the typed text kept for re-display."""

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        self.values: dict[str, str] = {}
        for name, value in (data or {}).items():
            if name == "_csrf_token":
                continue
            last = value[-1] if isinstance(value, list) and value else value
            self.values[name] = str(last).strip() if last is not None else ""
        self.errors: dict[str, str] = {}
        self.refusal: str | None = None
        self.refusal_status = 422

    @property
    def ok(self) -> bool:
        """Nothing is wrong (yet)."""
        return not self.errors and self.refusal is None

    @property
    def status_code(self) -> int:
        """What the page shown again answers: 422 for wrong fields, else the refusal's status."""
        return 422 if self.errors else self.refusal_status

    def fail(self, name: str, message: str) -> None:
        """Mark a field as wrong (the first message for a field wins)."""
        self.errors.setdefault(name, message)

    def refuse(self, error: DomainError) -> None:
        """The service refused the request as a whole."""
        self.refusal = error.detail
        self.refusal_status = error.status_code

    def text(self, name: str, *, max_length: int, required: bool = True) -> str:
        """Free text of at most ``max_length`` characters."""
        value = self.values.get(name, "")
        if not value and required:
            self.fail(name, gettext("Enter this field."))
        elif len(value) > max_length:
            self.fail(name, gettext("Enter at most {n} characters.", n=max_length))
        return value

    def code(self, name: str, pattern: str, example: str) -> str:
        """A code of a fixed shape (편성목 ``201``, 통계목 ``201-01``)."""
        value = self.values.get(name, "")
        if not value:
            self.fail(name, gettext("Enter this field."))
        elif not re.fullmatch(pattern, value):
            self.fail(name, gettext("Enter it in the form {example}.", example=example))
        return value

    def won(self, name: str, *, allow_zero: bool = False) -> int:
        """An amount in won: digits, thousands separators allowed."""
        raw = self.values.get(name, "").replace(",", "").replace(" ", "")
        if not raw:
            self.fail(name, gettext("Enter an amount in won."))
            return 0
        if not raw.isascii() or not raw.isdigit():
            self.fail(name, gettext("Enter the amount in whole won, digits only (e.g. 1,500,000)."))
            return 0
        amount = int(raw)
        if amount == 0 and not allow_zero:
            self.fail(name, gettext("The amount must be more than 0 won."))
        elif amount > MAX_WON:
            self.fail(name, gettext("The amount is too large."))
        return amount

    def integer(self, name: str, low: int, high: int) -> int:
        """A whole number between ``low`` and ``high``."""
        raw = self.values.get(name, "")
        if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
            self.fail(name, gettext("Choose a value from {low} to {high}.", low=low, high=high))
            return low
        return int(raw)

    def choice(self, name: str, vocabulary: type[EnumT]) -> EnumT | None:
        """One value of a closed vocabulary."""
        raw = self.values.get(name, "")
        try:
            return vocabulary(raw)
        except ValueError:
            self.fail(name, gettext("Choose one of the options."))
            return None

    def day(self, name: str) -> date | None:
        """A date as YYYY-MM-DD (what a date input sends)."""
        raw = self.values.get(name, "")
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw):
            try:
                return date.fromisoformat(raw)
            except ValueError:
                pass
        self.fail(name, gettext("Enter a date as YYYY-MM-DD."))
        return None

    def record(self, name: str, *, required: bool = True) -> uuid.UUID | None:
        """The id of a record chosen from a list."""
        raw = self.values.get(name, "")
        if not raw:
            if required:
                self.fail(name, gettext("Choose one of the options."))
            return None
        try:
            return uuid.UUID(raw)
        except ValueError:
            self.fail(name, gettext("Choose one of the options."))
            return None


async def attempt(
    session: AsyncSession, form: Form, action: Callable[[], Awaitable[ResultT]]
) -> ResultT | None:
    """Run a service call in a savepoint; a refused rule goes on the form, the savepoint is undone.

    *Not found* and *forbidden* are not the form's business: they show the error page as elsewhere.
    """
    try:
        async with session.begin_nested():
            return await action()
    except (NotFoundError, ForbiddenError):
        raise
    except DomainError as error:
        form.refuse(error)
        return None
