"""e-Hojo+ business rules: budget structure, versions, allocation, execution, payment and posting.

Every function takes ``(session, actor, ...)``, checks the actor's role and government itself (other
services call this layer without going through the HTTP guards), only ``flush()``es, and records an
audit event for each state change.

Budget control runs inside the caller's transaction while holding the budget line's row lock
(``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's single writer lock gives the same guarantee), so
concurrent requests against one line are decided one after the other and can never together exceed
``available = allocated − committed − spent without commitment``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.finance import metrics
from app.finance.milestones import rules as milestone_rules
from app.finance.models import (
    APPROVAL_TRANSITIONS,
    BUDGET_VERSION_TRANSITIONS,
    FISCAL_YEAR_TRANSITIONS,
    PAYMENT_ORDER_TRANSITIONS,
    Allocation,
    ApprovalStatus,
    BudgetLine,
    BudgetVersion,
    BudgetVersionKind,
    BudgetVersionLine,
    BudgetVersionStatus,
    Commitment,
    Contract,
    ContractMethod,
    ExpenditureResolution,
    FinanceAccount,
    FiscalYear,
    FiscalYearStatus,
    FundKind,
    JournalEntry,
    JournalLine,
    LedgerAccount,
    ObjectGroup,
    PaymentOrder,
    PaymentOrderStatus,
    Programme,
    ProgrammeLevel,
    quarter_of_month,
    require_transition,
)
from app.platform.audit import record_event
from app.platform.auth.models import Role
from app.platform.db import utcnow
from app.platform.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from app.platform.governments import get_government
from app.platform.i18n import Term
from app.platform.paging import fetch_page
from app.platform.tenancy import Actor, restrict_to_actor
from app.platform.tenancy import get_for_actor as _get
from app.platform.web import ROLE_LABELS

SETUP_ROLES = frozenset({Role.FINANCE_OFFICER, Role.ADMIN})
"""Who maintains the budget structure (fiscal years, accounts, programmes, lines)."""
MAKER_ROLES = frozenset({Role.OFFICIAL, Role.FINANCE_OFFICER})
"""Who drafts and requests: budget versions, allocations, contracts, commitments, resolutions, orders."""
APPROVER_ROLES = frozenset({Role.APPROVER})
"""Who decides requests (never their own: four-eyes)."""
DISBURSING_ROLES = frozenset({Role.FINANCE_OFFICER})
"""Who records the treasury bank's payment of an approved order (지출원)."""
READER_ROLES = frozenset({Role.OFFICIAL, Role.FINANCE_OFFICER, Role.APPROVER, Role.AUDITOR, Role.ADMIN})
"""Who reads finance records (of their own government; the ministry reads all)."""

BUSINESS_NUMBER_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)
OPEN_COMMITMENT_STATUSES = frozenset({ApprovalStatus.REQUESTED, ApprovalStatus.APPROVED})


class UnbalancedJournalError(RuntimeError):
    """A posting whose debits and credits differ: a bug, never a user error."""


def is_valid_business_registration_number(number: str) -> bool:
    """사업자등록번호 check: 10 digits, the last one a check digit over the weighted first nine."""
    digits = number.replace("-", "")
    if len(digits) != 10 or not digits.isascii() or not digits.isdigit():
        return False
    values = [int(d) for d in digits]
    total = sum(v * w for v, w in zip(values[:9], BUSINESS_NUMBER_WEIGHTS, strict=True))
    total += values[8] * 5 // 10  # the 9th digit's product contributes its tens digit too
    return (10 - total % 10) % 10 == values[9]


# --- who may act ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Acting:
    """A staff member acting for one government."""

    user_id: uuid.UUID
    government_code: str


def _require_role(actor: Actor, roles: frozenset[Role], doing: str) -> _Acting:
    """The actor's user and government, if their role may do this for a government."""
    if actor.role not in roles:
        raise ForbiddenError(
            "Your role ({role}) may not {doing}; it needs one of: {roles}.",
            role=Term(ROLE_LABELS[actor.role]),
            doing=Term(doing),
            roles=Term(*(ROLE_LABELS[role] for role in sorted(roles))),
        )
    if actor.government_code is None or actor.user_id is None:
        raise ForbiddenError(
            "The ministry reads every government's finance records but may not {doing}: "
            "only a government's own staff act for it.",
            doing=Term(doing),
        )
    return _Acting(actor.user_id, actor.government_code)


def _require_reader(actor: Actor) -> None:
    if actor.role not in READER_ROLES:
        raise ForbiddenError(
            "Your role ({role}) may not read finance records.", role=Term(ROLE_LABELS[actor.role])
        )


def _require_other_person(actor: Actor, requested_by: uuid.UUID, what: str) -> None:
    """Four-eyes: whoever requested something can never be the one who decides it."""
    if actor.user_id == requested_by:
        raise ForbiddenError(
            "You requested this {what}; another approver must decide it (four-eyes rule).", what=Term(what)
        )


async def _require_open_year(session: AsyncSession, fiscal_year_id: uuid.UUID) -> FiscalYear:
    year = await session.get(FiscalYear, fiscal_year_id)
    if year is None:
        raise NotFoundError("No such fiscal year.")
    if year.status is not FiscalYearStatus.OPEN:
        raise ConflictError("The fiscal year {year} is closed.", year=year.year)
    return year


_GOVERNMENT_KINDS: dict[str, str] = {}
"""Government code → kind label for metrics; governments are reference data, so a process keeps them."""


async def _government_kind(session: AsyncSession, government_code: str) -> str:
    """The government's kind as a metrics label (``autonomous_district``), looked up once per process."""
    kind = _GOVERNMENT_KINDS.get(government_code)
    if kind is None:
        government = await get_government(session, government_code)
        if government is None:
            return "unknown"
        kind = _GOVERNMENT_KINDS[government_code] = government.kind.name.lower()
    return kind


# --- snapshots for the audit trail ---------------------------------------------------------------


def _line_totals(line: BudgetLine) -> dict[str, Any]:
    return {
        "budget": line.budget_amount,
        "allocated": line.allocated_amount,
        "committed": line.committed_amount,
        "spent_uncommitted": line.spent_uncommitted_amount,
        "paid": line.paid_amount,
    }


def _request_snapshot(
    record: Allocation | Commitment | ExpenditureResolution | PaymentOrder,
) -> dict[str, Any]:
    return {"status": record.status, "amount": record.amount}


async def _record_decision(
    session: AsyncSession,
    actor: Actor,
    acting: _Acting,
    kind: str,
    request: Allocation | Commitment | ExpenditureResolution | PaymentOrder,
    target: ApprovalStatus | PaymentOrderStatus,
    before: dict[str, Any],
) -> None:
    """Set an approver's decision on ``request`` and audit it as ``<kind>.<target>``."""
    request.status = target
    request.decided_by = acting.user_id
    request.decided_at = utcnow()
    await session.flush()
    await _audit(session, actor, f"{kind}.{target}", request, before=before, after=_request_snapshot(request))


