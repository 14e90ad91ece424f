"""Business rules of the budget cycle after approval: 전용/이용, 이월, 세출결산 and budget vs actual.

Same contract as :mod:`app.finance.services`: every function takes ``(session, actor, ...)``, checks
the actor's role and government itself, only ``flush()``es and audits each state change.

Budget lines are changed only while holding their row locks. An operation that touches several lines
(a transfer's source and destination, a carry-over's lines in two years) locks them all up front in
the order of their ids, before it writes anything else (audit events take a lock of their own), so
two operations can never wait for each other's lines.

Refusals are worded for the person in front of the form, in their language: the messages go through
the catalog like the pages do.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.finance import services as finance
from app.finance.cycle import metrics
from app.finance.cycle.models import (
    CYCLE_TRANSITIONS,
    BudgetTransfer,
    CarryOver,
    CarryOverItem,
    CarryOverKind,
    TransferKind,
)
from app.finance.models import (
    ApprovalStatus,
    BudgetLine,
    BudgetVersion,
    BudgetVersionLine,
    BudgetVersionStatus,
    FinanceAccount,
    FiscalYear,
    FiscalYearStatus,
    Programme,
    ProgrammeLevel,
    require_transition,
)
from app.platform.db import utcnow
from app.platform.errors import ConflictError, InvalidInputError, NotFoundError
from app.platform.i18n import gettext
from app.platform.paging import fetch_page
from app.platform.tenancy import Actor, restrict_to_actor
from app.platform.tenancy import get_for_actor as _get_record

CARRIED_SUFFIX = "-C"
"""The next year's line funded by a carry-over is its own line: statistics code + this suffix.

Keeping carried budget apart from the new year's own budget is how 이월사업비 is managed (the new
year's budget versions state whole amounts per line and would otherwise absorb it), and it lets the
next settlement show what was carried in and what of it lapsed.
"""
STATISTICS_CODE_LENGTH = 10


def won(amount: int) -> str:
    """An amount in the reader's language: 1,234,000원 / 1,234,000 won."""
    return gettext("{amount} won", amount=f"{amount:,}")


# --- reading records the actor may see -----------------------------------------------------------


async def _lock_lines(
    session: AsyncSession, actor: Actor, line_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, BudgetLine]:
    """Lock budget lines in id order (the one order every multi-line operation uses)."""
    return {line_id: await finance._lock_line(session, actor, line_id) for line_id in sorted(set(line_ids))}


async def _policy_of(session: AsyncSession, line: BudgetLine) -> Programme:
    """The policy project (정책사업) a line's detail project belongs to."""
    programme = await session.get(Programme, line.programme_id)
    while programme is not None and programme.level is not ProgrammeLevel.POLICY:
        programme = await session.get(Programme, programme.parent_id) if programme.parent_id else None
    if programme is None:
        raise NotFoundError("The line's programme has no policy project above it.")
    return programme


async def lines_by_id(
    session: AsyncSession, actor: Actor, line_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, BudgetLine]:
    """The budget lines a list page names, in one query (lines of other governments are left out)."""
    finance._require_reader(actor)
    wanted = set(line_ids)
    if not wanted:
        return {}
    query = restrict_to_actor(select(BudgetLine), BudgetLine.government_code, actor)
    return {line.id: line for line in (await session.scalars(query.where(BudgetLine.id.in_(wanted)))).all()}


def _line_label(line: BudgetLine) -> str:
    return f"{line.object_code}/{line.statistics_code} {line.statistics_name}"


# --- transfers (전용, 이용) ------------------------------------------------------------------------


def transferable(line: BudgetLine) -> int:
    """What a transfer may take from a line: its budget less what is committed or spent on it."""
    return line.budget_amount - line.committed_amount - line.spent_uncommitted_amount


def _refuse_over_transferable(line: BudgetLine, amount: int) -> None:
    room = transferable(line)
    if amount > room:
        raise InvalidInputError(
            "Budget line {line} can give at most {room:,} won: budget {budget:,} won − committed {committed:,} won − "
            "spent without commitment {spent:,} won. A transfer of {amount:,} won would exceed it.",
            extra={"transferable": room, "requested": amount},
            line=_line_label(line),
            room=room,
            budget=line.budget_amount,
            committed=line.committed_amount,
            spent=line.spent_uncommitted_amount,
            amount=amount,
        )


async def _check_transfer_lines(
    session: AsyncSession, source: BudgetLine, target: BudgetLine, kind: TransferKind, basis_reference: str
) -> None:
    """The two lines may exchange budget this way: same year and account, the kind that fits."""
    if source.id == target.id:
        raise InvalidInputError("A transfer needs two different budget lines.")
    if source.fiscal_year_id != target.fiscal_year_id:
        raise InvalidInputError("Both budget lines must belong to the same fiscal year.")
    if source.account_id != target.account_id:
        raise InvalidInputError(
            "Budget cannot move between accounts (회계) by a transfer; both lines must be in one account."
        )
    same_policy = (await _policy_of(session, source)).id == (await _policy_of(session, target)).id
    if same_policy and kind is TransferKind.BETWEEN_POLICIES:
        raise InvalidInputError(
            "Both lines belong to the same policy project: this is a 전용 (within a policy project), not a 이용."
        )
    if not same_policy and kind is TransferKind.WITHIN_POLICY:
        raise InvalidInputError(
            "The lines belong to different policy projects: this is a 이용 (between policy projects), "
            "which needs the council's prior approval.",
        )
    if kind is TransferKind.BETWEEN_POLICIES and not basis_reference.strip():
        raise InvalidInputError(
            "A 이용 needs the council's prior approval: give the council resolution as its reference."
        )


