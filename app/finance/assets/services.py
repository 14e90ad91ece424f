"""Rules for public property (공유재산), depreciation, local bonds (지방채) and non-cash holdings.

Like :mod:`app.finance.services`, every function takes ``(session, actor, ...)``, checks the actor's
role and government itself, only ``flush()``es, posts a balanced journal entry for every financial
event and audits each state change. What a person typed is checked before anything is written, so
a refusal leaves nothing half-done.

Changes to a government's property register (acquisitions reclassified from capital expenditure,
depreciation runs, disposals) are serialised by one transaction-scoped lock per government
(a PostgreSQL advisory lock; SQLite's single writer gives the same guarantee): a depreciation run
and a disposal of the same property can never both charge the same month, and the same period run
twice concurrently posts once. Bonds and holdings are serialised by their own row locks.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.finance.assets.calc import (
    accumulated_straight_line,
    month_end,
    month_index,
    months_in_service,
    repayment_schedule,
)
from app.finance.assets.models import (
    DEFAULT_USEFUL_LIFE_YEARS,
    BondInstalment,
    BondStatus,
    DepreciationRun,
    DisposalKind,
    FundingSource,
    Holding,
    HoldingKind,
    HoldingMovement,
    HoldingMovementKind,
    LocalBond,
    PeriodKind,
    PropertyKind,
    PropertyMovement,
    PropertyMovementKind,
    PropertyStatus,
    PublicProperty,
    RepaymentMethod,
)
from app.finance.models import (
    BudgetLine,
    ExpenditureResolution,
    FiscalYear,
    FiscalYearStatus,
    JournalEntry,
    JournalLine,
    LedgerAccount,
    ObjectGroup,
    PaymentOrder,
    PaymentOrderStatus,
)
from app.finance.services import (
    DISBURSING_ROLES,
    Posting,
    _audit,
    _require_reader,
    _require_role,
    post_journal_entry,
)
from app.platform.errors import ConflictError, InvalidInputError, NotFoundError
from app.platform.i18n import Term
from app.platform.paging import fetch_page
from app.platform.tenancy import Actor, restrict_to_actor
from app.platform.tenancy import get_for_actor as _get

KEEPER_ROLES = DISBURSING_ROLES
"""재산관리관·채무관리: the finance officer registers property, runs depreciation, issues and repays bonds."""

KOREA = timezone(timedelta(hours=9), "KST")
"""Korea keeps no daylight saving time, so a fixed offset is its clock."""


def korean_today() -> date:
    """Today's date in Korea: what a dated record may not be later than."""
    return datetime.now(KOREA).date()


# --- shared checks -------------------------------------------------------------------------------


def _require_past(day: date, what: str) -> None:
    if day > korean_today():
        raise InvalidInputError("The {what} ({day}) is in the future.", what=Term(what), day=day.isoformat())


async def _require_open_books(session: AsyncSession, government_code: str, year: int) -> None:
    """Refuse a posting into a fiscal year the government has closed (결산 마감)."""
    status = await session.scalar(
        select(FiscalYear.status).where(
            FiscalYear.government_code == government_code, FiscalYear.year == year
        )
    )
    if status is FiscalYearStatus.CLOSED:
        raise ConflictError("The fiscal year {year} is closed; nothing more can be posted to it.", year=year)