async def _audit(
    session: AsyncSession,
    actor: Actor,
    action: str,
    record: Any,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    await record_event(
        session,
        actor,
        f"finance.{action}",
        target_type=action.split(".", 1)[0],
        target_id=record.id,
        government_code=record.government_code,
        before=before,
        after=after,
    )


# --- the journal ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Posting:
    """One side of a journal entry to be posted."""

    account: LedgerAccount
    debit: int = 0
    credit: int = 0


async def post_journal_entry(
    session: AsyncSession,
    actor: Actor,
    *,
    government_code: str,
    fiscal_year: int,
    description: str,
    source_type: str,
    source_id: uuid.UUID,
    postings: Sequence[Posting],
) -> JournalEntry:
    """Post a balanced double entry; refuses (as a bug) anything that does not balance."""
    debits = sum(p.debit for p in postings)
    credits = sum(p.credit for p in postings)
    if debits != credits or debits <= 0:
        raise UnbalancedJournalError(
            f"journal entry for {source_type} {source_id} does not balance: debits {debits}, credits {credits}"
        )
    entry = JournalEntry(
        id=uuid.uuid4(),  # known before the flush, so the entry and its lines go in one flush
        government_code=government_code,
        fiscal_year=fiscal_year,
        posted_at=utcnow(),
        description=description,
        source_type=source_type,
        source_id=source_id,
        posted_by=actor.user_id,
    )
    session.add(entry)
    session.add_all(
        JournalLine(entry_id=entry.id, account=p.account, debit=p.debit, credit=p.credit) for p in postings
    )
    await session.flush()
    return entry


async def _post_for_line(
    session: AsyncSession,
    actor: Actor,
    line: BudgetLine,
    *,
    description: str,
    source_type: str,
    source_id: uuid.UUID,
    debit: LedgerAccount,
    credit: LedgerAccount,
    amount: int,
) -> JournalEntry:
    year = await session.get(FiscalYear, line.fiscal_year_id)
    if year is None:
        raise NotFoundError("No such fiscal year.")
    return await post_journal_entry(
        session,
        actor,
        government_code=line.government_code,
        fiscal_year=year.year,
        description=description,
        source_type=source_type,
        source_id=source_id,
        postings=[Posting(debit, debit=amount), Posting(credit, credit=amount)],
    )


# --- budget structure ----------------------------------------------------------------------------


async def create_fiscal_year(session: AsyncSession, actor: Actor, *, year: int) -> FiscalYear:
    """Open a fiscal year for the actor's government."""
    acting = _require_role(actor, SETUP_ROLES, "open fiscal years")
    exists = await session.scalar(
        select(func.count())
        .select_from(FiscalYear)
        .where(FiscalYear.government_code == acting.government_code, FiscalYear.year == year)
    )
    if exists:
        raise ConflictError("The fiscal year {year} already exists.", year=year)
    fiscal_year = FiscalYear(government_code=acting.government_code, year=year)
    session.add(fiscal_year)
    await session.flush()
    await _audit(session, actor, "fiscal_year.create", fiscal_year, after={"year": year})
    return fiscal_year


async def close_fiscal_year(session: AsyncSession, actor: Actor, fiscal_year_id: uuid.UUID) -> FiscalYear:
    """Close a fiscal year: it takes no more budget or execution records."""
    _require_role(actor, APPROVER_ROLES, "close fiscal years")
    fiscal_year = await _get(session, actor, FiscalYear, fiscal_year_id, "fiscal year", lock=True)
    require_transition("fiscal year", fiscal_year.status, FiscalYearStatus.CLOSED, FISCAL_YEAR_TRANSITIONS)
    fiscal_year.status = FiscalYearStatus.CLOSED
    await session.flush()
    await _audit(
        session,
        actor,
        "fiscal_year.close",
        fiscal_year,
        before={"status": FiscalYearStatus.OPEN},
        after={"status": fiscal_year.status},
    )
    return fiscal_year


async def list_fiscal_years(session: AsyncSession, actor: Actor) -> list[FiscalYear]:
    """The fiscal years of the actor's government (all for the ministry), newest first."""
    _require_reader(actor)
    query = restrict_to_actor(select(FiscalYear), FiscalYear.government_code, actor)
    rows = await session.scalars(query.order_by(FiscalYear.year.desc(), FiscalYear.government_code))
    return list(rows.all())


async def create_account(
    session: AsyncSession, actor: Actor, *, code: str, name: str, kind: FundKind
) -> FinanceAccount:
    """Register the general account, a special account or a fund."""
    acting = _require_role(actor, SETUP_ROLES, "register accounts")
    exists = await session.scalar(
        select(func.count())
        .select_from(FinanceAccount)
        .where(FinanceAccount.government_code == acting.government_code, FinanceAccount.code == code)
    )
    if exists:
        raise ConflictError("An account with the code {code} already exists.", code=code)
    if kind is FundKind.GENERAL:
        general = await session.scalar(
            select(func.count())
            .select_from(FinanceAccount)
            .where(
                FinanceAccount.government_code == acting.government_code,
                FinanceAccount.kind == FundKind.GENERAL,
            )
        )
        if general:
            raise ConflictError("A government has exactly one general account, and it exists already.")
    account = FinanceAccount(government_code=acting.government_code, code=code, name=name, kind=kind)
    session.add(account)
    await session.flush()
    await _audit(session, actor, "account.create", account, after={"code": code, "name": name, "kind": kind})
    return account


async def list_accounts(session: AsyncSession, actor: Actor) -> list[FinanceAccount]:
    """Accounts of the actor's government (all for the ministry)."""
    _require_reader(actor)
    query = restrict_to_actor(select(FinanceAccount), FinanceAccount.government_code, actor)
    return list(
        (await session.scalars(query.order_by(FinanceAccount.government_code, FinanceAccount.code))).all()
    )


async def create_programme(
    session: AsyncSession,
    actor: Actor,
    *,
    fiscal_year_id: uuid.UUID,
    level: ProgrammeLevel,
    code: str,
    name: str,
    parent_id: uuid.UUID | None,
) -> Programme:
    """Add a node to the programme hierarchy; its parent must be the level directly above."""
    acting = _require_role(actor, SETUP_ROLES, "maintain the programme structure")
    fiscal_year = await _get(session, actor, FiscalYear, fiscal_year_id, "fiscal year")
    await _require_open_year(session, fiscal_year.id)
    expected_parent = level.parent_level
    if expected_parent is None:
        if parent_id is not None:
            raise InvalidInputError(
                "A functional field (분야) is the top of the hierarchy and has no parent."
            )
    else:
        if parent_id is None:
            raise InvalidInputError(
                "A programme below the functional field (분야) needs a parent one level up "
                "(분야 → 부문 → 정책사업 → 단위사업 → 세부사업)."
            )
        parent = await _get(session, actor, Programme, parent_id, "parent programme")
        if parent.level is not expected_parent or parent.fiscal_year_id != fiscal_year.id:
            raise InvalidInputError(
                "A programme's parent must be the level directly above it (분야 → 부문 → 정책사업 → "
                "단위사업 → 세부사업) and of the same fiscal year."
            )
    duplicate = await session.scalar(
        select(func.count())
        .select_from(Programme)
        .where(Programme.fiscal_year_id == fiscal_year.id, Programme.level == level, Programme.code == code)
    )
    if duplicate:
        raise ConflictError(
            "A programme of this level with the code {code} already exists in this fiscal year.", code=code
        )
    programme = Programme(
        government_code=acting.government_code,
        fiscal_year_id=fiscal_year.id,
        parent_id=parent_id,
        level=level,
        code=code,
        name=name,
    )
    session.add(programme)
    await session.flush()
    await _audit(
        session, actor, "programme.create", programme, after={"level": level, "code": code, "name": name}
    )
    return programme


async def list_programmes(session: AsyncSession, actor: Actor, fiscal_year_id: uuid.UUID) -> list[Programme]:
    """The programme hierarchy of one fiscal year, top levels first."""
    _require_reader(actor)
    await _get(session, actor, FiscalYear, fiscal_year_id, "fiscal year")
    rows = await session.scalars(
        select(Programme).where(Programme.fiscal_year_id == fiscal_year_id).order_by(Programme.code)
    )
    order = list(ProgrammeLevel)
    return sorted(rows.all(), key=lambda p: (order.index(p.level), p.code))


async def create_budget_line(
    session: AsyncSession,
    actor: Actor,
    *,
    programme_id: uuid.UUID,
    account_id: uuid.UUID,
    object_group: ObjectGroup,
    object_code: str,
    object_name: str,
    statistics_code: str,
    statistics_name: str,
) -> BudgetLine:
    """A budget line: a detail project's 통계목 in one account. Its amount comes from budget versions."""
    acting = _require_role(actor, SETUP_ROLES, "maintain the budget structure")
    programme = await _get(session, actor, Programme, programme_id, "programme")
    if programme.level is not ProgrammeLevel.DETAIL:
        raise InvalidInputError("Budget lines belong to a detail project (세부사업), not to a higher level.")
    await _require_open_year(session, programme.fiscal_year_id)
    account = await _get(session, actor, FinanceAccount, account_id, "account")
    if account.government_code != programme.government_code:
        raise InvalidInputError("The account and the programme belong to different governments.")
    duplicate = await session.scalar(
        select(func.count())
        .select_from(BudgetLine)
        .where(
            BudgetLine.programme_id == programme.id,
            BudgetLine.account_id == account.id,
            BudgetLine.statistics_code == statistics_code,
        )
    )
    if duplicate:
        raise ConflictError(
            "This programme already has a line for 통계목 {statistics_code} in that account.",
            statistics_code=statistics_code,
        )
    line = BudgetLine(
        government_code=acting.government_code,
        fiscal_year_id=programme.fiscal_year_id,
        account_id=account.id,
        programme_id=programme.id,
        object_group=object_group,
        object_code=object_code,
        object_name=object_name,
        statistics_code=statistics_code,
        statistics_name=statistics_name,
        budget_amount=0,
        allocated_amount=0,
        committed_amount=0,
        spent_uncommitted_amount=0,
        paid_amount=0,
    )
    session.add(line)
    await session.flush()
    await _audit(
        session,
        actor,
        "budget_line.create",
        line,
        after={"programme": programme.code, "object": object_code, "statistics": statistics_code},
    )
    return line


async def get_budget_line(session: AsyncSession, actor: Actor, line_id: uuid.UUID) -> BudgetLine:
    """One budget line with its running totals."""
    _require_reader(actor)
    return await _get(session, actor, BudgetLine, line_id, "budget line")


async def list_budget_lines(
    session: AsyncSession,
    actor: Actor,
    *,
    fiscal_year_id: uuid.UUID | None = None,
    limit: int,
    offset: int,
) -> tuple[list[BudgetLine], int]:
    """Budget lines of the actor's government, optionally of one fiscal year."""
    _require_reader(actor)
    query = restrict_to_actor(select(BudgetLine), BudgetLine.government_code, actor)
    if fiscal_year_id is not None:
        query = query.where(BudgetLine.fiscal_year_id == fiscal_year_id)
    return await fetch_page(
        session,
        query,
        order_by=[
            BudgetLine.government_code,
            BudgetLine.object_code,
            BudgetLine.statistics_code,
            BudgetLine.id,
        ],
        limit=limit,
        offset=offset,
    )


async def _lock_line(session: AsyncSession, actor: Actor, line_id: uuid.UUID) -> BudgetLine:
    """The budget line, locked until the transaction ends: budget control decides one request at a time."""
    return await _get(session, actor, BudgetLine, line_id, "budget line", lock=True)


def _refuse_over_available(line: BudgetLine, amount: int) -> None:
    """Budget control: a commitment, or spending without one, never exceeds the line's available amount."""
    if amount > line.available_amount:
        raise InvalidInputError(
            "Budget line {line} has {available:,} won available (allocated {allocated:,} won − committed "
            "{committed:,} won − spent without commitment {spent:,} won); {amount:,} won more would "
            "exceed it.",
            extra={"available": line.available_amount, "requested": amount},
            line=f"{line.object_code}/{line.statistics_code}",
            available=line.available_amount,
            allocated=line.allocated_amount,
            committed=line.committed_amount,
            spent=line.spent_uncommitted_amount,
            amount=amount,
        )


# --- budget versions (본예산, 추경) --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VersionAmount:
    """The whole amount one budget version gives one line."""

    budget_line_id: uuid.UUID
    amount: int


async def create_budget_version(
    session: AsyncSession,
    actor: Actor,
    *,
    fiscal_year_id: uuid.UUID,
    title: str,
    amounts: Sequence[VersionAmount],
) -> BudgetVersion:
    """Draft the original budget, or the next supplementary budget once the original is approved."""
    acting = _require_role(actor, MAKER_ROLES, "draft budget versions")
    fiscal_year = await _get(session, actor, FiscalYear, fiscal_year_id, "fiscal year")
    await _require_open_year(session, fiscal_year.id)
    versions = list(
        (
            await session.scalars(select(BudgetVersion).where(BudgetVersion.fiscal_year_id == fiscal_year.id))
        ).all()
    )
    if any(v.status in (BudgetVersionStatus.DRAFT, BudgetVersionStatus.SUBMITTED) for v in versions):
        raise ConflictError(
            "Another budget version of this year is still in preparation or before the council."
        )
    approved = any(v.status is BudgetVersionStatus.APPROVED for v in versions)
    if not amounts:
        raise InvalidInputError("A budget version gives an amount to at least one budget line.")
    line_ids = [a.budget_line_id for a in amounts]
    if len(set(line_ids)) != len(line_ids):
        raise InvalidInputError("Each budget line may appear only once in a version.")
    lines = {
        line.id: line
        for line in (await session.scalars(select(BudgetLine).where(BudgetLine.id.in_(line_ids)))).all()
        if line.fiscal_year_id == fiscal_year.id
    }
    missing = [str(i) for i in line_ids if i not in lines]
    if missing:
        raise InvalidInputError(
            "These budget lines are not lines of this fiscal year: {lines}.", lines=", ".join(missing)
        )
    version = BudgetVersion(
        government_code=acting.government_code,
        fiscal_year_id=fiscal_year.id,
        kind=BudgetVersionKind.SUPPLEMENTARY if approved else BudgetVersionKind.ORIGINAL,
        sequence=max((v.sequence for v in versions), default=-1) + 1,
        title=title,
        status=BudgetVersionStatus.DRAFT,
        requested_by=acting.user_id,
    )
    session.add(version)
    await session.flush()
    session.add_all(
        BudgetVersionLine(
            government_code=acting.government_code,
            version_id=version.id,
            budget_line_id=a.budget_line_id,
            amount=a.amount,
        )
        for a in amounts
    )
    await session.flush()
    await _audit(
        session,
        actor,
        "budget_version.create",
        version,
        after={"kind": version.kind, "sequence": version.sequence, "total": sum(a.amount for a in amounts)},
    )
    return version


async def get_budget_version(
    session: AsyncSession, actor: Actor, version_id: uuid.UUID
) -> tuple[BudgetVersion, list[BudgetVersionLine]]:
    """A budget version with the amounts it gives."""
    _require_reader(actor)
    version = await _get(session, actor, BudgetVersion, version_id, "budget version")
    lines = await session.scalars(
        select(BudgetVersionLine)
        .where(BudgetVersionLine.version_id == version.id)
        .order_by(BudgetVersionLine.id)
    )
    return version, list(lines.all())


async def submit_budget_version(session: AsyncSession, actor: Actor, version_id: uuid.UUID) -> BudgetVersion:
    """Send the draft to the council; its amounts are frozen from now on."""
    _require_role(actor, MAKER_ROLES, "submit budget versions")
    version = await _get(session, actor, BudgetVersion, version_id, "budget version", lock=True)
    before = version.status
    require_transition("budget version", before, BudgetVersionStatus.SUBMITTED, BUDGET_VERSION_TRANSITIONS)
    version.status = BudgetVersionStatus.SUBMITTED
    await session.flush()
    await _audit(
        session,
        actor,
        "budget_version.submit",
        version,
        before={"status": before},
        after={"status": version.status},
    )
    return version


async def approve_budget_version(
    session: AsyncSession, actor: Actor, version_id: uuid.UUID, *, council_resolution: str
) -> BudgetVersion:
    """Record the council's approval: each listed line takes the version's amount.

    A supplementary budget may not cut a line below what has already been allocated to it.
    """
    acting = _require_role(actor, APPROVER_ROLES, "record council decisions")
    version = await _get(session, actor, BudgetVersion, version_id, "budget version", lock=True)
    _require_other_person(actor, version.requested_by, "budget version")
    before = version.status
    require_transition("budget version", before, BudgetVersionStatus.APPROVED, BUDGET_VERSION_TRANSITIONS)
    version_lines = (
        await session.scalars(
            select(BudgetVersionLine)
            .where(BudgetVersionLine.version_id == version.id)
            .order_by(BudgetVersionLine.budget_line_id)
        )
    ).all()
    for version_line in version_lines:
        line = await _lock_line(session, actor, version_line.budget_line_id)
        if version_line.amount < line.allocated_amount:
            raise ConflictError(
                "Budget line {line} already has {allocated:,} won allocated; the version's {amount:,} won "
                "is less.",
                line=f"{line.object_code}/{line.statistics_code}",
                allocated=line.allocated_amount,
                amount=version_line.amount,
            )
        line.budget_amount = version_line.amount
    version.status = BudgetVersionStatus.APPROVED
    version.council_resolution = council_resolution
    version.decided_by = acting.user_id
    version.decided_at = utcnow()
    await session.flush()
    await _audit(
        session,
        actor,
        "budget_version.approve",
        version,
        before={"status": before},
        after={"status": version.status, "council_resolution": council_resolution},
    )
    return version


async def reject_budget_version(session: AsyncSession, actor: Actor, version_id: uuid.UUID) -> BudgetVersion:
    """Record that the council did not pass the version; a new draft can follow."""
    acting = _require_role(actor, APPROVER_ROLES, "record council decisions")
    version = await _get(session, actor, BudgetVersion, version_id, "budget version", lock=True)
    _require_other_person(actor, version.requested_by, "budget version")
    before = version.status
    require_transition("budget version", before, BudgetVersionStatus.REJECTED, BUDGET_VERSION_TRANSITIONS)
    version.status = BudgetVersionStatus.REJECTED
    version.decided_by = acting.user_id
    version.decided_at = utcnow()
    await session.flush()
    await _audit(
        session,
        actor,
        "budget_version.reject",
        version,
        before={"status": before},
        after={"status": version.status},
    )
    return version


# --- allocation (배정) ---------------------------------------------------------------------------


async def request_allocation(
    session: AsyncSession,
    actor: Actor,
    *,
    budget_line_id: uuid.UUID,
    quarter: int,
    amount: int,
    month: int | None = None,
) -> Allocation:
    """Ask for part of a line's budget to be released for execution in a quarter, or one month of it."""
    acting = _require_role(actor, MAKER_ROLES, "request allocations")
    if month is not None and quarter_of_month(month) != quarter:
        raise InvalidInputError(
            "The month {month} is not in quarter {quarter}.", month=month, quarter=quarter
        )
    line = await _get(session, actor, BudgetLine, budget_line_id, "budget line")
    await _require_open_year(session, line.fiscal_year_id)
    unallocated = line.budget_amount - line.allocated_amount
    if amount > unallocated:
        raise InvalidInputError(
            "Budget line {line} has {unallocated:,} won of its {budget:,} won budget left to allocate; "
            "{amount:,} won is more.",
            extra={"unallocated": unallocated, "requested": amount},
            line=f"{line.object_code}/{line.statistics_code}",
            unallocated=unallocated,
            budget=line.budget_amount,
            amount=amount,
        )
    allocation = Allocation(
        government_code=acting.government_code,
        budget_line_id=line.id,
        quarter=quarter,
        month=month,
        amount=amount,
        requested_by=acting.user_id,
    )
    session.add(allocation)
    await session.flush()
    await _audit(
        session,
        actor,
        "allocation.request",
        allocation,
        after={**_request_snapshot(allocation), "quarter": quarter, "month": month},
    )
    return allocation


async def decide_allocation(
    session: AsyncSession, actor: Actor, allocation_id: uuid.UUID, *, approve: bool
) -> Allocation:
    """Approve (the line's allocated amount grows, within its budget) or reject an allocation."""
    acting = _require_role(actor, APPROVER_ROLES, "decide allocations")
    allocation = await _get(session, actor, Allocation, allocation_id, "allocation", lock=True)
    _require_other_person(actor, allocation.requested_by, "allocation")
    before = _request_snapshot(allocation)
    target = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    require_transition("allocation", allocation.status, target, APPROVAL_TRANSITIONS)
    if approve:
        line = await _lock_line(session, actor, allocation.budget_line_id)
        if line.allocated_amount + allocation.amount > line.budget_amount:
            raise InvalidInputError(
                "Budget line {line} has {allocated:,} won of {budget:,} won allocated; {amount:,} won more "
                "would exceed its budget.",
                line=f"{line.object_code}/{line.statistics_code}",
                allocated=line.allocated_amount,
                budget=line.budget_amount,
                amount=allocation.amount,
            )
        line.allocated_amount += allocation.amount
    await _record_decision(session, actor, acting, "allocation", allocation, target, before)
    return allocation


@dataclass(frozen=True, slots=True)
class PeriodTotal:
    """What is allocated (approved) and asked for (requested) in one quarter or month."""

    period: int
    approved: int
    requested: int


@dataclass(frozen=True, slots=True)
class LineAllocations:
    """A line's allocations (of a quarter or month, if asked) and the totals per quarter and per month.

    A quarterly allocation without a month counts in its quarter only. The totals always cover the
    whole year, whatever the filter, so a page can show both.
    """

    line: BudgetLine
    items: list[Allocation]
    quarters: list[PeriodTotal]
    months: list[PeriodTotal]


async def allocations_of_line(
    session: AsyncSession,
    actor: Actor,
    line_id: uuid.UUID,
    *,
    quarter: int | None = None,
    month: int | None = None,
) -> LineAllocations:
    """A budget line's allocations, newest first, with what is allocated per quarter and per month."""
    _require_reader(actor)
    line = await _get(session, actor, BudgetLine, line_id, "budget line")
    allocations = list(
        (
            await session.scalars(
                select(Allocation)
                .where(Allocation.budget_line_id == line.id)
                .order_by(Allocation.created_at.desc(), Allocation.id)
            )
        ).all()
    )

    def totals(periods: range, period_of: Any) -> list[PeriodTotal]:
        def total(period: int, status: ApprovalStatus) -> int:
            return sum(a.amount for a in allocations if period_of(a) == period and a.status is status)

        return [
            PeriodTotal(
                period, total(period, ApprovalStatus.APPROVED), total(period, ApprovalStatus.REQUESTED)
            )
            for period in periods
        ]

    return LineAllocations(
        line=line,
        items=[
            a
            for a in allocations
            if (quarter is None or a.quarter == quarter) and (month is None or a.month == month)
        ],
        quarters=totals(range(1, 5), lambda a: a.quarter),
        months=totals(range(1, 13), lambda a: a.month),
    )


# --- contracts -----------------------------------------------------------------------------------


async def create_contract(
    session: AsyncSession,
    actor: Actor,
    *,
    title: str,
    method: ContractMethod,
    supplier_name: str,
    supplier_registration_number: str,
    amount: int,
    start_date: date,
    end_date: date,
) -> Contract:
    """Register a signed contract with a supplier; commitments can then draw on it."""
    acting = _require_role(actor, MAKER_ROLES, "register contracts")
    number = supplier_registration_number.replace("-", "")
    if not is_valid_business_registration_number(number):
        raise InvalidInputError(
            "{number} is not a valid business registration number (사업자등록번호): its check digit does "
            "not match.",
            number=supplier_registration_number,
        )
    if end_date < start_date:
        raise InvalidInputError("The contract period ends before it starts.")
    contract = Contract(
        government_code=acting.government_code,
        title=title,
        method=method,
        supplier_name=supplier_name,
        supplier_registration_number=number,
        amount=amount,
        start_date=start_date,
        end_date=end_date,
        created_by=acting.user_id,
    )
    session.add(contract)
    await session.flush()
    await _audit(
        session,
        actor,
        "contract.create",
        contract,
        after={"supplier": number, "amount": amount, "start": start_date, "end": end_date},
    )
    return contract


async def get_contract(session: AsyncSession, actor: Actor, contract_id: uuid.UUID) -> Contract:
    """One contract."""
    _require_reader(actor)
    return await _get(session, actor, Contract, contract_id, "contract")


# --- commitments (지출원인행위) ------------------------------------------------------------------


async def request_commitment(
    session: AsyncSession,
    actor: Actor,
    *,
    budget_line_id: uuid.UUID,
    amount: int,
    description: str,
    contract_id: uuid.UUID | None = None,
    milestone_id: uuid.UUID | None = None,
) -> Commitment:
    """Reserve ``amount`` on the line (refused with the figures if it exceeds what is available).

    Under a milestone of a contract, the amount must also fit in what is left of the milestone; the
    milestone names its contract, so ``contract_id`` may be left out. Locks: the line, the contract,
    the milestone, in that order.
    """
    acting = _require_role(actor, MAKER_ROLES, "request commitments")
    line = await _lock_line(session, actor, budget_line_id)
    await _require_open_year(session, line.fiscal_year_id)
    if milestone_id is not None and contract_id is None:
        contract_id = (await milestone_rules.get_milestone(session, actor, milestone_id)).contract_id
    if contract_id is not None:
        contract = await _get(session, actor, Contract, contract_id, "contract", lock=True)
        drawn = (
            await session.scalar(
                select(func.coalesce(func.sum(Commitment.amount), 0)).where(
                    Commitment.contract_id == contract.id, Commitment.status.in_(OPEN_COMMITMENT_STATUSES)
                )
            )
            or 0
        )
        if drawn + amount > contract.amount:
            raise InvalidInputError(
                "The contract is for {contract_amount:,} won and {committed:,} won is already committed "
                "under it; {amount:,} won more would exceed it.",
                extra={"contract_amount": contract.amount, "committed": drawn, "requested": amount},
                contract_amount=contract.amount,
                committed=drawn,
                amount=amount,
            )
        if milestone_id is not None:
            await milestone_rules.reserve_on_milestone(session, actor, contract, milestone_id, amount)
    _refuse_over_available(line, amount)
    before = _line_totals(line)
    line.committed_amount += amount
    commitment = Commitment(
        government_code=acting.government_code,
        budget_line_id=line.id,
        contract_id=contract_id,
        milestone_id=milestone_id,
        amount=amount,
        description=description,
        requested_by=acting.user_id,
    )
    session.add(commitment)
    await session.flush()
    await _audit(
        session,
        actor,
        "commitment.request",
        commitment,
        before={"line": before},
        after={**_request_snapshot(commitment), "line": _line_totals(line)},
    )
    return commitment


async def get_commitment(session: AsyncSession, actor: Actor, commitment_id: uuid.UUID) -> Commitment:
    """One commitment."""
    _require_reader(actor)
    return await _get(session, actor, Commitment, commitment_id, "commitment")


async def decide_commitment(
    session: AsyncSession, actor: Actor, commitment_id: uuid.UUID, *, approve: bool
) -> Commitment:
    """Approve a commitment, or reject it and release its reservation."""
    acting = _require_role(actor, APPROVER_ROLES, "decide commitments")
    commitment = await _get(session, actor, Commitment, commitment_id, "commitment")
    _require_other_person(actor, commitment.requested_by, "commitment")
    line = await _lock_line(session, actor, commitment.budget_line_id)
    commitment = await _get(session, actor, Commitment, commitment_id, "commitment", lock=True)
    before = _request_snapshot(commitment)
    target = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    require_transition("commitment", commitment.status, target, APPROVAL_TRANSITIONS)
    if approve:
        metrics.COMMITTED_WON.labels(await _government_kind(session, commitment.government_code)).inc(
            commitment.amount
        )
    else:
        line.committed_amount -= commitment.amount
    await _record_decision(session, actor, acting, "commitment", commitment, target, before)
    return commitment


async def cancel_commitment(session: AsyncSession, actor: Actor, commitment_id: uuid.UUID) -> Commitment:
    """Withdraw a commitment nothing has been resolved under; its reservation is released."""
    _require_role(actor, MAKER_ROLES, "cancel commitments")
    commitment = await _get(session, actor, Commitment, commitment_id, "commitment")
    line = await _lock_line(session, actor, commitment.budget_line_id)
    commitment = await _get(session, actor, Commitment, commitment_id, "commitment", lock=True)
    before = _request_snapshot(commitment)
    require_transition("commitment", commitment.status, ApprovalStatus.CANCELLED, APPROVAL_TRANSITIONS)
    resolved = await session.scalar(
        select(func.count())
        .select_from(ExpenditureResolution)
        .where(
            ExpenditureResolution.commitment_id == commitment.id,
            ExpenditureResolution.status.in_(OPEN_COMMITMENT_STATUSES),
        )
    )
    if resolved:
        raise ConflictError("Expenditure resolutions exist under this commitment; it cannot be cancelled.")
    line.committed_amount -= commitment.amount
    commitment.status = ApprovalStatus.CANCELLED
    await session.flush()
    await _audit(
        session, actor, "commitment.cancel", commitment, before=before, after=_request_snapshot(commitment)
    )
    return commitment


# --- expenditure resolutions (지출결의) ----------------------------------------------------------


async def request_expenditure_resolution(
    session: AsyncSession,
    actor: Actor,
    *,
    amount: int,
    payee_name: str,
    description: str,
    commitment_id: uuid.UUID | None = None,
    budget_line_id: uuid.UUID | None = None,
) -> ExpenditureResolution:
    """Resolve to pay, under an approved commitment or (e.g. utilities) directly against a line.

    Under a commitment the resolutions may not exceed it; without one the amount is reserved on the
    line as spending without commitment, under the same budget control as a commitment.
    """
    acting = _require_role(actor, MAKER_ROLES, "request expenditure resolutions")
    commitment: Commitment | None = None
    if commitment_id is not None and budget_line_id is None:
        commitment = await _get(session, actor, Commitment, commitment_id, "commitment")
        line_id = commitment.budget_line_id
    elif budget_line_id is not None and commitment_id is None:
        line_id = budget_line_id
    else:
        raise InvalidInputError("Name either the commitment or, for spending without one, the budget line.")
    line = await _lock_line(session, actor, line_id)
    await _require_open_year(session, line.fiscal_year_id)
    before = _line_totals(line)
    if commitment is not None:
        commitment = await _get(session, actor, Commitment, commitment.id, "commitment", lock=True)
        if commitment.status is not ApprovalStatus.APPROVED:
            raise ConflictError(
                "Only an approved commitment can be paid under, and this one is not (or no longer) approved."
            )
        resolved = (
            await session.scalar(
                select(func.coalesce(func.sum(ExpenditureResolution.amount), 0)).where(
                    ExpenditureResolution.commitment_id == commitment.id,
                    ExpenditureResolution.status.in_(OPEN_COMMITMENT_STATUSES),
                )
            )
            or 0
        )
        if resolved + amount > commitment.amount:
            raise InvalidInputError(
                "The commitment is for {commitment_amount:,} won and {resolved:,} won is already resolved "
                "under it; {amount:,} won more would exceed it.",
                extra={"commitment_amount": commitment.amount, "resolved": resolved, "requested": amount},
                commitment_amount=commitment.amount,
                resolved=resolved,
                amount=amount,
            )
    else:
        _refuse_over_available(line, amount)
        line.spent_uncommitted_amount += amount
    resolution = ExpenditureResolution(
        government_code=acting.government_code,
        budget_line_id=line.id,
        commitment_id=commitment.id if commitment else None,
        amount=amount,
        payee_name=payee_name,
        description=description,
        requested_by=acting.user_id,
    )
    session.add(resolution)
    await session.flush()
    await _audit(
        session,
        actor,
        "expenditure_resolution.request",
        resolution,
        before={"line": before},
        after={**_request_snapshot(resolution), "line": _line_totals(line)},
    )
    return resolution


async def get_expenditure_resolution(
    session: AsyncSession, actor: Actor, resolution_id: uuid.UUID
) -> ExpenditureResolution:
    """One expenditure resolution."""
    _require_reader(actor)
    return await _get(session, actor, ExpenditureResolution, resolution_id, "expenditure resolution")


async def decide_expenditure_resolution(
    session: AsyncSession, actor: Actor, resolution_id: uuid.UUID, *, approve: bool
) -> ExpenditureResolution:
    """Approve (the expense and the payable are posted) or reject (a direct reservation is released)."""
    acting = _require_role(actor, APPROVER_ROLES, "decide expenditure resolutions")
    resolution = await _get(session, actor, ExpenditureResolution, resolution_id, "expenditure resolution")
    _require_other_person(actor, resolution.requested_by, "expenditure resolution")
    line = await _lock_line(session, actor, resolution.budget_line_id)
    resolution = await _get(
        session, actor, ExpenditureResolution, resolution_id, "expenditure resolution", lock=True
    )
    before = _request_snapshot(resolution)
    target = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    require_transition("expenditure resolution", resolution.status, target, APPROVAL_TRANSITIONS)
    if approve:
        await _post_for_line(
            session,
            actor,
            line,
            description=f"지출결의 {resolution.payee_name}: {resolution.description}"[:500],
            source_type="expenditure_resolution",
            source_id=resolution.id,
            debit=line.object_group.ledger_account,
            credit=LedgerAccount.PAYABLE,
            amount=resolution.amount,
        )
    elif resolution.commitment_id is None:
        line.spent_uncommitted_amount -= resolution.amount
    await _record_decision(session, actor, acting, "expenditure_resolution", resolution, target, before)
    return resolution


# --- payment orders (지급명령) -------------------------------------------------------------------


async def _refresh_pending_gauge(session: AsyncSession, government_code: str) -> None:
    """Set one government's pending-orders gauge from a count.

    The write path no longer calls this (the count queued every payment-order change of a government
    behind the others): ``/metrics`` recounts every government at scrape time, see
    :func:`app.finance.metrics.refresh_pending_orders`.
    """
    counts = await metrics.count_pending_payment_orders(session, [government_code])
    metrics.PAYMENT_ORDERS_PENDING.labels(government_code).set(counts.get(government_code, 0))


async def create_payment_order(
    session: AsyncSession, actor: Actor, *, resolution_id: uuid.UUID, idempotency_key: str
) -> tuple[PaymentOrder, bool]:
    """Order the treasury bank to pay an approved resolution; returns ``(order, created)``.

    The same idempotency key again returns the first order (``created`` is false) however often a
    client retries, so a payment is never ordered twice.
    """
    acting = _require_role(actor, MAKER_ROLES, "issue payment orders")
    resolution = await _get(
        session, actor, ExpenditureResolution, resolution_id, "expenditure resolution", lock=True
    )
    if resolution.commitment_id is not None:  # only a commitment can be under a contract's milestone
        await milestone_rules.require_accepted_for_payment(session, resolution.id)  # paid after 검사·검수
    # One query for both: the order this key already made, and any live order of the resolution.
    known = (
        await session.scalars(
            select(PaymentOrder).where(
                or_(
                    and_(
                        PaymentOrder.government_code == acting.government_code,
                        PaymentOrder.idempotency_key == idempotency_key,
                    ),
                    and_(
                        PaymentOrder.resolution_id == resolution.id,
                        PaymentOrder.status != PaymentOrderStatus.REJECTED,
                    ),
                )
            )
        )
    ).all()
    existing = next((o for o in known if o.idempotency_key == idempotency_key), None)
    if existing is not None:
        if existing.resolution_id != resolution.id:
            raise ConflictError(
                "This idempotency key was already used for a payment order of another expenditure resolution."
            )
        return existing, False
    if resolution.status is not ApprovalStatus.APPROVED:
        raise ConflictError(
            "Only an approved expenditure resolution can be paid, and this one is not (or no longer) approved."
        )
    if known:
        raise ConflictError("A payment order for this expenditure resolution exists already.")
    order = PaymentOrder(
        government_code=acting.government_code,
        resolution_id=resolution.id,
        idempotency_key=idempotency_key,
        amount=resolution.amount,
        requested_by=acting.user_id,
    )
    session.add(order)
    await session.flush()
    await _audit(session, actor, "payment_order.request", order, after=_request_snapshot(order))
    return order, True


async def get_payment_order(session: AsyncSession, actor: Actor, order_id: uuid.UUID) -> PaymentOrder:
    """One payment order."""
    _require_reader(actor)
    return await _get(session, actor, PaymentOrder, order_id, "payment order")


async def decide_payment_order(
    session: AsyncSession, actor: Actor, order_id: uuid.UUID, *, approve: bool
) -> PaymentOrder:
    """Approve (the order goes to the treasury bank) or reject a payment order.

    The usual case — an order of the approver's government, still requested, by someone else — is
    decided by one conditional ``UPDATE``; anything else takes the path that loads the order and
    says exactly why it is refused (404, four-eyes 403, or 409 for a decided order).
    """
    acting = _require_role(actor, APPROVER_ROLES, "decide payment orders")
    target = PaymentOrderStatus.APPROVED if approve else PaymentOrderStatus.REJECTED
    decided_at = utcnow()
    decided = (
        await session.scalars(
            update(PaymentOrder)
            .where(
                PaymentOrder.id == order_id,
                PaymentOrder.government_code == acting.government_code,
                PaymentOrder.status == PaymentOrderStatus.REQUESTED,
                PaymentOrder.requested_by != acting.user_id,
            )
            .values(status=target, decided_by=acting.user_id, decided_at=decided_at, updated_at=decided_at)
            .returning(PaymentOrder)
            .execution_options(synchronize_session=False, populate_existing=True)
        )
    ).one_or_none()
    if decided is not None:
        before = {"status": PaymentOrderStatus.REQUESTED, "amount": decided.amount}
        after = _request_snapshot(decided)
        await _audit(session, actor, f"payment_order.{target}", decided, before=before, after=after)
        return decided
    order = await _get(session, actor, PaymentOrder, order_id, "payment order", lock=True)
    _require_other_person(actor, order.requested_by, "payment order")
    before = _request_snapshot(order)
    require_transition("payment order", order.status, target, PAYMENT_ORDER_TRANSITIONS)
    await _record_decision(session, actor, acting, "payment_order", order, target, before)
    return order


async def record_payment(session: AsyncSession, actor: Actor, order_id: uuid.UUID) -> PaymentOrder:
    """The treasury bank paid an approved order: the payable is settled and the line's paid total grows.

    Paying changes no availability (``allocated − committed − spent without commitment``): the amount
    was reserved when its resolution or commitment was approved, and an approved resolution is never
    released while it can still be paid. So, unlike budget control, paying needs no decision under
    the budget line's lock: the order's row lock makes one payment of it win, the journal and the
    audit event are written, and the line's paid total is raised last by one atomic ``UPDATE`` —
    the line, which every payment of it writes, is held only for that statement and the commit.
    The CHECK ``paid ≤ committed + spent without commitment`` still guards the line's row.
    """
    _require_role(actor, DISBURSING_ROLES, "record treasury payments")
    found = (
        await session.execute(
            select(
                PaymentOrder,
                ExpenditureResolution.budget_line_id,
                ExpenditureResolution.payee_name,
                FiscalYear.year,
            )
            .join(ExpenditureResolution, ExpenditureResolution.id == PaymentOrder.resolution_id)
            .join(BudgetLine, BudgetLine.id == ExpenditureResolution.budget_line_id)
            .join(FiscalYear, FiscalYear.id == BudgetLine.fiscal_year_id)
            .where(PaymentOrder.id == order_id)
            .with_for_update(of=PaymentOrder)
            .execution_options(populate_existing=True)
        )
    ).first()
    if found is None:
        raise NotFoundError("No such payment order.")
    order, line_id, payee_name, fiscal_year = found
    actor.require_access(order.government_code, "payment order")
    before = _request_snapshot(order)
    require_transition("payment order", order.status, PaymentOrderStatus.PAID, PAYMENT_ORDER_TRANSITIONS)
    kind = await _government_kind(session, order.government_code)
    await post_journal_entry(
        session,
        actor,
        government_code=order.government_code,
        fiscal_year=fiscal_year,
        description=f"지급 {payee_name}"[:500],
        source_type="payment_order",
        source_id=order.id,
        postings=[
            Posting(LedgerAccount.PAYABLE, debit=order.amount),
            Posting(LedgerAccount.CASH, credit=order.amount),
        ],
    )
    order.status = PaymentOrderStatus.PAID
    order.paid_at = utcnow()
    await session.flush()
    await _audit(
        session,
        actor,
        "payment_order.pay",
        order,
        before=before,
        after={**_request_snapshot(order), "budget_line": line_id, "line_paid_increase": order.amount},
    )
    await _add_to_line_paid(session, line_id, order.amount)
    metrics.PAID_WON.labels(kind).inc(order.amount)
    metrics.PAYMENT_ORDERS_PAID.labels(kind).inc()
    return order


async def _add_to_line_paid(session: AsyncSession, line_id: uuid.UUID, amount: int) -> BudgetLine:
    """``paid_amount += amount`` in one statement; a copy of the line in the session gets the new totals."""
    return (
        await session.scalars(
            update(BudgetLine)
            .where(BudgetLine.id == line_id)
            .values(paid_amount=BudgetLine.paid_amount + amount)
            .returning(BudgetLine)
            .execution_options(synchronize_session=False, populate_existing=True)
        )
    ).one()


# --- reading: approver inbox, journal ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InboxItem:
    """A request waiting for an approver's decision."""

    kind: str
    id: uuid.UUID
    government_code: str
    amount: int
    summary: str
    requested_by: uuid.UUID
    requested_at: datetime


async def approver_inbox(session: AsyncSession, actor: Actor, *, limit: int = 200) -> list[InboxItem]:
    """Everything of the actor's government awaiting a decision, oldest first (own requests excluded)."""
    _require_reader(actor)
    items: list[InboxItem] = []

    def others(query: Any, requested_by: Any) -> Any:
        return query.where(requested_by != actor.user_id) if actor.user_id else query

    version_totals = (
        select(BudgetVersionLine.version_id, func.sum(BudgetVersionLine.amount).label("total"))
        .group_by(BudgetVersionLine.version_id)
        .subquery()
    )
    versions = await session.execute(
        others(
            restrict_to_actor(select(BudgetVersion), BudgetVersion.government_code, actor)
            .add_columns(func.coalesce(version_totals.c.total, 0))
            .outerjoin(version_totals, version_totals.c.version_id == BudgetVersion.id)
            .where(BudgetVersion.status == BudgetVersionStatus.SUBMITTED),
            BudgetVersion.requested_by,
        ).limit(limit)
    )
    items.extend(
        InboxItem(
            "budget_version", v.id, v.government_code, int(total), v.title, v.requested_by, v.created_at
        )
        for v, total in versions
    )
    requests: list[tuple[str, Any, Any]] = [
        (
            "allocation",
            Allocation,
            lambda r: f"{r.quarter}분기 {r.month}월 배정" if r.month else f"{r.quarter}분기 배정",
        ),
        ("commitment", Commitment, lambda r: r.description),
        ("expenditure_resolution", ExpenditureResolution, lambda r: f"{r.payee_name}: {r.description}"),
    ]
    for kind, model, describe in requests:
        rows = await session.scalars(
            others(
                restrict_to_actor(select(model), model.government_code, actor).where(
                    model.status == ApprovalStatus.REQUESTED
                ),
                model.requested_by,
            ).limit(limit)
        )
        items.extend(
            InboxItem(kind, r.id, r.government_code, r.amount, describe(r), r.requested_by, r.created_at)
            for r in rows
        )
    orders = await session.scalars(
        others(
            restrict_to_actor(select(PaymentOrder), PaymentOrder.government_code, actor).where(
                PaymentOrder.status == PaymentOrderStatus.REQUESTED
            ),
            PaymentOrder.requested_by,
        ).limit(limit)
    )
    items.extend(
        InboxItem(
            "payment_order",
            o.id,
            o.government_code,
            o.amount,
            o.idempotency_key,
            o.requested_by,
            o.created_at,
        )
        for o in orders
    )
    return sorted(items, key=lambda i: i.requested_at)[:limit]


async def list_journal_entries(
    session: AsyncSession, actor: Actor, *, limit: int, offset: int
) -> tuple[list[tuple[JournalEntry, list[JournalLine]]], int]:
    """Journal entries of the actor's government with their lines, newest first."""
    _require_reader(actor)
    query = restrict_to_actor(select(JournalEntry), JournalEntry.government_code, actor)
    entries, total = await fetch_page(
        session, query, order_by=[JournalEntry.posted_at.desc()], limit=limit, offset=offset
    )
    lines: dict[uuid.UUID, list[JournalLine]] = {e.id: [] for e in entries}
    if entries:
        rows = await session.scalars(
            select(JournalLine).where(JournalLine.entry_id.in_(list(lines))).order_by(JournalLine.id)
        )
        for line in rows:
            lines[line.entry_id].append(line)
    return [(e, lines[e.id]) for e in entries], total


@dataclass(frozen=True, slots=True)
class TrialBalanceRow:
    """Total debits and credits of one ledger account in a fiscal year."""

    account: LedgerAccount
    debit: int
    credit: int

    @property
    def balance(self) -> int:
        """Debit balance (negative: credit balance)."""
        return self.debit - self.credit


async def trial_balance(
    session: AsyncSession, actor: Actor, *, fiscal_year: int, government_code: str | None = None
) -> list[TrialBalanceRow]:
    """합계잔액시산표: per ledger account, what one government posted in a fiscal year.

    Officials get their own government's; the ministry names the government it wants.
    """
    _require_reader(actor)
    code = government_code or actor.government_code
    if code is None:
        raise InvalidInputError("Name the government whose trial balance you want.")
    actor.require_access(code, "government's ledger")
    rows = await session.execute(
        select(JournalLine.account, func.sum(JournalLine.debit), func.sum(JournalLine.credit))
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(JournalEntry.government_code == code, JournalEntry.fiscal_year == fiscal_year)
        .group_by(JournalLine.account)
    )
    order = list(LedgerAccount)
    return sorted(
        (TrialBalanceRow(LedgerAccount(account), int(debit), int(credit)) for account, debit, credit in rows),
        key=lambda row: order.index(row.account),
    )
