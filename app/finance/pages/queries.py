"""Reading for the officials' pages: paged, filtered lists the service layer has no call for yet.

Every query is narrowed to the actor's government with :func:`restrict_to_actor` (the ministry
reads all) and refuses roles that do not read finance records, as the service layer's reads do.
Related records a list shows (the budget line of a commitment, the contract it draws on) are loaded
in one query per kind for the whole page, never one per row.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.finance import services
from app.finance.models import (
    Allocation,
    ApprovalStatus,
    BudgetLine,
    BudgetVersion,
    BudgetVersionLine,
    Commitment,
    Contract,
    ExpenditureResolution,
    FinanceAccount,
    PaymentOrder,
    Programme,
)
from app.platform.auth.models import User
from app.platform.paging import fetch_page
from app.platform.tenancy import Actor, restrict_to_actor

ListedT = TypeVar(
    "ListedT",
    BudgetVersion,
    Allocation,
    Contract,
    Commitment,
    ExpenditureResolution,
    PaymentOrder,
)
RecordT = TypeVar(
    "RecordT",
    BudgetLine,
    Contract,
    Commitment,
    ExpenditureResolution,
    PaymentOrder,
    Programme,
    FinanceAccount,
)


LineRequestT = TypeVar("LineRequestT", Allocation, Commitment, ExpenditureResolution)


def _require_reader(actor: Actor) -> None:
    services._require_reader(actor)  # the service layer's refusal, in the reader's language


async def list_records(
    session: AsyncSession,
    actor: Actor,
    model: type[ListedT],
    *,
    where: Sequence[ColumnElement[bool]] = (),
    limit: int,
    offset: int,
) -> tuple[list[ListedT], int]:
    """One page of the government's records of ``model``, newest first."""
    _require_reader(actor)
    query = restrict_to_actor(select(model), model.government_code, actor).where(*where)
    return await fetch_page(
        session, query, order_by=[model.created_at.desc(), model.id], limit=limit, offset=offset
    )


async def requests_on_lines(
    session: AsyncSession,
    actor: Actor,
    model: type[LineRequestT],
    *,
    status: str | None,
    line_id: uuid.UUID | None,
    where: Sequence[ColumnElement[bool]] = (),
    limit: int,
    offset: int,
) -> tuple[list[LineRequestT], dict[uuid.UUID, str], int]:
    """One page of allocations, commitments or resolutions (of a status, on a line), with their lines' labels."""
    conditions = list(where)
    if status is not None:
        conditions.append(model.status == ApprovalStatus(status))
    if line_id is not None:
        conditions.append(model.budget_line_id == line_id)
    records, total = await list_records(session, actor, model, where=conditions, limit=limit, offset=offset)
    lines = await by_id(session, actor, BudgetLine, ids(records, "budget_line_id"))
    return records, await line_labels(session, actor, lines.values()), total


async def by_id(
    session: AsyncSession, actor: Actor, model: type[RecordT], ids: Iterable[uuid.UUID | None]
) -> dict[uuid.UUID, RecordT]:
    """Records of ``model`` by id, for showing what a page's rows refer to (the actor's government only)."""
    _require_reader(actor)
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    query = restrict_to_actor(select(model), model.government_code, actor).where(model.id.in_(wanted))
    return {record.id: record for record in (await session.scalars(query)).all()}


