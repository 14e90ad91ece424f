"""Request and response bodies of the e-Hojo+ API. Amounts are integer won."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import msgspec

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

MAX_WON = 10**15  # a thousand trillion won: above any local budget, far below BigInteger's range
Won = Annotated[int, msgspec.Meta(gt=0, le=MAX_WON)]
WonOrZero = Annotated[int, msgspec.Meta(ge=0, le=MAX_WON)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Description = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
Year = Annotated[int, msgspec.Meta(ge=2000, le=2100)]
Quarter = Annotated[int, msgspec.Meta(ge=1, le=4)]
Month = Annotated[int, msgspec.Meta(ge=1, le=12)]


class FiscalYearCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Open a fiscal year."""

    year: Year


class FiscalYearOut(msgspec.Struct):
    """A fiscal year of one government."""

    id: uuid.UUID
    government_code: str
    year: int
    status: FiscalYearStatus


class AccountCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Register an account (회계)."""

    code: Annotated[str, msgspec.Meta(pattern=r"^[0-9A-Za-z-]{1,10}$")]
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    kind: FundKind


class AccountOut(msgspec.Struct):
    """An account (회계)."""

    id: uuid.UUID
    government_code: str
    code: str
    name: str
    kind: FundKind


class ProgrammeCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Add a node to the programme hierarchy."""

    fiscal_year_id: uuid.UUID
    level: ProgrammeLevel
    code: Annotated[str, msgspec.Meta(pattern=r"^[0-9A-Za-z-]{1,20}$")]
    name: Name
    parent_id: uuid.UUID | None = None


class ProgrammeOut(msgspec.Struct):
    """A node of the programme hierarchy."""

    id: uuid.UUID
    government_code: str
    fiscal_year_id: uuid.UUID
    parent_id: uuid.UUID | None
    level: ProgrammeLevel
    code: str
    name: str


class BudgetLineCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A budget line: a detail project's 통계목 in one account."""

    programme_id: uuid.UUID
    account_id: uuid.UUID
    object_group: ObjectGroup
    object_code: Annotated[str, msgspec.Meta(pattern=r"^\d{3}$")]
    object_name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    statistics_code: Annotated[str, msgspec.Meta(pattern=r"^\d{3}-\d{2}$")]
    statistics_name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class BudgetLineOut(msgspec.Struct):
    """A budget line with its running totals; ``available`` is what may still be committed or spent."""

    id: uuid.UUID
    government_code: str
    fiscal_year_id: uuid.UUID
    account_id: uuid.UUID
    programme_id: uuid.UUID
    object_group: ObjectGroup
    object_code: str
    object_name: str
    statistics_code: str
    statistics_name: str
    budget: int
    allocated: int
    committed: int
    spent_uncommitted: int
    paid: int
    available: int


class BudgetLinePage(msgspec.Struct):
    """One page of budget lines."""

    items: list[BudgetLineOut]
    total: int
    limit: int
    offset: int


class VersionLineIn(msgspec.Struct, forbid_unknown_fields=True):
    """The whole amount a version gives a line."""

    budget_line_id: uuid.UUID
    amount: WonOrZero


class BudgetVersionCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Draft the original or the next supplementary budget."""

    fiscal_year_id: uuid.UUID
    title: Name
    lines: Annotated[list[VersionLineIn], msgspec.Meta(min_length=1, max_length=20_000)]


class CouncilDecision(msgspec.Struct, forbid_unknown_fields=True):
    """The council's approval of a budget version, by its resolution (의결) reference."""

    council_resolution: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class VersionLineOut(msgspec.Struct):
    """An amount of a version."""

    budget_line_id: uuid.UUID
    amount: int


class BudgetVersionOut(msgspec.Struct):
    """A budget version with its amounts."""

    id: uuid.UUID
    government_code: str
    fiscal_year_id: uuid.UUID
    kind: BudgetVersionKind
    sequence: int
    title: str
    status: BudgetVersionStatus
    council_resolution: str | None
    requested_by: uuid.UUID
    decided_by: uuid.UUID | None
    lines: list[VersionLineOut]


class AllocationCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Request an allocation (배정)."""

    budget_line_id: uuid.UUID
    quarter: Quarter
    amount: Won
    month: Month | None = None
    """A month inside the quarter (월별 배정); without one the allocation is for the quarter."""


class AllocationOut(msgspec.Struct):
    """An allocation request or decision."""

    id: uuid.UUID
    government_code: str
    budget_line_id: uuid.UUID
    quarter: int
    month: int | None
    amount: int
    status: ApprovalStatus
    requested_by: uuid.UUID
    decided_by: uuid.UUID | None


class PeriodTotalOut(msgspec.Struct):
    """What is allocated (approved) and asked for (requested) in one quarter or month."""

    period: int
    approved: int
    requested: int


class LineAllocationsOut(msgspec.Struct):
    """A budget line's allocations, listed and totalled per quarter and per month.

    A quarterly allocation without a month counts in its quarter only, so a quarter's total can be
    more than the sum of its months.
    """

    budget_line_id: uuid.UUID
    allocated: int
    items: list[AllocationOut]
    quarters: list[PeriodTotalOut]
    months: list[PeriodTotalOut]


class ContractCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Register a contract with a supplier."""

    title: Name
    method: ContractMethod
    supplier_name: Name
    supplier_registration_number: Annotated[str, msgspec.Meta(pattern=r"^\d{3}-?\d{2}-?\d{5}$")]
    amount: Won
    start_date: date
    end_date: date