async def request_transfer(
    session: AsyncSession,
    actor: Actor,
    *,
    source_line_id: uuid.UUID,
    target_line_id: uuid.UUID,
    amount: int,
    kind: TransferKind,
    legal_basis: str,
    basis_reference: str,
    reason: str,
) -> BudgetTransfer:
    """Ask for ``amount`` to move from one line to another; it moves when another person approves."""
    acting = finance._require_role(actor, finance.MAKER_ROLES, "request budget transfers")
    source = await finance.get_budget_line(session, actor, source_line_id)
    target = await finance.get_budget_line(session, actor, target_line_id)
    await _check_transfer_lines(session, source, target, kind, basis_reference)
    await finance._require_open_year(session, source.fiscal_year_id)
    _refuse_over_transferable(source, amount)
    transfer = BudgetTransfer(
        government_code=acting.government_code,
        fiscal_year_id=source.fiscal_year_id,
        kind=kind,
        source_line_id=source.id,
        target_line_id=target.id,
        amount=amount,
        allocated_moved=0,
        legal_basis=legal_basis,
        basis_reference=basis_reference,
        reason=reason,
        requested_by=acting.user_id,
    )
    session.add(transfer)
    await session.flush()
    await finance._audit(
        session, actor, "budget_transfer.request", transfer, after=_transfer_snapshot(transfer)
    )
    return transfer


def _transfer_snapshot(transfer: BudgetTransfer) -> dict[str, Any]:
    return {
        "status": transfer.status,
        "kind": transfer.kind,
        "amount": transfer.amount,
        "source": transfer.source_line_id,
        "target": transfer.target_line_id,
        "allocated_moved": transfer.allocated_moved,
        "basis_reference": transfer.basis_reference,
    }


async def get_transfer(session: AsyncSession, actor: Actor, transfer_id: uuid.UUID) -> BudgetTransfer:
    """One transfer."""
    finance._require_reader(actor)
    return await _get_record(session, actor, BudgetTransfer, transfer_id, "budget transfer")


async def list_transfers(
    session: AsyncSession,
    actor: Actor,
    *,
    status: ApprovalStatus | None = None,
    kind: TransferKind | None = None,
    fiscal_year_id: uuid.UUID | None = None,
    limit: int,
    offset: int,
) -> tuple[list[BudgetTransfer], int]:
    """Transfers of the actor's government, newest first, optionally of one status, kind or year."""
    finance._require_reader(actor)
    query = restrict_to_actor(select(BudgetTransfer), BudgetTransfer.government_code, actor)
    if status is not None:
        query = query.where(BudgetTransfer.status == status)
    if kind is not None:
        query = query.where(BudgetTransfer.kind == kind)
    if fiscal_year_id is not None:
        query = query.where(BudgetTransfer.fiscal_year_id == fiscal_year_id)
    return await fetch_page(
        session,
        query,
        order_by=[BudgetTransfer.created_at.desc(), BudgetTransfer.id],
        limit=limit,
        offset=offset,
    )


async def decide_transfer(
    session: AsyncSession, actor: Actor, transfer_id: uuid.UUID, *, approve: bool
) -> BudgetTransfer:
    """Approve (both lines' budgets move under their row locks) or reject a transfer.

    The source gives unallocated budget first; only what it lacks is taken from its allocation, and
    that part arrives on the destination allocated, so released money stays released.
    """
    acting = finance._require_role(actor, finance.APPROVER_ROLES, "decide budget transfers")
    transfer = await _get_record(session, actor, BudgetTransfer, transfer_id, "budget transfer")
    finance._require_other_person(actor, transfer.requested_by, "budget transfer")
    lines = await _lock_lines(session, actor, (transfer.source_line_id, transfer.target_line_id))
    transfer = await _get_record(session, actor, BudgetTransfer, transfer_id, "budget transfer", lock=True)
    before = _transfer_snapshot(transfer)
    target_status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    require_transition("budget transfer", transfer.status, target_status, CYCLE_TRANSITIONS)
    source, target = lines[transfer.source_line_id], lines[transfer.target_line_id]
    line_before = {"source": finance._line_totals(source), "target": finance._line_totals(target)}
    if approve:
        await finance._require_open_year(session, transfer.fiscal_year_id)
        _refuse_over_transferable(source, transfer.amount)
        allocated_moved = max(0, transfer.amount - (source.budget_amount - source.allocated_amount))
        source.budget_amount -= transfer.amount
        source.allocated_amount -= allocated_moved
        target.budget_amount += transfer.amount
        target.allocated_amount += allocated_moved
        transfer.allocated_moved = allocated_moved
    transfer.status = target_status
    transfer.decided_by = acting.user_id
    transfer.decided_at = utcnow()
    await session.flush()
    await finance._audit(
        session,
        actor,
        f"budget_transfer.{target_status}",
        transfer,
        before={**before, "lines": line_before},
        after={
            **_transfer_snapshot(transfer),
            "lines": {"source": finance._line_totals(source), "target": finance._line_totals(target)},
        },
    )
    if approve:
        metrics.TRANSFERRED_WON.labels(transfer.kind).inc(transfer.amount)
    return transfer