async def user_names(session: AsyncSession, ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    """Display names of the people who requested and decided (staff of the same government)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = await session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))
    return dict(rows.all())


async def version_totals(session: AsyncSession, version_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
    """The total each budget version gives its lines."""
    wanted = list(version_ids)
    if not wanted:
        return {}
    rows = await session.execute(
        select(BudgetVersionLine.version_id, func.sum(BudgetVersionLine.amount))
        .where(BudgetVersionLine.version_id.in_(wanted))
        .group_by(BudgetVersionLine.version_id)
    )
    return {version_id: int(total) for version_id, total in rows.all()}


async def version_amounts_of_line(session: AsyncSession, line_id: uuid.UUID) -> dict[uuid.UUID, int]:
    """What each budget version gives one line (only versions that list it)."""
    rows = await session.execute(
        select(BudgetVersionLine.version_id, BudgetVersionLine.amount).where(
            BudgetVersionLine.budget_line_id == line_id
        )
    )
    return dict(rows.all())


async def year_lines(
    session: AsyncSession, actor: Actor, fiscal_year_id: uuid.UUID | None = None
) -> list[BudgetLine]:
    """Every budget line of the government (of one fiscal year), as a form's options are listed."""
    _require_reader(actor)
    query = restrict_to_actor(select(BudgetLine), BudgetLine.government_code, actor)
    if fiscal_year_id is not None:
        query = query.where(BudgetLine.fiscal_year_id == fiscal_year_id)
    rows = await session.scalars(
        query.order_by(BudgetLine.object_code, BudgetLine.statistics_code, BudgetLine.id)
    )
    return list(rows.all())


async def open_commitments(session: AsyncSession, actor: Actor) -> list[Commitment]:
    """Approved commitments an expenditure resolution can be drawn under."""
    _require_reader(actor)
    query = restrict_to_actor(select(Commitment), Commitment.government_code, actor).where(
        Commitment.status == ApprovalStatus.APPROVED
    )
    return list((await session.scalars(query.order_by(Commitment.created_at.desc()).limit(500))).all())


async def contracts(session: AsyncSession, actor: Actor) -> list[Contract]:
    """The government's contracts, newest first, as a form's options are listed."""
    _require_reader(actor)
    query = restrict_to_actor(select(Contract), Contract.government_code, actor)
    return list((await session.scalars(query.order_by(Contract.created_at.desc()).limit(500))).all())


async def drawn_on_contracts(
    session: AsyncSession, contract_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """How much is committed (requested or approved) under each contract."""
    wanted = list(contract_ids)
    if not wanted:
        return {}
    rows = await session.execute(
        select(Commitment.contract_id, func.sum(Commitment.amount))
        .where(Commitment.contract_id.in_(wanted), Commitment.status.in_(services.OPEN_COMMITMENT_STATUSES))
        .group_by(Commitment.contract_id)
    )
    return {contract_id: int(total) for contract_id, total in rows.all() if contract_id is not None}


async def resolved_under(session: AsyncSession, commitment_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
    """How much is resolved (requested or approved) under each commitment."""
    wanted = list(commitment_ids)
    if not wanted:
        return {}
    rows = await session.execute(
        select(ExpenditureResolution.commitment_id, func.sum(ExpenditureResolution.amount))
        .where(
            ExpenditureResolution.commitment_id.in_(wanted),
            ExpenditureResolution.status.in_(services.OPEN_COMMITMENT_STATUSES),
        )
        .group_by(ExpenditureResolution.commitment_id)
    )
    return {commitment_id: int(total) for commitment_id, total in rows.all() if commitment_id is not None}


def line_label(line: BudgetLine | None, programmes: dict[uuid.UUID, Programme] | None = None) -> str:
    """A budget line as officials name it: detail programme · 편성목 · 통계목."""
    if line is None:
        return ""
    text = f"{line.object_code} {line.object_name} · {line.statistics_code} {line.statistics_name}"
    programme = (programmes or {}).get(line.programme_id)
    return f"{programme.name} · {text}" if programme else text


async def line_labels(
    session: AsyncSession, actor: Actor, lines: Iterable[BudgetLine]
) -> dict[uuid.UUID, str]:
    """Labels of budget lines with their detail programme's name."""
    listed = list(lines)
    programmes = await by_id(session, actor, Programme, (line.programme_id for line in listed))
    return {line.id: line_label(line, programmes) for line in listed}


def ids(records: Iterable[Any], attribute: str) -> list[uuid.UUID]:
    """The ids a list of records refers to through ``attribute``."""
    return [value for record in records if (value := getattr(record, attribute)) is not None]
