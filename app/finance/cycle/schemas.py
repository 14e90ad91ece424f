"""Request and response bodies of the budget-cycle API. Amounts are integer won."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from app.finance.cycle.models import CarryOverKind, TransferKind
from app.finance.models import ApprovalStatus, FiscalYearStatus
from app.finance.schemas import Description, Won

LegalBasis = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
Reference = Annotated[str, msgspec.Meta(max_length=100)]


class TransferCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Ask for budget to move from one line to another (전용 or 이용)."""

    source_line_id: uuid.UUID
    target_line_id: uuid.UUID
    amount: Won
    kind: TransferKind
    legal_basis: LegalBasis
    reason: Description
    basis_reference: Reference = ""


class TransferOut(msgspec.Struct):
    """A transfer and where it stands; ``allocated_moved`` is the released part that moved with it."""

    id: uuid.UUID
    government_code: str
    fiscal_year_id: uuid.UUID
    kind: TransferKind
    source_line_id: uuid.UUID
    target_line_id: uuid.UUID
    amount: int
    allocated_moved: int
    legal_basis: str
    basis_reference: str
    reason: str
    status: ApprovalStatus
    requested_by: uuid.UUID
    decided_by: uuid.UUID | None
    decided_at: datetime | None
    created_at: datetime


class TransferPage(msgspec.Struct):
    """One page of transfers."""

    items: list[TransferOut]
    total: int
    limit: int
    offset: int


class CarryOverCandidateOut(msgspec.Struct):
    """A line with budget left at year end; ``unpaid_obligations`` is the usual 사고이월."""

    budget_line_id: uuid.UUID
    object_code: str
    statistics_code: str
    statistics_name: str
    budget: int
    paid: int
    unspent: int
    unpaid_obligations: int
    carried_in: bool


class CarryOverItemIn(msgspec.Struct, forbid_unknown_fields=True):
    """One line's amount of one kind of carry-over."""

    budget_line_id: uuid.UUID
    kind: CarryOverKind
    amount: Won
    basis: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class CarryOverCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Propose a fiscal year's carry-over."""

    fiscal_year_id: uuid.UUID
    items: Annotated[list[CarryOverItemIn], msgspec.Meta(min_length=1, max_length=20_000)]
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


class CarryOverItemOut(msgspec.Struct):
    """One item; ``target_line_id`` is the next year's line it funded (once approved)."""

    source_line_id: uuid.UUID
    target_line_id: uuid.UUID | None
    kind: CarryOverKind
    amount: int
    basis: str


class CarryOverOut(msgspec.Struct):
    """A carry-over with its items."""

    id: uuid.UUID
    government_code: str
    fiscal_year_id: uuid.UUID
    target_fiscal_year_id: uuid.UUID | None
    note: str
    status: ApprovalStatus
    requested_by: uuid.UUID
    decided_by: uuid.UUID | None
    decided_at: datetime | None
    items: list[CarryOverItemOut]


class CarryOverPage(msgspec.Struct):
    """One page of carry-overs (without items)."""

    items: list[CarryOverOut]
    total: int
    limit: int
    offset: int


class FiguresOut(msgspec.Struct):
    """Budget and execution in won; ``unused`` is 불용액, ``execution_rate`` paid ÷ final budget in %."""

    original: int
    supplementary: int
    transfers: int
    carried_in: int
    final_budget: int
    allocated: int
    committed: int
    paid: int
    carried_over: int
    unused: int
    execution_rate: float


class SettlementLineOut(msgspec.Struct):
    """One line of the settlement."""

    budget_line_id: uuid.UUID
    account_code: str
    programme_codes: list[str]
    object_code: str
    statistics_code: str
    statistics_name: str
    figures: FiguresOut


class SettlementTotalOut(msgspec.Struct):
    """A programme's (any level) or an account's total."""

    level: str
    code: str
    name: str
    figures: FiguresOut


class SettlementOut(msgspec.Struct):
    """세출결산 of a fiscal year."""

    fiscal_year_id: uuid.UUID
    government_code: str
    year: int
    status: FiscalYearStatus
    lines: list[SettlementLineOut]
    programme_totals: list[SettlementTotalOut]
    account_totals: list[SettlementTotalOut]
    total: FiguresOut


class BudgetVsActualRowOut(msgspec.Struct):
    """One line of the dashboard."""

    budget_line_id: uuid.UUID
    programme_code: str
    object_code: str
    statistics_code: str
    statistics_name: str
    budget: int
    allocated: int
    committed: int
    paid: int
    execution_rate: float


class PolicyTotalOut(msgspec.Struct):
    """A policy project's total on the dashboard."""

    code: str
    name: str
    budget: int
    allocated: int
    committed: int
    paid: int
    execution_rate: float


class BudgetVsActualOut(msgspec.Struct):
    """Budget against execution of one government's fiscal year (lines paged)."""

    government_code: str
    fiscal_year_id: uuid.UUID | None
    year: int | None
    items: list[BudgetVsActualRowOut]
    total: int
    limit: int
    offset: int
    policies: list[PolicyTotalOut]
    budget: int
    paid: int
    execution_rate: float