async def _lock_property_register(session: AsyncSession, government_code: str) -> None:
    """Serialise changes to one government's property register until the transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        digest = hashlib.sha256(f"property-register:{government_code}".encode()).digest()
        await session.execute(
            select(func.pg_advisory_xact_lock(int.from_bytes(digest[:8], "big", signed=True)))
        )


async def account_balance(
    session: AsyncSession, government_code: str, account: LedgerAccount, *, through_year: int | None = None
) -> int:
    """Debits less credits a government has posted to ``account`` (through a fiscal year, if given)."""
    query = (
        select(func.coalesce(func.sum(JournalLine.debit - JournalLine.credit), 0))
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(JournalEntry.government_code == government_code, JournalLine.account == account)
    )
    if through_year is not None:
        query = query.where(JournalEntry.fiscal_year <= through_year)
    return int(await session.scalar(query) or 0)


def _postings(*sides: tuple[LedgerAccount, int, int]) -> list[Posting]:
    """Journal sides ``(account, debit, credit)``, leaving out those of 0 won."""
    return [
        Posting(account, debit=debit, credit=credit) for account, debit, credit in sides if debit or credit
    ]


async def _post(
    session: AsyncSession,
    actor: Actor,
    record: Any,
    *,
    day: date,
    description: str,
    source_type: str,
    postings: Sequence[Posting],
) -> JournalEntry:
    return await post_journal_entry(
        session,
        actor,
        government_code=record.government_code,
        fiscal_year=day.year,
        description=description[:500],
        source_type=source_type,
        source_id=record.id,
        postings=postings,
    )


# --- the property register -----------------------------------------------------------------------


_ACQUISITION_NOTES = {
    FundingSource.CASH: "취득 (현금 지급)",
    FundingSource.PAYABLE: "취득 (미지급금)",
    FundingSource.CAPITAL_EXPENDITURE: "취득 (자본지출 대체)",
    FundingSource.OPENING_BALANCE: "기존 재산 이관 (기본순자산)",
}
"""The movement's note, as the register has always said it (notes are kept in Korean, like the journal's)."""


def _property_snapshot(item: PublicProperty) -> dict[str, Any]:
    return {
        "status": item.status,
        "cost": item.cost,
        "accumulated_depreciation": item.accumulated_depreciation,
        "months_depreciated": item.months_depreciated,
        "book_value": item.book_value,
    }


async def _capital_payment_order(
    session: AsyncSession, actor: Actor, order_id: uuid.UUID, cost: int
) -> PaymentOrder:
    """A paid order from a capital-expenditure line that still has ``cost`` not yet registered as property."""
    order = await session.scalar(
        select(PaymentOrder)
        .where(PaymentOrder.id == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if order is None:
        raise NotFoundError("No such payment order.")
    actor.require_access(order.government_code, "payment order")
    if order.status is not PaymentOrderStatus.PAID:
        raise ConflictError("Only a paid payment order bought property, and this one is not paid.")
    group = await session.scalar(
        select(BudgetLine.object_group)
        .join(ExpenditureResolution, ExpenditureResolution.budget_line_id == BudgetLine.id)
        .where(ExpenditureResolution.id == order.resolution_id)
    )
    if group is not ObjectGroup.CAPITAL:
        raise InvalidInputError(
            "The payment order was not paid from a capital expenditure line (자본지출), so it bought no property."
        )
    registered = await session.scalar(
        select(func.coalesce(func.sum(PublicProperty.cost), 0)).where(
            PublicProperty.payment_order_id == order.id
        )
    )
    left = order.amount - int(registered or 0)
    if cost > left:
        raise ConflictError(
            "The payment order paid {paid:,} won, of which {left:,} won is not yet registered as property; "
            "a cost of {cost:,} won is more than that.",
            paid=order.amount,
            left=left,
            cost=cost,
        )
    return order


async def register_property(
    session: AsyncSession,
    actor: Actor,
    *,
    kind: PropertyKind,
    name: str,
    location: str,
    department: str,
    acquired_on: date,
    cost: int,
    funding: FundingSource,
    parcel_number: str | None = None,
    useful_life_years: int | None = None,
    residual_value: int = 0,
    payment_order_id: uuid.UUID | None = None,
) -> PublicProperty:
    """Enter an acquisition in the 공유재산대장 and post it.

    Dr land/buildings/equipment, Cr cash, the payable, or — for what was paid through the expenditure
    workflow — the capital expenditure (자본지출) the payment debited, which is reclassified. Property
    held before the ledger began is carried over against basic net assets (기본순자산).
    """
    acting = _require_role(actor, KEEPER_ROLES, "register public property")
    _require_past(acquired_on, "acquisition date")
    if cost <= 0:
        raise InvalidInputError("The acquisition cost must be more than 0 won.")
    if kind.depreciable:
        useful_life_years = useful_life_years or DEFAULT_USEFUL_LIFE_YEARS[kind]
        if not 1 <= useful_life_years <= 100:
            raise InvalidInputError("The useful life must be from 1 to 100 years.")
        if not 0 <= residual_value <= cost:
            raise InvalidInputError("The residual value must be from 0 won up to the cost.")
    elif useful_life_years or residual_value:
        raise InvalidInputError("Land is not depreciated: it has no useful life or residual value.")
    if payment_order_id is not None and funding is not FundingSource.CAPITAL_EXPENDITURE:
        raise InvalidInputError(
            "Property paid through a payment order was charged to capital expenditure: "
            "choose the capital expenditure funding to reclassify it."
        )
    await _require_open_books(session, acting.government_code, acquired_on.year)
    if funding is FundingSource.CAPITAL_EXPENDITURE:
        await _lock_property_register(session, acting.government_code)
        if payment_order_id is not None:
            await _capital_payment_order(session, actor, payment_order_id, cost)
        unclassified = await account_balance(
            session, acting.government_code, LedgerAccount.FIXED_ASSETS, through_year=acquired_on.year
        )
        if cost > unclassified:
            raise ConflictError(
                "Only {left:,} won of capital expenditure is not yet registered as property; a cost of "
                "{cost:,} won cannot be reclassified from it.",
                left=max(unclassified, 0),
                cost=cost,
            )
    item = PublicProperty(
        government_code=acting.government_code,
        kind=kind,
        name=name,
        location=location,
        parcel_number=parcel_number or None,
        department=department,
        acquired_on=acquired_on,
        cost=cost,
        useful_life_years=useful_life_years if kind.depreciable else None,
        residual_value=residual_value if kind.depreciable else 0,
        funding=funding,
        payment_order_id=payment_order_id,
        months_depreciated=0,
        accumulated_depreciation=0,
        status=PropertyStatus.IN_USE,
        registered_by=acting.user_id,
    )
    session.add(item)
    await session.flush()
    entry = await _post(
        session,
        actor,
        item,
        day=acquired_on,
        description=f"공유재산 취득 {name}",
        source_type="public_property",
        postings=_postings((kind.ledger_account, cost, 0), (funding.ledger_account, 0, cost)),
    )
    session.add(
        PropertyMovement(
            government_code=item.government_code,
            property_id=item.id,
            kind=PropertyMovementKind.ACQUISITION,
            occurred_on=acquired_on,
            amount=cost,
            accumulated_after=0,
            book_value_after=cost,
            note=_ACQUISITION_NOTES[funding],
            journal_entry_id=entry.id,
            recorded_by=acting.user_id,
        )
    )
    await session.flush()
    await _audit(
        session,
        actor,
        "public_property.register",
        item,
        after={
            **_property_snapshot(item),
            "kind": kind,
            "funding": funding,
            "payment_order": payment_order_id,
        },
    )
    return item


async def get_property(session: AsyncSession, actor: Actor, property_id: uuid.UUID) -> PublicProperty:
    """One entry of the register."""
    _require_reader(actor)
    return await _get(session, actor, PublicProperty, property_id, "property")


async def list_properties(
    session: AsyncSession,
    actor: Actor,
    *,
    kind: PropertyKind | None = None,
    status: PropertyStatus | None = None,
    department: str | None = None,
    search: str | None = None,
    limit: int,
    offset: int,
) -> tuple[list[PublicProperty], int]:
    """The register, filtered, newest acquisitions first."""
    _require_reader(actor)
    query = restrict_to_actor(select(PublicProperty), PublicProperty.government_code, actor)
    conditions: list[ColumnElement[bool]] = []
    if kind is not None:
        conditions.append(PublicProperty.kind == kind)
    if status is not None:
        conditions.append(PublicProperty.status == status)
    if department:
        conditions.append(PublicProperty.department == department)
    if search:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(
            PublicProperty.name.like(pattern, escape="\\")
            | PublicProperty.location.like(pattern, escape="\\")
        )
    return await fetch_page(
        session,
        query.where(*conditions),
        order_by=[PublicProperty.acquired_on.desc(), PublicProperty.id],
        limit=limit,
        offset=offset,
    )


async def list_departments(session: AsyncSession, actor: Actor) -> list[str]:
    """The departments that hold property (for the register's filter)."""
    _require_reader(actor)
    query = restrict_to_actor(
        select(PublicProperty.department).distinct(), PublicProperty.government_code, actor
    )
    return sorted(await session.scalars(query))


async def property_movements(
    session: AsyncSession, actor: Actor, property_id: uuid.UUID
) -> list[PropertyMovement]:
    """A property's history, oldest first."""
    item = await get_property(session, actor, property_id)
    rows = await session.scalars(
        select(PropertyMovement).where(PropertyMovement.property_id == item.id).order_by(PropertyMovement.id)
    )
    return list(rows)


def _life_months(item: PublicProperty) -> int:
    life = item.useful_life_months
    if life is None:
        raise RuntimeError(f"land is not depreciated (property {item.id})")
    return life


def _depreciation_due(item: PublicProperty, through: date) -> int:
    """Months of depreciation the property owes through the month of ``through``."""
    return min(months_in_service(item.acquired_on, through), _life_months(item))


def _charge_depreciation(item: PublicProperty, months: int) -> int:
    """Bring the property's depreciation to ``months``; returns what this adds (whole won)."""
    target = accumulated_straight_line(item.cost - item.residual_value, _life_months(item), months)
    amount = target - item.accumulated_depreciation
    item.months_depreciated = months
    item.accumulated_depreciation = target
    return amount


def _month_label(months: int, acquired_on: date) -> str:
    """``YYYY-MM``, the calendar month that is the ``months``-th month of service."""
    index = month_index(acquired_on) + months - 1
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def depreciation_period(year: int, month: int | None) -> tuple[PeriodKind, date, date]:
    """A month (``month`` given) or a whole fiscal year."""
    if not 2000 <= year <= 2100 or (month is not None and not 1 <= month <= 12):
        raise InvalidInputError("Name a year from 2000 to 2100 and, for a monthly run, a month from 1 to 12.")
    if month is None:
        return PeriodKind.YEAR, date(year, 1, 1), date(year, 12, 31)
    return PeriodKind.MONTH, date(year, month, 1), month_end(year, month)


async def run_depreciation(
    session: AsyncSession, actor: Actor, *, year: int, month: int | None = None
) -> tuple[DepreciationRun, bool]:
    """감가상각 of every building and piece of equipment through the end of a month or a year.

    Each property is charged the months it owes up to the period's end that no run has charged yet
    (straight line, monthly, the month of acquisition included), and one journal entry posts the
    total: Dr depreciation expense, Cr accumulated depreciation. Running the same period again
    returns the first run (``created`` false) and posts nothing. Only a period that has ended can run.
    """
    acting = _require_role(actor, KEEPER_ROLES, "run depreciation")
    kind, start, end = depreciation_period(year, month)
    if end > korean_today():
        raise ConflictError(
            "The period ending {end} has not ended yet; depreciation runs after it.", end=end.isoformat()
        )
    code = acting.government_code
    await _require_open_books(session, code, year)
    await _lock_property_register(session, code)
    existing = await session.scalar(
        select(DepreciationRun).where(
            DepreciationRun.government_code == code,
            DepreciationRun.period_start == start,
            DepreciationRun.period_end == end,
        )
    )
    if existing is not None:
        return existing, False
    candidates = await session.scalars(
        select(PublicProperty)
        .where(
            PublicProperty.government_code == code,
            PublicProperty.status == PropertyStatus.IN_USE,
            PublicProperty.kind != PropertyKind.LAND,
            PublicProperty.acquired_on <= end,
            PublicProperty.months_depreciated < PublicProperty.useful_life_years * 12,
        )
        .order_by(PublicProperty.acquired_on, PublicProperty.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    run = DepreciationRun(
        id=uuid.uuid4(),
        government_code=code,
        period_kind=kind,
        period_start=start,
        period_end=end,
        fiscal_year=year,
        total_amount=0,
        property_count=0,
        run_by=acting.user_id,
    )
    movements = []
    for item in candidates:
        due = _depreciation_due(item, end)
        if due <= item.months_depreciated:
            continue
        first = _month_label(item.months_depreciated + 1, item.acquired_on)
        amount = _charge_depreciation(item, due)
        if amount == 0:
            continue
        run.total_amount += amount
        run.property_count += 1
        movements.append(
            PropertyMovement(
                government_code=code,
                property_id=item.id,
                kind=PropertyMovementKind.DEPRECIATION,
                occurred_on=end,
                amount=amount,
                accumulated_after=item.accumulated_depreciation,
                book_value_after=item.book_value,
                note=f"감가상각 {first}~{_month_label(due, item.acquired_on)}",
                depreciation_run_id=run.id,
                recorded_by=acting.user_id,
            )
        )
    session.add(run)
    await session.flush()
    if run.total_amount:
        entry = await _post(
            session,
            actor,
            run,
            day=end,
            description=f"감가상각 {start.isoformat()}~{end.isoformat()}",
            source_type="depreciation_run",
            postings=_postings(
                (LedgerAccount.DEPRECIATION_EXPENSE, run.total_amount, 0),
                (LedgerAccount.ACCUMULATED_DEPRECIATION, 0, run.total_amount),
            ),
        )
        run.journal_entry_id = entry.id
        for movement in movements:
            movement.journal_entry_id = entry.id
    session.add_all(movements)
    await session.flush()
    await _audit(
        session,
        actor,
        "depreciation_run.run",
        run,
        after={
            "period_start": start,
            "period_end": end,
            "total_amount": run.total_amount,
            "property_count": run.property_count,
        },
    )
    return run, True


async def list_depreciation_runs(
    session: AsyncSession, actor: Actor, *, limit: int, offset: int
) -> tuple[list[DepreciationRun], int]:
    """Depreciation runs, the latest period first."""
    _require_reader(actor)
    query = restrict_to_actor(select(DepreciationRun), DepreciationRun.government_code, actor)
    return await fetch_page(
        session,
        query,
        order_by=[DepreciationRun.period_end.desc(), DepreciationRun.period_start.desc()],
        limit=limit,
        offset=offset,
    )


async def dispose_property(
    session: AsyncSession,
    actor: Actor,
    property_id: uuid.UUID,
    *,
    kind: DisposalKind,
    disposed_on: date,
    proceeds: int = 0,
) -> PublicProperty:
    """Sell (매각) or write off (폐기) a property; the difference to its book value is a gain or a loss.

    Depreciation is first brought up to the month before the disposal. Then: Dr cash (proceeds),
    Dr accumulated depreciation, Cr the asset at cost, and Cr other revenue (gain) or Dr other
    expense (loss).
    """
    acting = _require_role(actor, KEEPER_ROLES, "dispose of public property")
    item = await _get(session, actor, PublicProperty, property_id, "property")
    await _lock_property_register(session, item.government_code)
    item = await _get(session, actor, PublicProperty, property_id, "property", lock=True)
    if item.status is PropertyStatus.DISPOSED:
        raise ConflictError("The property was disposed of on {day}.", day=str(item.disposed_on))
    _require_past(disposed_on, "disposal date")
    if disposed_on < item.acquired_on:
        raise InvalidInputError("The disposal date is before the acquisition date.")
    if kind is DisposalKind.WRITE_OFF and proceeds:
        raise InvalidInputError("A write-off brings in nothing; record a sale for property sold.")
    if kind is DisposalKind.SALE and proceeds <= 0:
        raise InvalidInputError(
            "Enter what the sale brought in (more than 0 won); without proceeds it is a write-off."
        )
    await _require_open_books(session, item.government_code, disposed_on.year)
    before = _property_snapshot(item)
    if item.kind.depreciable:
        due = _depreciation_due(item, disposed_on.replace(day=1) - timedelta(days=1))
        if item.months_depreciated > due:
            charged = _month_label(item.months_depreciated, item.acquired_on)
            raise ConflictError(
                "Depreciation has been charged through {month}; the disposal must be dated after that month.",
                month=charged,
            )
        if due > item.months_depreciated:
            first = _month_label(item.months_depreciated + 1, item.acquired_on)
            amount = _charge_depreciation(item, due)
            if amount:
                entry = await _post(
                    session,
                    actor,
                    item,
                    day=disposed_on,
                    description=f"처분 전 감가상각 {item.name}",
                    source_type="public_property",
                    postings=_postings(
                        (LedgerAccount.DEPRECIATION_EXPENSE, amount, 0),
                        (LedgerAccount.ACCUMULATED_DEPRECIATION, 0, amount),
                    ),
                )
                session.add(
                    PropertyMovement(
                        government_code=item.government_code,
                        property_id=item.id,
                        kind=PropertyMovementKind.DEPRECIATION,
                        occurred_on=disposed_on,
                        amount=amount,
                        accumulated_after=item.accumulated_depreciation,
                        book_value_after=item.book_value,
                        note=f"처분 전 감가상각 {first}~{_month_label(due, item.acquired_on)}",
                        journal_entry_id=entry.id,
                        recorded_by=acting.user_id,
                    )
                )
    book_value = item.book_value
    gain = proceeds - book_value
    entry = await _post(
        session,
        actor,
        item,
        day=disposed_on,
        description=f"공유재산 {'매각' if kind is DisposalKind.SALE else '폐기'} {item.name}",
        source_type="public_property",
        postings=_postings(
            (LedgerAccount.CASH, proceeds, 0),
            (LedgerAccount.ACCUMULATED_DEPRECIATION, item.accumulated_depreciation, 0),
            (LedgerAccount.OTHER_EXPENSE, max(-gain, 0), 0),
            (item.kind.ledger_account, 0, item.cost),
            (LedgerAccount.OTHER_REVENUE, 0, max(gain, 0)),
        ),
    )
    item.status = PropertyStatus.DISPOSED
    item.disposed_on = disposed_on
    item.disposal_kind = kind
    item.disposal_proceeds = proceeds
    result = "처분이익" if gain > 0 else "처분손실" if gain < 0 else "손익 없음"
    session.add(
        PropertyMovement(
            government_code=item.government_code,
            property_id=item.id,
            kind=PropertyMovementKind.DISPOSAL,
            occurred_on=disposed_on,
            amount=book_value,
            accumulated_after=item.accumulated_depreciation,
            book_value_after=0,
            note=f"{'매각' if kind is DisposalKind.SALE else '폐기'} {proceeds:,}원, {result} {abs(gain):,}원",
            journal_entry_id=entry.id,
            recorded_by=acting.user_id,
        )
    )
    await session.flush()
    await _audit(
        session,
        actor,
        "public_property.dispose",
        item,
        before=before,
        after={**_property_snapshot(item), "disposal_kind": kind, "proceeds": proceeds, "gain": gain},
    )
    return item


# --- local bonds ---------------------------------------------------------------------------------


async def issue_bond(
    session: AsyncSession,
    actor: Actor,
    *,
    name: str,
    lender: str,
    purpose: str,
    principal: int,
    rate_milli_percent: int,
    issued_on: date,
    term_years: int,
    grace_years: int,
    payments_per_year: int,
    method: RepaymentMethod,
) -> tuple[LocalBond, list[BondInstalment]]:
    """Record a 지방채 issued (Dr cash, Cr borrowings) with its repayment schedule."""
    acting = _require_role(actor, KEEPER_ROLES, "issue local bonds")
    _require_past(issued_on, "issue date")
    if principal <= 0:
        raise InvalidInputError("The principal must be more than 0 won.")
    if not 0 <= rate_milli_percent <= 30_000:
        raise InvalidInputError("The interest rate must be from 0 % to 30 % a year.")
    if not 1 <= term_years <= 50:
        raise InvalidInputError("The term must be from 1 to 50 years.")
    if not 0 <= grace_years < term_years:
        raise InvalidInputError("The grace period must be shorter than the term.")
    if method is RepaymentMethod.BULLET and grace_years:
        raise InvalidInputError("A bullet bond repays all its principal at maturity; it has no grace period.")
    if payments_per_year not in (1, 2, 4, 12):
        raise InvalidInputError("Repayments are made 1, 2, 4 or 12 times a year.")
    await _require_open_books(session, acting.government_code, issued_on.year)
    schedule = repayment_schedule(
        principal=principal,
        rate_milli_percent=rate_milli_percent,
        issued_on=issued_on,
        term_years=term_years,
        grace_years=grace_years,
        payments_per_year=payments_per_year,
        method=method,
    )
    bond = LocalBond(
        government_code=acting.government_code,
        name=name,
        lender=lender,
        purpose=purpose,
        principal=principal,
        rate_milli_percent=rate_milli_percent,
        issued_on=issued_on,
        term_years=term_years,
        grace_years=grace_years,
        payments_per_year=payments_per_year,
        method=method,
        repaid_principal=0,
        status=BondStatus.OUTSTANDING,
        issued_by=acting.user_id,
    )
    session.add(bond)
    await session.flush()
    instalments = [
        BondInstalment(
            government_code=bond.government_code,
            bond_id=bond.id,
            number=line.number,
            due_on=line.due_on,
            principal=line.principal,
            interest=line.interest,
            outstanding_after=line.outstanding_after,
        )
        for line in schedule
    ]
    session.add_all(instalments)
    await _post(
        session,
        actor,
        bond,
        day=issued_on,
        description=f"지방채 발행 {name} ({lender})",
        source_type="local_bond",
        postings=_postings((LedgerAccount.CASH, principal, 0), (LedgerAccount.BORROWINGS, 0, principal)),
    )
    await _audit(
        session,
        actor,
        "local_bond.issue",
        bond,
        after={
            "principal": principal,
            "rate_milli_percent": rate_milli_percent,
            "method": method,
            "instalments": len(instalments),
            "total_interest": sum(i.interest for i in instalments),
        },
    )
    return bond, instalments


async def get_bond(
    session: AsyncSession, actor: Actor, bond_id: uuid.UUID
) -> tuple[LocalBond, list[BondInstalment]]:
    """A bond with its schedule, first instalment first."""
    _require_reader(actor)
    bond = await _get(session, actor, LocalBond, bond_id, "local bond")
    rows = await session.scalars(
        select(BondInstalment).where(BondInstalment.bond_id == bond.id).order_by(BondInstalment.number)
    )
    return bond, list(rows)


async def list_bonds(
    session: AsyncSession, actor: Actor, *, status: BondStatus | None = None, limit: int, offset: int
) -> tuple[list[LocalBond], int]:
    """Local bonds, the latest issue first."""
    _require_reader(actor)
    query = restrict_to_actor(select(LocalBond), LocalBond.government_code, actor)
    if status is not None:
        query = query.where(LocalBond.status == status)
    return await fetch_page(
        session, query, order_by=[LocalBond.issued_on.desc(), LocalBond.id], limit=limit, offset=offset
    )


async def repay_instalment(
    session: AsyncSession, actor: Actor, bond_id: uuid.UUID, number: int, *, paid_on: date
) -> tuple[LocalBond, BondInstalment]:
    """Repay instalment ``number`` (the earliest unpaid one): Dr borrowings and interest expense, Cr cash.

    Naming the instalment makes a retried request harmless: the second one finds it repaid (409).
    """
    acting = _require_role(actor, KEEPER_ROLES, "repay local bonds")
    bond = await _get(session, actor, LocalBond, bond_id, "local bond", lock=True)
    instalment = await session.scalar(
        select(BondInstalment).where(BondInstalment.bond_id == bond.id, BondInstalment.number == number)
    )
    if instalment is None:
        raise NotFoundError("The bond has no instalment {number}.", number=number)
    if instalment.paid_on is not None:
        raise ConflictError(
            "Instalment {number} was repaid on {day}.", number=number, day=instalment.paid_on.isoformat()
        )
    first_unpaid = await session.scalar(
        select(func.min(BondInstalment.number)).where(
            BondInstalment.bond_id == bond.id, BondInstalment.paid_on.is_(None)
        )
    )
    if first_unpaid != number:
        raise ConflictError(
            "Instalment {first} falls due first; repay it before instalment {number}.",
            first=first_unpaid,
            number=number,
        )
    _require_past(paid_on, "repayment date")
    if paid_on < bond.issued_on:
        raise InvalidInputError("The repayment date is before the bond was issued.")
    await _require_open_books(session, bond.government_code, paid_on.year)
    before = {"repaid_principal": bond.repaid_principal, "status": bond.status}
    entry = await _post(
        session,
        actor,
        bond,
        day=paid_on,
        description=f"지방채 상환 {bond.name} 제{number}회",
        source_type="local_bond",
        postings=_postings(
            (LedgerAccount.BORROWINGS, instalment.principal, 0),
            (LedgerAccount.INTEREST_EXPENSE, instalment.interest, 0),
            (LedgerAccount.CASH, 0, instalment.total),
        ),
    )
    instalment.paid_on = paid_on
    instalment.paid_by = acting.user_id
    instalment.journal_entry_id = entry.id
    bond.repaid_principal += instalment.principal
    if bond.repaid_principal == bond.principal:
        bond.status = BondStatus.REPAID
    await session.flush()
    await _audit(
        session,
        actor,
        "local_bond.repay",
        bond,
        before=before,
        after={
            "repaid_principal": bond.repaid_principal,
            "status": bond.status,
            "instalment": number,
            "principal": instalment.principal,
            "interest": instalment.interest,
        },
    )
    return bond, instalment


# --- non-cash holdings ---------------------------------------------------------------------------


async def _move_holding(
    session: AsyncSession,
    actor: Actor,
    holding: Holding,
    *,
    kind: HoldingMovementKind,
    amount: int,
    proceeds: int,
    occurred_on: date,
    note: str,
    user_id: uuid.UUID,
) -> HoldingMovement:
    """Post and record one movement of a locked holding."""
    _require_past(occurred_on, "date")
    if amount <= 0:
        raise InvalidInputError("The amount must be more than 0 won.")
    await _require_open_books(session, holding.government_code, occurred_on.year)
    account = holding.kind.ledger_account
    if kind is HoldingMovementKind.ACQUIRE:
        postings = _postings((account, amount, 0), (LedgerAccount.CASH, 0, amount))
        holding.balance += amount
        description = f"취득 {holding.name}"
    else:
        if amount > holding.balance:
            raise ConflictError(
                "The holding's balance is {balance:,} won; {amount:,} won cannot be redeemed.",
                balance=holding.balance,
                amount=amount,
            )
        gain = proceeds - amount
        postings = _postings(
            (LedgerAccount.CASH, proceeds, 0),
            (LedgerAccount.OTHER_EXPENSE, max(-gain, 0), 0),
            (account, 0, amount),
            (LedgerAccount.OTHER_REVENUE, 0, max(gain, 0)),
        )
        holding.balance -= amount
        description = f"회수 {holding.name}"
    entry = await _post(
        session,
        actor,
        holding,
        day=occurred_on,
        description=description,
        source_type="holding",
        postings=postings,
    )
    movement = HoldingMovement(
        government_code=holding.government_code,
        holding_id=holding.id,
        kind=kind,
        occurred_on=occurred_on,
        amount=amount,
        proceeds=proceeds,
        balance_after=holding.balance,
        note=note,
        journal_entry_id=entry.id,
        recorded_by=user_id,
    )
    session.add(movement)
    await session.flush()
    return movement


async def create_holding(
    session: AsyncSession,
    actor: Actor,
    *,
    kind: HoldingKind,
    name: str,
    institution: str,
    amount: int,
    acquired_on: date,
) -> Holding:
    """A security, deposit or 출자금 acquired for ``amount``: Dr investments or deposits, Cr cash."""
    acting = _require_role(actor, KEEPER_ROLES, "record non-cash holdings")
    holding = Holding(
        government_code=acting.government_code,
        kind=kind,
        name=name,
        institution=institution,
        balance=0,
        created_by=acting.user_id,
    )
    session.add(holding)
    await session.flush()
    await _move_holding(
        session,
        actor,
        holding,
        kind=HoldingMovementKind.ACQUIRE,
        amount=amount,
        proceeds=amount,
        occurred_on=acquired_on,
        note="최초 취득",
        user_id=acting.user_id,
    )
    await _audit(session, actor, "holding.create", holding, after={"kind": kind, "balance": holding.balance})
    return holding


async def move_holding(
    session: AsyncSession,
    actor: Actor,
    holding_id: uuid.UUID,
    *,
    kind: HoldingMovementKind,
    amount: int,
    occurred_on: date,
    proceeds: int | None = None,
    note: str = "",
) -> tuple[Holding, HoldingMovement]:
    """Add to a holding (acquire) or redeem part or all of it.

    A redemption removes ``amount`` of book value and brings in ``proceeds`` (the same unless said
    otherwise); the difference is other revenue (a gain) or other expense (a loss).
    """
    acting = _require_role(actor, KEEPER_ROLES, "record non-cash holdings")
    holding = await _get(session, actor, Holding, holding_id, "holding", lock=True)
    if kind is HoldingMovementKind.ACQUIRE and proceeds not in (None, amount):
        raise InvalidInputError("An acquisition costs its amount; proceeds apply to redemptions only.")
    before = {"balance": holding.balance}
    movement = await _move_holding(
        session,
        actor,
        holding,
        kind=kind,
        amount=amount,
        proceeds=amount if proceeds is None else proceeds,
        occurred_on=occurred_on,
        note=note,
        user_id=acting.user_id,
    )
    await _audit(
        session,
        actor,
        f"holding.{kind}",
        holding,
        before=before,
        after={"balance": holding.balance, "amount": amount, "proceeds": movement.proceeds},
    )
    return holding, movement


async def get_holding(
    session: AsyncSession, actor: Actor, holding_id: uuid.UUID
) -> tuple[Holding, list[HoldingMovement]]:
    """A holding with its movements, oldest first."""
    _require_reader(actor)
    holding = await _get(session, actor, Holding, holding_id, "holding")
    rows = await session.scalars(
        select(HoldingMovement).where(HoldingMovement.holding_id == holding.id).order_by(HoldingMovement.id)
    )
    return holding, list(rows)


async def list_holdings(
    session: AsyncSession, actor: Actor, *, kind: HoldingKind | None = None, limit: int, offset: int
) -> tuple[list[Holding], int]:
    """Holdings by kind and name."""
    _require_reader(actor)
    query = restrict_to_actor(select(Holding), Holding.government_code, actor)
    if kind is not None:
        query = query.where(Holding.kind == kind)
    return await fetch_page(
        session, query, order_by=[Holding.kind, Holding.name, Holding.id], limit=limit, offset=offset
    )