async def cancel_transfer(session: AsyncSession, actor: Actor, transfer_id: uuid.UUID) -> BudgetTransfer:
    """Withdraw a transfer that has not been decided yet."""
    finance._require_role(actor, finance.MAKER_ROLES, "cancel budget transfers")
    transfer = await _get_record(session, actor, BudgetTransfer, transfer_id, "budget transfer", lock=True)
    before = _transfer_snapshot(transfer)
    require_transition("budget transfer", transfer.status, ApprovalStatus.CANCELLED, CYCLE_TRANSITIONS)
    transfer.status = ApprovalStatus.CANCELLED
    await session.flush()
    await finance._audit(
        session, actor, "budget_transfer.cancel", transfer, before=before, after=_transfer_snapshot(transfer)
    )
    return transfer


# --- carry-over (이월) ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CarryOverCandidate:
    """A line with budget left at year end, and what of it is owed (the usual 사고이월)."""

    line: BudgetLine
    unpaid_obligations: int
    unspent: int
    carried_in: bool


@dataclass(frozen=True, slots=True)
class CarryOverRequestItem:
    """One line's amount of one kind of carry-over, with its basis."""

    source_line_id: uuid.UUID
    kind: CarryOverKind
    amount: int
    basis: str


def unpaid_obligations(line: BudgetLine) -> int:
    """Committed or resolved on the line but not yet paid."""
    return line.committed_amount + line.spent_uncommitted_amount - line.paid_amount


