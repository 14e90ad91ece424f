"""Contract milestones as officials keep them: the schedule, the inspection (검사·검수), reading.

A contract's schedule is an ordered list of milestones (선금 first if there is one, 준공 last), each
with a due date inside the contract period, in order, and an amount; together they never exceed the
contract amount, and the schedule is *complete* when they add up to it exactly (the pages say so; a
schedule that is not complete is valid, the rest of the contract is then committed without naming a
milestone). The schedule changes only under the contract's row lock and only while no open
commitment names one of its milestones: from then on it is what was obligated.

Commitments against a milestone and the payment gate are in :mod:`app.finance.milestones.rules`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.finance.milestones.rules import MilestoneProgress, milestone_of, progress_of
from app.finance.models import (
    OPEN_REQUEST_STATUSES,
    Commitment,
    Contract,
    ContractMilestone,
    MilestoneKind,
    MilestoneStatus,
)
from app.finance.services import MAKER_ROLES, _audit, _require_reader, _require_role
from app.platform.db import utcnow
from app.platform.errors import ConflictError, ForbiddenError, InvalidInputError
from app.platform.tenancy import Actor
from app.platform.tenancy import get_for_actor as _get
from app.platform.web import N_


def _snapshot(milestone: ContractMilestone) -> dict[str, Any]:
    return {
        "sequence": milestone.sequence,
        "kind": milestone.kind,
        "title": milestone.title,
        "due_date": milestone.due_date,
        "amount": milestone.amount,
        "accepted_on": milestone.accepted_on,
        "inspector_name": milestone.inspector_name,
    }


async def _schedule(session: AsyncSession, contract_id: uuid.UUID) -> list[ContractMilestone]:
    rows = await session.scalars(
        select(ContractMilestone)
        .where(ContractMilestone.contract_id == contract_id)
        .order_by(ContractMilestone.sequence)
    )
    return list(rows.all())


async def list_milestones(
    session: AsyncSession, actor: Actor, contract_id: uuid.UUID
) -> tuple[Contract, list[MilestoneProgress]]:
    """A contract's schedule in order, each milestone with where it stands."""
    _require_reader(actor)
    contract = await _get(session, actor, Contract, contract_id, "contract")
    return contract, await progress_of(session, await _schedule(session, contract.id))


async def find_milestone(
    session: AsyncSession, actor: Actor, milestone_id: uuid.UUID
) -> MilestoneProgress | None:
    """One milestone of the actor's government with where it stands, or ``None``."""
    _require_reader(actor)
    milestone = await session.get(ContractMilestone, milestone_id)
    if milestone is None or not actor.may_access(milestone.government_code):
        return None
    (progress,) = await progress_of(session, [milestone])
    return progress


async def milestones_of_contracts(
    session: AsyncSession, actor: Actor, contract_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[MilestoneProgress]]:
    """The schedules of several contracts (of the actor's government), for a form's options."""
    _require_reader(actor)
    wanted = list(contract_ids)
    if not wanted:
        return {}
    query = select(ContractMilestone).where(ContractMilestone.contract_id.in_(wanted))
    if not actor.is_ministry:
        query = query.where(ContractMilestone.government_code == actor.government_code)
    rows = (await session.scalars(query.order_by(ContractMilestone.sequence))).all()
    schedules: dict[uuid.UUID, list[MilestoneProgress]] = {}
    for item in await progress_of(session, rows):
        schedules.setdefault(item.milestone.contract_id, []).append(item)
    return schedules


async def _require_schedule_open(session: AsyncSession, contract: Contract) -> None:
    """The schedule is what was obligated once a commitment names one of its milestones."""
    committed = await session.scalar(
        select(func.count())
        .select_from(Commitment)
        .join(ContractMilestone, ContractMilestone.id == Commitment.milestone_id)
        .where(
            ContractMilestone.contract_id == contract.id,
            Commitment.status.in_(OPEN_REQUEST_STATUSES),
        )
    )
    if committed:
        raise ConflictError(
            "Commitments already draw on this contract's milestones; its schedule can no longer change."
        )


