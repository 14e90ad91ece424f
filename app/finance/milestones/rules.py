"""What the commitment and payment-order services ask of a contract's milestones.

Kept apart from :mod:`app.finance.milestones.services` (the officials' operations on a schedule),
which builds on :mod:`app.finance.services`: this module needs only the models, so the commitment
and payment services can call it.

Only a milestone's inspection (검사·검수) is stored. How much is committed and paid is read from
the commitments that name it and their payment orders, so a rejected or cancelled commitment or a
payment recorded by the treasury changes a milestone's status without a second write that could
drift.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.finance.models import (
    OPEN_REQUEST_STATUSES,
    ApprovalStatus,
    Commitment,
    Contract,
    ContractMilestone,
    ExpenditureResolution,
    MilestoneStatus,
    PaymentOrder,
    PaymentOrderStatus,
)
from app.platform.errors import ConflictError, InvalidInputError, NotFoundError
from app.platform.tenancy import Actor
from app.platform.tenancy import get_for_actor as _get


@dataclass(frozen=True, slots=True)
class MilestoneProgress:
    """A milestone with what is committed against it (requested or approved) and what has been paid."""

    milestone: ContractMilestone
    committed: int
    approved: int
    paid: int

    @property
    def remaining(self) -> int:
        """What may still be committed against the milestone."""
        return self.milestone.amount - self.committed

    @property
    def status(self) -> MilestoneStatus:
        """Planned → (partly) committed → accepted → paid, read from the records."""
        if self.milestone.accepted_on is not None:
            return MilestoneStatus.PAID if self.paid >= self.milestone.amount else MilestoneStatus.ACCEPTED
        if self.committed == 0:
            return MilestoneStatus.PLANNED
        if self.committed < self.milestone.amount:
            return MilestoneStatus.PARTLY_COMMITTED
        return MilestoneStatus.COMMITTED


async def _committed(
    session: AsyncSession, milestone_ids: Iterable[uuid.UUID], statuses: Iterable[ApprovalStatus]
) -> dict[uuid.UUID, int]:
    wanted = list(milestone_ids)
    if not wanted:
        return {}
    rows = await session.execute(
        select(Commitment.milestone_id, func.sum(Commitment.amount))
        .where(Commitment.milestone_id.in_(wanted), Commitment.status.in_(list(statuses)))
        .group_by(Commitment.milestone_id)
    )
    return {milestone_id: int(total) for milestone_id, total in rows.all() if milestone_id is not None}


async def _paid(session: AsyncSession, milestone_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
    wanted = list(milestone_ids)
    if not wanted:
        return {}
    rows = await session.execute(
        select(Commitment.milestone_id, func.sum(PaymentOrder.amount))
        .join(ExpenditureResolution, ExpenditureResolution.commitment_id == Commitment.id)
        .join(PaymentOrder, PaymentOrder.resolution_id == ExpenditureResolution.id)
        .where(Commitment.milestone_id.in_(wanted), PaymentOrder.status == PaymentOrderStatus.PAID)
        .group_by(Commitment.milestone_id)
    )
    return {milestone_id: int(total) for milestone_id, total in rows.all() if milestone_id is not None}


async def progress_of(
    session: AsyncSession, milestones: Iterable[ContractMilestone]
) -> list[MilestoneProgress]:
    """Each milestone with its committed, approved and paid totals (three queries for the whole list)."""
    listed = list(milestones)
    ids = [m.id for m in listed]
    committed = await _committed(session, ids, OPEN_REQUEST_STATUSES)
    approved = await _committed(session, ids, [ApprovalStatus.APPROVED])
    paid = await _paid(session, ids)
    return [
        MilestoneProgress(m, committed.get(m.id, 0), approved.get(m.id, 0), paid.get(m.id, 0)) for m in listed
    ]


async def get_milestone(session: AsyncSession, actor: Actor, milestone_id: uuid.UUID) -> ContractMilestone:
    """One milestone of the actor's government (another government's is *not found*)."""
    return await _get(session, actor, ContractMilestone, milestone_id, "milestone")


async def milestone_of(
    session: AsyncSession, actor: Actor, contract_id: uuid.UUID, milestone_id: uuid.UUID, *, lock: bool
) -> ContractMilestone:
    """One milestone of the contract (another contract's, or another government's, is *not found*)."""
    milestone = await _get(session, actor, ContractMilestone, milestone_id, "milestone", lock=lock)
    if milestone.contract_id != contract_id:
        raise NotFoundError("No such milestone.")
    return milestone


async def reserve_on_milestone(
    session: AsyncSession, actor: Actor, contract: Contract, milestone_id: uuid.UUID, amount: int
) -> ContractMilestone:
    """Check, under the milestone's row lock, that ``amount`` fits in what is left of it.

    The caller (a commitment request) holds the budget line's and the contract's locks already.
    """
    milestone = await milestone_of(session, actor, contract.id, milestone_id, lock=True)
    committed = (await _committed(session, [milestone.id], OPEN_REQUEST_STATUSES)).get(milestone.id, 0)
    if committed + amount > milestone.amount:
        raise InvalidInputError(
            "Milestone {sequence} ({title}) is for {amount:,} won and {committed:,} won is already "
            "committed against it; {requested:,} won more would exceed it.",
            sequence=milestone.sequence,
            title=milestone.title,
            amount=milestone.amount,
            committed=committed,
            requested=amount,
            extra={"milestone_amount": milestone.amount, "committed": committed, "requested": amount},
        )
    return milestone


async def require_accepted_for_payment(session: AsyncSession, resolution_id: uuid.UUID) -> None:
    """Refuse (409) a payment order for a resolution whose commitment's milestone is not accepted yet."""
    found = (
        await session.execute(
            select(ContractMilestone.sequence, ContractMilestone.title, ContractMilestone.accepted_on)
            .join(Commitment, Commitment.milestone_id == ContractMilestone.id)
            .join(ExpenditureResolution, ExpenditureResolution.commitment_id == Commitment.id)
            .where(ExpenditureResolution.id == resolution_id)
        )
    ).first()
    if found is not None and found.accepted_on is None:
        raise ConflictError(
            "Milestone {sequence} ({title}) has not been inspected and accepted yet; under the Local "
            "Contract Act it is paid only after inspection.",
            sequence=found.sequence,
            title=found.title,
        )