async def _carried_in_line_ids(session: AsyncSession, line_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these lines were funded by an approved carry-over."""
    if not line_ids:
        return set()
    rows = await session.scalars(
        select(CarryOverItem.target_line_id)
        .join(CarryOver, CarryOver.id == CarryOverItem.carry_over_id)
        .where(CarryOverItem.target_line_id.in_(line_ids), CarryOver.status == ApprovalStatus.APPROVED)
    )
    return {line_id for line_id in rows.all() if line_id is not None}


async def carry_over_candidates(
    session: AsyncSession, actor: Actor, fiscal_year_id: uuid.UUID
) -> list[CarryOverCandidate]:
    """Every line of the year with budget left, with its unpaid obligations (사고이월 candidates)."""
    finance._require_reader(actor)
    year = await _get_record(session, actor, FiscalYear, fiscal_year_id, "fiscal year")
    lines = list(
        (
            await session.scalars(
                select(BudgetLine)
                .where(
                    BudgetLine.fiscal_year_id == year.id, BudgetLine.budget_amount > BudgetLine.paid_amount
                )
                .order_by(BudgetLine.object_code, BudgetLine.statistics_code, BudgetLine.id)
            )
        ).all()
    )
    carried = await _carried_in_line_ids(session, [line.id for line in lines])
    return [
        CarryOverCandidate(
            line, unpaid_obligations(line), line.budget_amount - line.paid_amount, line.id in carried
        )
        for line in lines
    ]


def _refuse_invalid_items(
    items: Sequence[CarryOverRequestItem], lines: dict[uuid.UUID, BudgetLine], carried_in: set[uuid.UUID]
) -> None:
    """Per line: no more than is unspent; 사고이월 no more than is owed, and never twice."""
    by_line: dict[uuid.UUID, list[CarryOverRequestItem]] = defaultdict(list)
    for item in items:
        by_line[item.source_line_id].append(item)
    for line_id, line_items in by_line.items():
        line = lines[line_id]
        unspent = line.budget_amount - line.paid_amount
        total = sum(i.amount for i in line_items)
        if total > unspent:
            raise InvalidInputError(
                "Budget line {line} has {unspent:,} won unspent (final budget − paid); {total:,} won cannot be carried over.",
                extra={"unspent": unspent, "requested": total},
                line=_line_label(line),
                unspent=unspent,
                total=total,
            )
        unavoidable = sum(i.amount for i in line_items if i.kind is CarryOverKind.UNAVOIDABLE)
        if unavoidable and line_id in carried_in:
            raise InvalidInputError(
                "Budget line {line} was itself carried over; an unavoidable carry-over (사고이월) cannot be carried again.",
                line=_line_label(line),
            )
        owed = unpaid_obligations(line)
        if unavoidable > owed:
            raise InvalidInputError(
                "An unavoidable carry-over (사고이월) covers obligations made in the year and not yet paid: "
                "budget line {line} has {owed:,} won of them, not {amount:,} won.",
                extra={"unpaid_obligations": owed, "requested": unavoidable},
                line=_line_label(line),
                owed=owed,
                amount=unavoidable,
            )


async def _require_no_other_carry_over(session: AsyncSession, fiscal_year_id: uuid.UUID) -> None:
    pending_or_done = await session.scalar(
        select(func.count())
        .select_from(CarryOver)
        .where(
            CarryOver.fiscal_year_id == fiscal_year_id,
            CarryOver.status.in_((ApprovalStatus.REQUESTED, ApprovalStatus.APPROVED)),
        )
    )
    if pending_or_done:
        raise ConflictError("This fiscal year already has a carry-over awaiting a decision or approved.")


async def request_carry_over(
    session: AsyncSession,
    actor: Actor,
    *,
    fiscal_year_id: uuid.UUID,
    items: Sequence[CarryOverRequestItem],
    note: str = "",
) -> CarryOver:
    """Propose the year's carry-over; another person approves it, which also closes the year."""
    acting = finance._require_role(actor, finance.MAKER_ROLES, "propose carry-overs")
    year = await _get_record(session, actor, FiscalYear, fiscal_year_id, "fiscal year")
    await finance._require_open_year(session, year.id)
    await _require_no_other_carry_over(session, year.id)
    if not items:
        raise InvalidInputError("A carry-over needs at least one line with an amount.")
    keys = [(i.source_line_id, i.kind) for i in items]
    if len(set(keys)) != len(keys):
        raise InvalidInputError("Each line may appear only once per kind of carry-over.")
    line_ids = sorted({i.source_line_id for i in items})
    lines = {
        line.id: line
        for line in (await session.scalars(select(BudgetLine).where(BudgetLine.id.in_(line_ids)))).all()
        if line.fiscal_year_id == year.id
    }
    if len(lines) != len(line_ids):
        raise InvalidInputError("Every line of a carry-over must be a budget line of this fiscal year.")
    _refuse_invalid_items(items, lines, await _carried_in_line_ids(session, line_ids))
    carry_over = CarryOver(
        government_code=acting.government_code,
        fiscal_year_id=year.id,
        note=note,
        requested_by=acting.user_id,
    )
    session.add(carry_over)
    await session.flush()
    session.add_all(
        CarryOverItem(
            government_code=acting.government_code,
            carry_over_id=carry_over.id,
            source_line_id=i.source_line_id,
            kind=i.kind,
            amount=i.amount,
            basis=i.basis,
        )
        for i in items
    )
    await session.flush()
    await finance._audit(
        session,
        actor,
        "carry_over.request",
        carry_over,
        after={"year": year.year, "items": len(items), "total": sum(i.amount for i in items)},
    )
    return carry_over


async def get_carry_over(
    session: AsyncSession, actor: Actor, carry_over_id: uuid.UUID
) -> tuple[CarryOver, list[CarryOverItem]]:
    """A carry-over with its items."""
    finance._require_reader(actor)
    carry_over = await _get_record(session, actor, CarryOver, carry_over_id, "carry-over")
    return carry_over, await _items_of(session, carry_over.id)


async def _items_of(session: AsyncSession, carry_over_id: uuid.UUID) -> list[CarryOverItem]:
    rows = await session.scalars(
        select(CarryOverItem).where(CarryOverItem.carry_over_id == carry_over_id).order_by(CarryOverItem.id)
    )
    return list(rows.all())


async def list_carry_overs(
    session: AsyncSession, actor: Actor, *, fiscal_year_id: uuid.UUID | None = None, limit: int, offset: int
) -> tuple[list[CarryOver], int]:
    """Carry-overs of the actor's government, newest first."""
    finance._require_reader(actor)
    query = restrict_to_actor(select(CarryOver), CarryOver.government_code, actor)
    if fiscal_year_id is not None:
        query = query.where(CarryOver.fiscal_year_id == fiscal_year_id)
    return await fetch_page(
        session, query, order_by=[CarryOver.created_at.desc(), CarryOver.id], limit=limit, offset=offset
    )


def carried_statistics_code(code: str) -> str:
    """The statistics code of the next year's line that receives a line's carry-over."""
    carried = code if code.endswith(CARRIED_SUFFIX) else code + CARRIED_SUFFIX
    if len(carried) > STATISTICS_CODE_LENGTH:
        raise InvalidInputError(
            "The statistics code {code} is too long to mark a carried-over line.",
            code=code,
        )
    return carried


@dataclass
class _NextYear:
    """The next fiscal year's programmes and lines, found or created as a carry-over needs them."""

    session: AsyncSession
    actor: Actor
    year: FiscalYear
    programmes: dict[tuple[ProgrammeLevel, str], Programme] = field(default_factory=dict)

    async def load(self) -> None:
        rows = await self.session.scalars(select(Programme).where(Programme.fiscal_year_id == self.year.id))
        self.programmes = {(p.level, p.code): p for p in rows.all()}

    async def open(self, previous: FiscalYear) -> None:
        """Store the year if it is new (after the lines are locked: the audit event takes a lock)."""
        if self.year in self.session:
            return
        self.session.add(self.year)
        await self.session.flush()
        await finance._audit(
            self.session,
            self.actor,
            "fiscal_year.create",
            self.year,
            after={"year": self.year.year, "carried_over_from": previous.year},
        )

    async def programme_for(self, chain: Sequence[Programme]) -> Programme:
        """The detail project with the same codes from the field down, created where missing."""
        parent: Programme | None = None
        for source in chain:
            programme = self.programmes.get((source.level, source.code))
            if programme is None:
                programme = Programme(
                    government_code=self.year.government_code,
                    fiscal_year_id=self.year.id,
                    parent_id=parent.id if parent else None,
                    level=source.level,
                    code=source.code,
                    name=source.name,
                )
                self.session.add(programme)
                await self.session.flush()
                await finance._audit(
                    self.session,
                    self.actor,
                    "programme.create",
                    programme,
                    after={"level": programme.level, "code": programme.code, "carried_over": True},
                )
                self.programmes[(source.level, source.code)] = programme
            parent = programme
        assert parent is not None  # a chain always ends at a detail project  # noqa: S101
        return parent

    async def existing_line(self, chain: Sequence[Programme], source: BudgetLine) -> uuid.UUID | None:
        detail = self.programmes.get((chain[-1].level, chain[-1].code))
        if detail is None:
            return None
        return await self.session.scalar(
            select(BudgetLine.id).where(
                BudgetLine.programme_id == detail.id,
                BudgetLine.account_id == source.account_id,
                BudgetLine.statistics_code == carried_statistics_code(source.statistics_code),
            )
        )


async def _next_fiscal_year(session: AsyncSession, year: FiscalYear) -> FiscalYear:
    """The following fiscal year of the government; not yet stored if it was never opened."""
    following = await session.scalar(
        select(FiscalYear).where(
            FiscalYear.government_code == year.government_code, FiscalYear.year == year.year + 1
        )
    )
    if following is None:
        return FiscalYear(
            id=uuid.uuid4(),
            government_code=year.government_code,
            year=year.year + 1,
            status=FiscalYearStatus.OPEN,
        )
    if following.status is not FiscalYearStatus.OPEN:
        raise ConflictError(
            "The fiscal year {year} is closed.",
            year=following.year,
        )
    return following


async def _programme_chains(
    session: AsyncSession, fiscal_year_id: uuid.UUID
) -> dict[uuid.UUID, list[Programme]]:
    """For each detail project of the year, its programmes from the field down to itself."""
    programmes = {
        p.id: p
        for p in (
            await session.scalars(select(Programme).where(Programme.fiscal_year_id == fiscal_year_id))
        ).all()
    }
    chains: dict[uuid.UUID, list[Programme]] = {}
    for programme in programmes.values():
        chain = [programme]
        while chain[0].parent_id is not None and chain[0].parent_id in programmes:
            chain.insert(0, programmes[chain[0].parent_id])
        chains[programme.id] = chain
    return chains


async def decide_carry_over(
    session: AsyncSession, actor: Actor, carry_over_id: uuid.UUID, *, approve: bool
) -> CarryOver:
    """Approve: fund the next year's lines with the carried amounts (allocated) and close the year.

    Rejecting leaves the year open for a new proposal.
    """
    acting = finance._require_role(actor, finance.APPROVER_ROLES, "decide carry-overs")
    carry_over = await _get_record(session, actor, CarryOver, carry_over_id, "carry-over")
    finance._require_other_person(actor, carry_over.requested_by, "carry-over")
    items = await _items_of(session, carry_over.id)
    year = await _get_record(session, actor, FiscalYear, carry_over.fiscal_year_id, "fiscal year")
    if not approve:
        return await _record_carry_over_decision(session, actor, acting, carry_over, ApprovalStatus.REJECTED)
    await finance._require_open_year(session, year.id)
    target = _NextYear(session, actor, await _next_fiscal_year(session, year))
    await target.load()
    chains = await _programme_chains(session, year.id)
    sources = {
        line.id: line
        for line in (
            await session.scalars(
                select(BudgetLine).where(BudgetLine.id.in_({i.source_line_id for i in items}))
            )
        ).all()
    }
    existing = {
        line_id: await target.existing_line(chains[line.programme_id], line)
        for line_id, line in sources.items()
    }
    locked = await _lock_lines(
        session, actor, [*sources, *(line_id for line_id in existing.values() if line_id is not None)]
    )
    carry_over = await _get_record(session, actor, CarryOver, carry_over_id, "carry-over", lock=True)
    require_transition("carry-over", carry_over.status, ApprovalStatus.APPROVED, CYCLE_TRANSITIONS)
    sources = {line_id: locked[line_id] for line_id in sources}
    _refuse_invalid_items(
        [CarryOverRequestItem(i.source_line_id, i.kind, i.amount, i.basis) for i in items],
        sources,
        await _carried_in_line_ids(session, list(sources)),
    )
    await target.open(year)
    for item in items:
        source = sources[item.source_line_id]
        target_id = existing[source.id]
        line = locked[target_id] if target_id else await _carried_line(session, actor, target, chains, source)
        existing[source.id] = line.id
        locked[line.id] = line
        line.budget_amount += item.amount
        line.allocated_amount += item.amount
        item.target_line_id = line.id
    carry_over.target_fiscal_year_id = target.year.id
    funded = {
        str(line_id): finance._line_totals(locked[line_id]) for line_id in set(existing.values()) if line_id
    }
    await _record_carry_over_decision(
        session, actor, acting, carry_over, ApprovalStatus.APPROVED, funded_lines=funded
    )
    await finance.close_fiscal_year(session, actor, year.id)
    for item in items:
        metrics.CARRIED_OVER_WON.labels(item.kind).inc(item.amount)
    return carry_over


async def close_without_carry_over(
    session: AsyncSession, actor: Actor, fiscal_year_id: uuid.UUID
) -> FiscalYear:
    """Close a year that carries nothing over; refused while a carry-over proposal awaits its decision."""
    finance._require_role(actor, finance.APPROVER_ROLES, "close fiscal years")
    year = await _get_record(session, actor, FiscalYear, fiscal_year_id, "fiscal year")
    pending = await session.scalar(
        select(func.count())
        .select_from(CarryOver)
        .where(CarryOver.fiscal_year_id == year.id, CarryOver.status == ApprovalStatus.REQUESTED)
    )
    if pending:
        raise ConflictError(
            "A carry-over of this year awaits a decision: approve it (which closes the year) or reject it first."
        )
    return await finance.close_fiscal_year(session, actor, year.id)


async def _carried_line(
    session: AsyncSession,
    actor: Actor,
    target: _NextYear,
    chains: dict[uuid.UUID, list[Programme]],
    source: BudgetLine,
) -> BudgetLine:
    """Create the next year's line that receives ``source``'s carry-over."""
    detail = await target.programme_for(chains[source.programme_id])
    line = BudgetLine(
        government_code=source.government_code,
        fiscal_year_id=target.year.id,
        account_id=source.account_id,
        programme_id=detail.id,
        object_group=source.object_group,
        object_code=source.object_code,
        object_name=source.object_name,
        statistics_code=carried_statistics_code(source.statistics_code),
        statistics_name=(
            source.statistics_name
            if source.statistics_code.endswith(CARRIED_SUFFIX)
            else f"{source.statistics_name} (이월)"
        )[:100],
        budget_amount=0,
        allocated_amount=0,
        committed_amount=0,
        spent_uncommitted_amount=0,
        paid_amount=0,
    )
    session.add(line)
    await session.flush()
    await finance._audit(
        session,
        actor,
        "budget_line.create",
        line,
        after={"statistics": line.statistics_code, "carried_from": source.id},
    )
    return line


async def _record_carry_over_decision(
    session: AsyncSession,
    actor: Actor,
    acting: finance._Acting,
    carry_over: CarryOver,
    target: ApprovalStatus,
    *,
    funded_lines: dict[str, dict[str, Any]] | None = None,
) -> CarryOver:
    carry_over = await _get_record(session, actor, CarryOver, carry_over.id, "carry-over", lock=True)
    before = {"status": carry_over.status}
    require_transition("carry-over", carry_over.status, target, CYCLE_TRANSITIONS)
    carry_over.status = target
    carry_over.decided_by = acting.user_id
    carry_over.decided_at = utcnow()
    await session.flush()
    await finance._audit(
        session,
        actor,
        f"carry_over.{target}",
        carry_over,
        before=before,
        after={
            "status": carry_over.status,
            "target_fiscal_year": carry_over.target_fiscal_year_id,
            "funded_lines": funded_lines or {},
        },
    )
    return carry_over


async def cancel_carry_over(session: AsyncSession, actor: Actor, carry_over_id: uuid.UUID) -> CarryOver:
    """Withdraw a carry-over proposal that has not been decided yet."""
    finance._require_role(actor, finance.MAKER_ROLES, "cancel carry-overs")
    carry_over = await _get_record(session, actor, CarryOver, carry_over_id, "carry-over", lock=True)
    require_transition("carry-over", carry_over.status, ApprovalStatus.CANCELLED, CYCLE_TRANSITIONS)
    carry_over.status = ApprovalStatus.CANCELLED
    await session.flush()
    await finance._audit(
        session,
        actor,
        "carry_over.cancel",
        carry_over,
        before={"status": ApprovalStatus.REQUESTED},
        after={"status": carry_over.status},
    )
    return carry_over


# --- settlement (세출결산) and budget vs actual ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Figures:
    """A line's (or a group of lines') budget and execution in won.

    ``final_budget = original + supplementary + transfers + carried_in``; ``unused`` (불용액) is
    ``final_budget − paid − carried_over``.
    """

    original: int = 0
    supplementary: int = 0
    transfers: int = 0
    carried_in: int = 0
    final_budget: int = 0
    allocated: int = 0
    committed: int = 0
    paid: int = 0
    carried_over: int = 0

    @property
    def unused(self) -> int:
        """불용액: final budget − paid − carried over."""
        return self.final_budget - self.paid - self.carried_over

    @property
    def execution_rate(self) -> float:
        """집행률: paid as a percentage of the final budget (0 for a line without budget)."""
        return round(100 * self.paid / self.final_budget, 1) if self.final_budget else 0.0

    def __add__(self, other: Figures) -> Figures:
        return Figures(*(getattr(self, name) + getattr(other, name) for name in self.__dataclass_fields__))


def total_of(figures: Iterable[Figures]) -> Figures:
    """The sum of several lines' figures."""
    result = Figures()
    for item in figures:
        result = result + item
    return result


@dataclass(frozen=True, slots=True)
class SettlementLine:
    """One budget line in the settlement, with its account and programme chain (field → detail)."""

    line: BudgetLine
    account: FinanceAccount
    chain: list[Programme]
    figures: Figures


@dataclass(frozen=True, slots=True)
class SettlementTotal:
    """The figures summed over a programme (at any level) or an account."""

    level: str
    code: str
    name: str
    depth: int
    figures: Figures


@dataclass(frozen=True, slots=True)
class Settlement:
    """세출결산 of one government's fiscal year."""

    fiscal_year: FiscalYear
    lines: list[SettlementLine]
    programme_totals: list[SettlementTotal]
    account_totals: list[SettlementTotal]
    total: Figures


async def _baselines(
    session: AsyncSession, fiscal_year_id: uuid.UUID
) -> tuple[dict[uuid.UUID, int], dict[uuid.UUID, tuple[int, datetime | None]]]:
    """Per line: the original budget, and the newest approved version's amount with its decision time."""
    rows = await session.execute(
        select(
            BudgetVersionLine.budget_line_id,
            BudgetVersionLine.amount,
            BudgetVersion.sequence,
            BudgetVersion.decided_at,
        )
        .join(BudgetVersion, BudgetVersion.id == BudgetVersionLine.version_id)
        .where(
            BudgetVersion.fiscal_year_id == fiscal_year_id,
            BudgetVersion.status == BudgetVersionStatus.APPROVED,
        )
        .order_by(BudgetVersion.sequence)
    )
    original: dict[uuid.UUID, int] = {}
    newest: dict[uuid.UUID, tuple[int, datetime | None]] = {}
    for line_id, amount, sequence, decided_at in rows:
        if sequence == 0:
            original[line_id] = amount
        newest[line_id] = (amount, decided_at)
    return original, newest


async def _figures_of(
    session: AsyncSession, lines: Sequence[BudgetLine], fiscal_year_id: uuid.UUID
) -> dict[uuid.UUID, Figures]:
    """Each line's settlement figures.

    A budget version states each line's whole amount, so transfers and carry-ins decided before the
    newest version that names the line are already inside that version's amount; only those decided
    after it are added on top — exactly how the line's running budget came about.
    """
    original, newest = await _baselines(session, fiscal_year_id)
    line_ids = [line.id for line in lines]
    moves: dict[uuid.UUID, list[tuple[datetime | None, int]]] = defaultdict(list)
    carried_in: dict[uuid.UUID, list[tuple[datetime | None, int]]] = defaultdict(list)
    transfers = await session.scalars(
        select(BudgetTransfer).where(
            BudgetTransfer.fiscal_year_id == fiscal_year_id, BudgetTransfer.status == ApprovalStatus.APPROVED
        )
    )
    for transfer in transfers.all():
        moves[transfer.source_line_id].append((transfer.decided_at, -transfer.amount))
        moves[transfer.target_line_id].append((transfer.decided_at, transfer.amount))
    carried_out: dict[uuid.UUID, int] = defaultdict(int)
    if line_ids:
        items = await session.execute(
            select(CarryOverItem, CarryOver.decided_at)
            .join(CarryOver, CarryOver.id == CarryOverItem.carry_over_id)
            .where(
                CarryOver.status == ApprovalStatus.APPROVED,
                (CarryOverItem.source_line_id.in_(line_ids)) | (CarryOverItem.target_line_id.in_(line_ids)),
            )
        )
        wanted = set(line_ids)
        for item, decided_at in items:
            if item.source_line_id in wanted:
                carried_out[item.source_line_id] += item.amount
            if item.target_line_id in wanted:
                carried_in[item.target_line_id].append((decided_at, item.amount))

    def after(events: list[tuple[datetime | None, int]], since: datetime | None) -> int:
        return sum(amount for when, amount in events if since is None or (when is not None and when > since))

    result: dict[uuid.UUID, Figures] = {}
    for line in lines:
        base, since = newest.get(line.id, (0, None))
        first = original.get(line.id, 0)
        result[line.id] = Figures(
            original=first,
            supplementary=base - first,
            transfers=after(moves[line.id], since),
            carried_in=after(carried_in[line.id], since),
            final_budget=line.budget_amount,
            allocated=line.allocated_amount,
            committed=line.committed_amount + line.spent_uncommitted_amount,
            paid=line.paid_amount,
            carried_over=carried_out[line.id],
        )
    return result


def _chain_key(chain: Sequence[Programme]) -> tuple[str, ...]:
    return tuple(p.code for p in chain)


async def settlement(session: AsyncSession, actor: Actor, fiscal_year_id: uuid.UUID) -> Settlement:
    """세출결산 of a fiscal year: per line, per programme at every level, per account, and in total."""
    finance._require_reader(actor)
    year = await _get_record(session, actor, FiscalYear, fiscal_year_id, "fiscal year")
    chains = await _programme_chains(session, year.id)
    accounts = {
        a.id: a
        for a in (
            await session.scalars(
                select(FinanceAccount).where(FinanceAccount.government_code == year.government_code)
            )
        ).all()
    }
    lines = list(
        (await session.scalars(select(BudgetLine).where(BudgetLine.fiscal_year_id == year.id))).all()
    )
    figures = await _figures_of(session, lines, year.id)
    rows = sorted(
        (
            SettlementLine(line, accounts[line.account_id], chains[line.programme_id], figures[line.id])
            for line in lines
        ),
        key=lambda r: (r.account.code, _chain_key(r.chain), r.line.object_code, r.line.statistics_code),
    )
    by_programme: dict[tuple[str, ...], list[Figures]] = defaultdict(list)
    for row in rows:
        for depth in range(1, len(row.chain) + 1):
            by_programme[_chain_key(row.chain[:depth])].append(row.figures)
    programmes = {_chain_key(chain): chain[-1] for chain in chains.values()}
    programme_totals = [
        SettlementTotal(
            str(programmes[key].level),
            programmes[key].code,
            programmes[key].name,
            len(key) - 1,
            total_of(group),
        )
        for key, group in sorted(by_programme.items())
    ]
    by_account: dict[uuid.UUID, list[Figures]] = defaultdict(list)
    for row in rows:
        by_account[row.account.id].append(row.figures)
    account_totals = [
        SettlementTotal("account", accounts[a].code, accounts[a].name, 0, total_of(group))
        for a, group in sorted(by_account.items(), key=lambda item: accounts[item[0]].code)
    ]
    return Settlement(year, rows, programme_totals, account_totals, total_of(r.figures for r in rows))


@dataclass(frozen=True, slots=True)
class BudgetVsActualRow:
    """One line on the dashboard."""

    line: BudgetLine
    programme: Programme
    figures: Figures


@dataclass(frozen=True, slots=True)
class BudgetVsActual:
    """Budget against execution for one government's fiscal year, filtered and paged by line."""

    government_code: str
    fiscal_year: FiscalYear | None
    fiscal_years: list[FiscalYear]
    accounts: list[FinanceAccount]
    programmes: list[Programme]
    rows: list[BudgetVsActualRow]
    total_rows: int
    policy_totals: list[SettlementTotal]
    total: Figures


def _execution(line: BudgetLine) -> Figures:
    return Figures(
        final_budget=line.budget_amount,
        allocated=line.allocated_amount,
        committed=line.committed_amount + line.spent_uncommitted_amount,
        paid=line.paid_amount,
    )


async def budget_vs_actual(
    session: AsyncSession,
    actor: Actor,
    *,
    government_code: str | None = None,
    fiscal_year_id: uuid.UUID | None = None,
    account_id: uuid.UUID | None = None,
    programme_id: uuid.UUID | None = None,
    limit: int,
    offset: int,
) -> BudgetVsActual:
    """Budget, allocation, commitments, payments and the execution rate per policy project and line.

    Officials see their own government; the ministry names the government. Without a fiscal year
    the newest one is shown.
    """
    finance._require_reader(actor)
    code = actor.government_code or government_code
    if code is None:
        raise InvalidInputError("Choose the local government whose budget you want to see.")
    actor.require_access(code, "government")
    years = list(
        (
            await session.scalars(
                select(FiscalYear).where(FiscalYear.government_code == code).order_by(FiscalYear.year.desc())
            )
        ).all()
    )
    accounts = list(
        (
            await session.scalars(
                select(FinanceAccount)
                .where(FinanceAccount.government_code == code)
                .order_by(FinanceAccount.code)
            )
        ).all()
    )
    year = (
        next((y for y in years if y.id == fiscal_year_id), None)
        if fiscal_year_id
        else next(iter(years), None)
    )
    if fiscal_year_id is not None and year is None:
        raise NotFoundError("No such fiscal year.")
    if year is None:
        return BudgetVsActual(code, None, years, accounts, [], [], 0, [], Figures())
    chains = await _programme_chains(session, year.id)
    programmes = sorted((chain[-1] for chain in chains.values()), key=lambda p: _chain_key(chains[p.id]))
    query = select(BudgetLine).where(BudgetLine.fiscal_year_id == year.id)
    if account_id is not None:
        if account_id not in {a.id for a in accounts}:
            raise NotFoundError("No such account.")
        query = query.where(BudgetLine.account_id == account_id)
    if programme_id is not None:
        if programme_id not in chains:
            raise NotFoundError("No such programme.")
        details = [pid for pid, chain in chains.items() if any(p.id == programme_id for p in chain)]
        query = query.where(BudgetLine.programme_id.in_(details))
    page, total_rows = await fetch_page(
        session,
        query,
        order_by=[BudgetLine.object_code, BudgetLine.statistics_code, BudgetLine.id],
        limit=limit,
        offset=offset,
    )
    everything = list((await session.scalars(query)).all())
    by_policy: dict[tuple[str, ...], list[Figures]] = defaultdict(list)
    policies: dict[tuple[str, ...], Programme] = {}
    for line in everything:
        chain = chains[line.programme_id]
        policy = next((p for p in chain if p.level is ProgrammeLevel.POLICY), chain[-1])
        key = _chain_key(chain[: chain.index(policy) + 1])
        policies[key] = policy
        by_policy[key].append(_execution(line))
    policy_totals = [
        SettlementTotal(str(policies[key].level), policies[key].code, policies[key].name, 0, total_of(group))
        for key, group in sorted(by_policy.items())
    ]
    return BudgetVsActual(
        government_code=code,
        fiscal_year=year,
        fiscal_years=years,
        accounts=accounts,
        programmes=programmes,
        rows=[BudgetVsActualRow(line, chains[line.programme_id][-1], _execution(line)) for line in page],
        total_rows=total_rows,
        policy_totals=policy_totals,
        total=total_of(_execution(line) for line in everything),
    )
