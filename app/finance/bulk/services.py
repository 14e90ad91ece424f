"""Bulk payment rules: request a batch from a payee file, decide it, export it, reconcile the result.

The batch follows an expenditure resolution without a commitment, for its total: requesting it
reserves the total on the budget line (under the line's row lock, so concurrent requests can never
together exceed what is available), approval posts the expense and the payable, rejection releases
the reservation. The bank's result settles it: paid lines are paid from cash, failed lines go back
to the line's available budget (the expense is reversed) and are listed for re-payment.

Each operation is one transaction with set-based writes (PostgreSQL ``COPY`` for the lines), one
journal entry per event and one audit event per state change, never one per line.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.finance import services as finance
from app.finance.bulk import files, metrics
from app.finance.bulk.banks import account_digits
from app.finance.bulk.models import BATCH_TRANSITIONS, BatchStatus, BulkBatch, BulkLine, LineStatus
from app.finance.models import BudgetLine, FiscalYear, LedgerAccount, ObjectGroup, require_transition
from app.platform.db import utcnow
from app.platform.errors import ConflictError, InvalidInputError, NotFoundError
from app.platform.paging import fetch_page
from app.platform.tenancy import Actor, restrict_to_actor

URGENT_GROUPS = frozenset({ObjectGroup.PERSONNEL, ObjectGroup.CURRENT_TRANSFERS})
"""인건비 and 경상이전 (salaries, welfare benefits): what must be paid even while the service is down."""

MAX_TITLE = 200

LINE_COLUMNS = (
    "batch_id",
    "government_code",
    "sequence",
    "line_number",
    "payee_name",
    "bank_code",
    "account_number",
    "amount",
    "purpose",
    "id_number_masked",
    "status",
)


def _snapshot(batch: BulkBatch) -> dict[str, Any]:
    return {
        "status": batch.status,
        "lines": batch.line_count,
        "total": batch.total_amount,
        "paid": batch.paid_amount,
        "failed": batch.failed_amount,
    }


async def _get_batch(
    session: AsyncSession, actor: Actor, batch_id: uuid.UUID, *, lock: bool = False
) -> BulkBatch:
    """One batch the actor may see (another government's is *not found*); ``lock`` re-reads it locked."""
    query = select(BulkBatch).where(BulkBatch.id == batch_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    batch = await session.scalar(query)
    if batch is None:
        raise NotFoundError("No such bulk payment batch.")
    actor.require_access(batch.government_code, "bulk payment batch")
    return batch


# --- request -------------------------------------------------------------------------------------


async def request_batch(
    session: AsyncSession, actor: Actor, *, budget_line_id: uuid.UUID, title: str, content: bytes
) -> BulkBatch:
    """Check a payee file line by line and request one batch for it, or refuse it whole.

    The file is checked completely before the database is touched; a file with any bad line, or
    whose total exceeds the line's available budget, raises :class:`files.FileRefusedError` naming
    every problem, and nothing is written.
    """
    acting = finance._require_role(actor, finance.MAKER_ROLES, "request bulk payments")
    title = title.strip()
    if not title or len(title) > MAX_TITLE:
        raise InvalidInputError("Give the batch a title of 1 to {max_title} characters.", max_title=MAX_TITLE)
    if len(content) > files.MAX_UPLOAD_BYTES:
        raise files.TooLargeError(
            "A payee file may be at most {max_bytes:,} bytes.", max_bytes=files.MAX_UPLOAD_BYTES
        )
    parsed = files.parse_payee_file(content)
    line = await finance._lock_line(session, actor, budget_line_id)
    await finance._require_open_year(session, line.fiscal_year_id)
    if parsed.total > line.available_amount:
        raise files.FileRefusedError(
            [
                files.LineProblem(
                    0,
                    "over_budget",
                    f"{parsed.total:,} > {line.available_amount:,}",
                )
            ]
        )
    before = finance._line_totals(line)
    line.spent_uncommitted_amount += parsed.total
    batch_id = uuid.uuid4()
    now = utcnow()
    batch = BulkBatch(
        id=batch_id,
        government_code=acting.government_code,
        budget_line_id=line.id,
        reference=f"BP{now:%Y%m%d}-{batch_id.hex[:8].upper()}",
        title=title,
        status=BatchStatus.REQUESTED,
        line_count=len(parsed.payees),
        total_amount=parsed.total,
        paid_count=0,
        paid_amount=0,
        failed_count=0,
        failed_amount=0,
        source_sha256=files.sha256(content),
        requested_by=acting.user_id,
    )
    session.add(batch)
    await session.flush()
    await _insert_lines(session, batch, parsed)
    await finance._audit(
        session,
        actor,
        "bulk_batch.request",
        batch,
        before={"line": before},
        after={**_snapshot(batch), "reference": batch.reference, "line": finance._line_totals(line)},
    )
    metrics.BATCH_LINES.observe(batch.line_count)
    return batch


def _line_rows(batch: BulkBatch, parsed: files.PayeeFile) -> Iterator[tuple[Any, ...]]:
    for sequence, payee in enumerate(parsed.payees, start=1):
        yield (
            batch.id,
            batch.government_code,
            sequence,
            payee.line_number,
            payee.payee_name,
            payee.bank_code,
            payee.account_number,
            payee.amount,
            payee.purpose,
            payee.id_number_masked,
            LineStatus.PENDING.value,
        )


async def _insert_lines(session: AsyncSession, batch: BulkBatch, parsed: files.PayeeFile) -> None:
    """All lines in one set-based write: ``COPY`` on PostgreSQL, one executemany on SQLite."""
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        statement = f"COPY {BulkLine.__tablename__} ({', '.join(LINE_COLUMNS)}) FROM STDIN"
        async with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in _line_rows(batch, parsed):
                await copy.write_row(row)
        return
    await session.execute(
        insert(BulkLine), [dict(zip(LINE_COLUMNS, row, strict=True)) for row in _line_rows(batch, parsed)]
    )


# --- decision ------------------------------------------------------------------------------------


async def decide_batch(
    session: AsyncSession, actor: Actor, batch_id: uuid.UUID, *, approve: bool
) -> BulkBatch:
    """Approve (expense and payable posted, bank file released) or reject (reservation released)."""
    acting = finance._require_role(actor, finance.APPROVER_ROLES, "decide bulk payment batches")
    batch = await _get_batch(session, actor, batch_id)
    finance._require_other_person(actor, batch.requested_by, "bulk payment batch")
    line = await finance._lock_line(session, actor, batch.budget_line_id)
    batch = await _get_batch(session, actor, batch_id, lock=True)
    before = _snapshot(batch)
    target = BatchStatus.APPROVED if approve else BatchStatus.REJECTED
    require_transition("bulk payment batch", batch.status, target, BATCH_TRANSITIONS)
    if approve:
        await finance._post_for_line(
            session,
            actor,
            line,
            description=f"일괄지급 {batch.reference} {batch.title} ({batch.line_count:,}건)"[:500],
            source_type="bulk_batch",
            source_id=batch.id,
            debit=line.object_group.ledger_account,
            credit=LedgerAccount.PAYABLE,
            amount=batch.total_amount,
        )
    else:
        line.spent_uncommitted_amount -= batch.total_amount
    batch.status = target
    batch.decided_by = acting.user_id
    batch.decided_at = utcnow()
    await session.flush()
    await finance._audit(session, actor, f"bulk_batch.{target}", batch, before=before, after=_snapshot(batch))
    return batch


# --- the bank file -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Download:
    """A file to hand out: its name and bytes."""

    filename: str
    content: bytes


async def bank_file_header(session: AsyncSession, batch: BulkBatch) -> files.BankFileHeader:
    line = await session.get(BudgetLine, batch.budget_line_id)
    year = await session.get(FiscalYear, line.fiscal_year_id) if line else None
    if line is None or year is None:
        raise NotFoundError("No such budget line.")
    return files.BankFileHeader(
        reference=batch.reference,
        government_code=batch.government_code,
        fiscal_year=year.year,
        budget_item=f"{line.object_code}/{line.statistics_code}",
        created_at=batch.decided_at or batch.created_at,
    )


async def batch_transfers(session: AsyncSession, batch: BulkBatch) -> list[files.Transfer]:
    """The batch's lines as the bank file's transfers, in sequence order."""
    rows = await session.execute(
        select(
            BulkLine.sequence,
            BulkLine.bank_code,
            BulkLine.account_number,
            BulkLine.payee_name,
            BulkLine.amount,
            BulkLine.purpose,
        )
        .where(BulkLine.batch_id == batch.id)
        .order_by(BulkLine.sequence)
    )
    return [
        files.Transfer(sequence, bank, account_digits(account) or account, name, amount, purpose)
        for sequence, bank, account, name, amount, purpose in rows
    ]


async def batch_bank_file(session: AsyncSession, actor: Actor, batch_id: uuid.UUID) -> Download:
    """The treasury bank file of an approved batch (the same bytes every time it is asked for)."""
    finance._require_reader(actor)
    batch = await _get_batch(session, actor, batch_id)
    if batch.status not in {BatchStatus.APPROVED, BatchStatus.SETTLED}:
        raise ConflictError("Only an approved batch has a bank file, and this one is not approved.")
    header = await bank_file_header(session, batch)
    content = files.bank_file(header, await batch_transfers(session, batch))
    return Download(f"{batch.reference}.csv", content)


async def repayment_file(session: AsyncSession, actor: Actor, batch_id: uuid.UUID) -> Download:
    """The failed lines of a settled batch as a payee file, to correct and upload as a new batch."""
    finance._require_reader(actor)
    batch = await _get_batch(session, actor, batch_id)
    if batch.status is not BatchStatus.SETTLED:
        raise ConflictError(
            "Failed lines are known once the batch is settled, and this one is not settled yet."
        )
    rows = await session.execute(
        select(
            BulkLine.payee_name,
            BulkLine.bank_code,
            BulkLine.account_number,
            BulkLine.amount,
            BulkLine.purpose,
        )
        .where(BulkLine.batch_id == batch.id, BulkLine.status == LineStatus.FAILED)
        .order_by(BulkLine.sequence)
    )
    return Download(
        f"{batch.reference}-repay.csv", files.payee_file((r[0], r[1], r[2], r[3], r[4]) for r in rows)
    )


# --- the bank's result ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """What a result file did: ``recorded`` is false when the same result had been recorded before."""

    batch: BulkBatch
    recorded: bool


async def import_result(
    session: AsyncSession, actor: Actor, batch_id: uuid.UUID, content: bytes
) -> Reconciliation:
    """Reconcile the bank's result file: paid lines from cash, failed lines back to the budget.

    A result that does not match the batch (reference, sequence numbers, accounts, amounts, counts)
    is refused as a whole. The same result again changes nothing; a different one for a batch
    already settled is a conflict.
    """
    finance._require_role(actor, finance.DISBURSING_ROLES, "record treasury bank results")
    if len(content) > files.MAX_UPLOAD_BYTES:
        raise files.TooLargeError(
            "A result file may be at most {max_bytes:,} bytes.", max_bytes=files.MAX_UPLOAD_BYTES
        )
    result = files.parse_result_file(content)
    batch = await _get_batch(session, actor, batch_id)
    line = await finance._lock_line(session, actor, batch.budget_line_id)
    batch = await _get_batch(session, actor, batch_id, lock=True)
    if batch.status is BatchStatus.SETTLED and batch.result_sha256 == result.digest:
        return Reconciliation(batch, recorded=False)
    if batch.status is BatchStatus.SETTLED:
        raise ConflictError(
            "The batch was settled with a different result file; the recorded result stands.",
            extra={"recorded_result_sha256": batch.result_sha256},
        )
    require_transition("bulk payment batch", batch.status, BatchStatus.SETTLED, BATCH_TRANSITIONS)
    await _check_result_matches(session, batch, result)
    before = {**_snapshot(batch), "line": finance._line_totals(line)}
    paid = [r for r in result.results if r.paid]
    failed = [r for r in result.results if not r.paid]
    await session.execute(
        update(BulkLine).where(BulkLine.batch_id == batch.id).values(status=LineStatus.PAID)
    )
    if failed:
        table = cast("Table", BulkLine.__table__)
        await session.execute(
            update(table)
            .where(table.c.batch_id == batch.id, table.c.sequence == bindparam("seq"))
            .values(status=LineStatus.FAILED.value, failure_code=bindparam("code")),
            [{"seq": r.sequence, "code": r.failure_code} for r in failed],
        )
    batch.paid_count, batch.paid_amount = len(paid), sum(r.amount for r in paid)
    batch.failed_count, batch.failed_amount = len(failed), sum(r.amount for r in failed)
    line.paid_amount += batch.paid_amount
    line.spent_uncommitted_amount -= batch.failed_amount
    settlements = (  # paid from cash; failed ones reverse their share of the expense
        ("bulk_batch_paid", f"지급 {batch.paid_count:,}건", LedgerAccount.CASH, batch.paid_amount),
        (
            "bulk_batch_failed",
            f"이체불능 {batch.failed_count:,}건 환원",
            line.object_group.ledger_account,
            batch.failed_amount,
        ),
    )
    for source_type, what, credit, amount in settlements:
        if amount:
            await finance._post_for_line(
                session,
                actor,
                line,
                description=f"일괄지급 {batch.reference} {what}"[:500],
                source_type=source_type,
                source_id=batch.id,
                debit=LedgerAccount.PAYABLE,
                credit=credit,
                amount=amount,
            )
    batch.status = BatchStatus.SETTLED
    batch.result_sha256 = result.digest
    batch.settled_at = utcnow()
    await session.flush()
    await finance._audit(
        session,
        actor,
        "bulk_batch.settle",
        batch,
        before=before,
        after={**_snapshot(batch), "line": finance._line_totals(line)},
    )
    metrics.LINES_PAID.inc(batch.paid_count)
    for r in failed:
        metrics.LINES_FAILED.labels(
            r.failure_code if r.failure_code in files.FAILURE_CODES else "other"
        ).inc()
    return Reconciliation(batch, recorded=True)


async def _check_result_matches(session: AsyncSession, batch: BulkBatch, result: files.ResultFile) -> None:
    """Refuse, naming each record, a result that is not exactly this batch's lines."""
    problems: list[files.LineProblem] = []
    if result.reference != batch.reference or result.government_code != batch.government_code:
        raise files.FileRefusedError(
            [files.LineProblem(1, "reference_mismatch", f"{result.reference} ≠ {batch.reference}")],
            result_file=True,
        )
    expected = {t.sequence: t for t in await batch_transfers(session, batch)}
    seen: set[int] = set()
    for number, r in enumerate(result.results, start=2):
        transfer = expected.get(r.sequence)
        if r.sequence in seen:
            problems.append(files.LineProblem(number, "duplicate_line", str(r.sequence)))
        elif transfer is None:
            problems.append(files.LineProblem(number, "unknown_line", str(r.sequence)))
        elif (transfer.bank_code, transfer.account_digits, transfer.amount) != (
            r.bank_code,
            r.account_digits,
            r.amount,
        ):
            problems.append(files.LineProblem(number, "line_mismatch", str(r.sequence)))
        seen.add(r.sequence)
    missing = len(expected.keys() - seen)
    if missing:
        problems.append(files.LineProblem(0, "missing_lines", f"{missing:,}"))
    if problems:
        raise files.FileRefusedError(problems, result_file=True)


# --- reading -------------------------------------------------------------------------------------


async def list_batches(
    session: AsyncSession,
    actor: Actor,
    *,
    status: BatchStatus | None = None,
    budget_line_id: uuid.UUID | None = None,
    limit: int,
    offset: int,
) -> tuple[list[BulkBatch], int]:
    """Batches of the actor's government (all for the ministry), newest first."""
    finance._require_reader(actor)
    query = restrict_to_actor(select(BulkBatch), BulkBatch.government_code, actor)
    if status is not None:
        query = query.where(BulkBatch.status == status)
    if budget_line_id is not None:
        query = query.where(BulkBatch.budget_line_id == budget_line_id)
    return await fetch_page(
        session, query, order_by=[BulkBatch.created_at.desc(), BulkBatch.id], limit=limit, offset=offset
    )


async def get_batch(session: AsyncSession, actor: Actor, batch_id: uuid.UUID) -> BulkBatch:
    """One batch."""
    finance._require_reader(actor)
    return await _get_batch(session, actor, batch_id)


async def list_lines(
    session: AsyncSession,
    actor: Actor,
    batch_id: uuid.UUID,
    *,
    status: LineStatus | None = None,
    limit: int,
    offset: int,
) -> tuple[list[BulkLine], int]:
    """A page of a batch's lines in sequence order."""
    batch = await get_batch(session, actor, batch_id)
    query = select(BulkLine).where(BulkLine.batch_id == batch.id)
    if status is not None:
        query = query.where(BulkLine.status == status)
    return await fetch_page(session, query, order_by=[BulkLine.sequence], limit=limit, offset=offset)