async def add_milestone(
    session: AsyncSession,
    actor: Actor,
    contract_id: uuid.UUID,
    *,
    kind: MilestoneKind,
    title: str,
    due_date: date,
    amount: int,
) -> ContractMilestone:
    """Append a milestone to the contract's schedule (under the contract's row lock)."""
    acting = _require_role(actor, MAKER_ROLES, N_("plan contract milestones"))
    contract = await _get(session, actor, Contract, contract_id, "contract", lock=True)
    await _require_schedule_open(session, contract)
    schedule = await _schedule(session, contract.id)
    if not contract.start_date <= due_date <= contract.end_date:
        raise InvalidInputError(
            "The due date {due} lies outside the contract period {start} – {end}.",
            due=due_date.isoformat(),
            start=contract.start_date.isoformat(),
            end=contract.end_date.isoformat(),
        )
    if schedule and due_date < schedule[-1].due_date:
        raise InvalidInputError(
            "Milestones follow each other: the due date {due} is before the previous milestone's {previous}.",
            due=due_date.isoformat(),
            previous=schedule[-1].due_date.isoformat(),
        )
    if kind is MilestoneKind.ADVANCE and schedule:
        raise InvalidInputError("An advance payment (선금) can only be the first milestone.")
    if schedule and schedule[-1].kind is MilestoneKind.COMPLETION:
        raise InvalidInputError("The completion (준공) is the last milestone; nothing can follow it.")
    planned = sum(m.amount for m in schedule)
    if planned + amount > contract.amount:
        raise InvalidInputError(
            "The milestones would add up to {total:,} won, more than the contract's {amount:,} won.",
            total=planned + amount,
            amount=contract.amount,
            extra={"contract_amount": contract.amount, "scheduled": planned, "requested": amount},
        )
    milestone = ContractMilestone(
        government_code=acting.government_code,
        contract_id=contract.id,
        sequence=(schedule[-1].sequence if schedule else 0) + 1,
        kind=kind,
        title=title,
        due_date=due_date,
        amount=amount,
        created_by=acting.user_id,
    )
    session.add(milestone)
    await session.flush()
    await _audit(session, actor, "contract_milestone.create", milestone, after=_snapshot(milestone))
    return milestone


async def remove_milestone(
    session: AsyncSession, actor: Actor, contract_id: uuid.UUID, milestone_id: uuid.UUID
) -> None:
    """Take a milestone out of a schedule nothing is committed against; the later ones move up."""
    _require_role(actor, MAKER_ROLES, N_("plan contract milestones"))
    contract = await _get(session, actor, Contract, contract_id, "contract", lock=True)
    milestone = await milestone_of(session, actor, contract.id, milestone_id, lock=True)
    await _require_schedule_open(session, contract)
    if await session.scalar(
        select(func.count()).select_from(Commitment).where(Commitment.milestone_id == milestone.id)
    ):
        raise ConflictError("Commitments name this milestone (even if closed); it stays in the schedule.")
    before = _snapshot(milestone)
    later = [m for m in await _schedule(session, contract.id) if m.sequence > milestone.sequence]
    await session.delete(milestone)
    await session.flush()
    for item in later:  # one at a time, in order: each takes the number the previous one freed
        item.sequence -= 1
        await session.flush()
    await _audit(session, actor, "contract_milestone.remove", milestone, before=before)


async def accept_milestone(
    session: AsyncSession,
    actor: Actor,
    contract_id: uuid.UUID,
    milestone_id: uuid.UUID,
    *,
    accepted_on: date,
    inspector_name: str,
) -> MilestoneProgress:
    """Record the inspection (검사·검수) of a milestone: by someone other than who registered the contract."""
    acting = _require_role(actor, MAKER_ROLES, N_("record inspections"))
    contract = await _get(session, actor, Contract, contract_id, "contract")
    if contract.created_by == acting.user_id:
        raise ForbiddenError(
            "You registered this contract; another official must inspect and accept its milestones "
            "(four-eyes rule)."
        )
    milestone = await milestone_of(session, actor, contract.id, milestone_id, lock=True)
    (progress,) = await progress_of(session, [milestone])
    if milestone.accepted_on is not None:
        raise ConflictError(
            "Milestone {sequence} was inspected and accepted on {day} already.",
            sequence=milestone.sequence,
            day=milestone.accepted_on.isoformat(),
            extra={"current_status": str(progress.status)},
        )
    if progress.approved == 0:
        raise ConflictError(
            "No commitment against milestone {sequence} is approved yet; it is inspected after one is.",
            sequence=milestone.sequence,
            extra={"current_status": str(progress.status)},
        )
    if not contract.start_date <= accepted_on <= utcnow().date():
        raise InvalidInputError(
            "The inspection date {day} must lie between the contract's start {start} and today.",
            day=accepted_on.isoformat(),
            start=contract.start_date.isoformat(),
        )
    before = _snapshot(milestone)
    milestone.accepted_on = accepted_on
    milestone.inspector_name = inspector_name
    milestone.accepted_by = acting.user_id
    await session.flush()
    await _audit(
        session,
        actor,
        "contract_milestone.accept",
        milestone,
        before={**before, "status": progress.status},
        after={**_snapshot(milestone), "status": MilestoneStatus.ACCEPTED},
    )
    return MilestoneProgress(milestone, progress.committed, progress.approved, progress.paid)