class ContractOut(msgspec.Struct):
    """A contract."""

    id: uuid.UUID
    government_code: str
    title: str
    method: ContractMethod
    supplier_name: str
    supplier_registration_number: str
    amount: int
    start_date: date
    end_date: date


class MilestoneCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Append a milestone (선금, 기성, 준공) to a contract's schedule."""

    kind: MilestoneKind
    title: Name
    due_date: date
    amount: Won


class MilestoneAcceptance(msgspec.Struct, forbid_unknown_fields=True):
    """The inspection (검사·검수) of a milestone: when, and who inspected."""

    accepted_on: date
    inspector_name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class MilestoneOut(msgspec.Struct):
    """A milestone and where it stands; ``status`` is read from its commitments, inspection and payments."""

    id: uuid.UUID
    government_code: str
    contract_id: uuid.UUID
    sequence: int
    kind: MilestoneKind
    title: str
    due_date: date
    amount: int
    committed: int
    remaining: int
    paid: int
    status: MilestoneStatus
    accepted_on: date | None
    inspector_name: str | None
    accepted_by: uuid.UUID | None


class ScheduleOut(msgspec.Struct):
    """A contract's milestones in order; ``complete`` when they add up to the contract amount."""

    contract_id: uuid.UUID
    contract_amount: int
    scheduled: int
    complete: bool
    milestones: list[MilestoneOut]


class CommitmentCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Request a commitment (지출원인행위) against a budget line, optionally under a contract and one of its milestones."""

    budget_line_id: uuid.UUID
    amount: Won
    description: Description
    contract_id: uuid.UUID | None = None
    milestone_id: uuid.UUID | None = None
    """A milestone of the contract (the contract may then be left out: it is the milestone's)."""


class CommitmentOut(msgspec.Struct):
    """A commitment."""

    id: uuid.UUID
    government_code: str
    budget_line_id: uuid.UUID
    contract_id: uuid.UUID | None
    milestone_id: uuid.UUID | None
    amount: int
    description: str
    status: ApprovalStatus
    requested_by: uuid.UUID
    decided_by: uuid.UUID | None


class ExpenditureResolutionCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Request an expenditure resolution (지출결의): under a commitment, or directly against a line."""

    amount: Won
    payee_name: Name
    description: Description
    commitment_id: uuid.UUID | None = None
    budget_line_id: uuid.UUID | None = None


class ExpenditureResolutionOut(msgspec.Struct):
    """An expenditure resolution."""

    id: uuid.UUID
    government_code: str
    budget_line_id: uuid.UUID
    commitment_id: uuid.UUID | None
    amount: int
    payee_name: str
    description: str
    status: ApprovalStatus
    requested_by: uuid.UUID
    decided_by: uuid.UUID | None


class PaymentOrderCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Issue a payment order (지급명령); retrying with the same key returns the first order."""

    resolution_id: uuid.UUID
    idempotency_key: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9._:-]{8,100}$")]


class PaymentOrderOut(msgspec.Struct):
    """A payment order."""

    id: uuid.UUID
    government_code: str
    resolution_id: uuid.UUID
    idempotency_key: str
    amount: int
    status: PaymentOrderStatus
    requested_by: uuid.UUID
    decided_by: uuid.UUID | None
    paid_at: datetime | None


class JournalLineOut(msgspec.Struct):
    """One side of a journal entry."""

    account: LedgerAccount
    debit: int
    credit: int


class JournalEntryOut(msgspec.Struct):
    """A balanced journal entry."""

    id: uuid.UUID
    government_code: str
    fiscal_year: int
    posted_at: datetime
    description: str
    source_type: str
    source_id: uuid.UUID
    lines: list[JournalLineOut]


class JournalPage(msgspec.Struct):
    """One page of journal entries."""

    items: list[JournalEntryOut]
    total: int
    limit: int
    offset: int


class TrialBalanceRowOut(msgspec.Struct):
    """One ledger account's totals; ``balance`` is debit minus credit."""

    account: LedgerAccount
    debit: int
    credit: int
    balance: int


class TrialBalanceOut(msgspec.Struct):
    """합계잔액시산표 of one government and fiscal year; total debits always equal total credits."""

    government_code: str
    fiscal_year: int
    rows: list[TrialBalanceRowOut]
    total_debit: int
    total_credit: int
