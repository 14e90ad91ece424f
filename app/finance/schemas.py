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
    quarter: Annotated[int, msgspec.Meta(ge=1, le=4)]
    amount: Won


class AllocationOut(msgspec.Struct):
    """An allocation request or decision."""

    id: uuid.UUID
    government_code: str
    budget_line_id: uuid.UUID
    quarter: int
    amount: int
    status: ApprovalStatus
    requested_by: uuid.UUID
    decided_by: uuid.UUID | None


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


class CommitmentCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Request a commitment (지출원인행위) against a budget line, optionally under a contract."""

    budget_line_id: uuid.UUID
    amount: Won
    description: Description
    contract_id: uuid.UUID | None = None


class CommitmentOut(msgspec.Struct):
    """A commitment."""

    id: uuid.UUID
    government_code: str
    budget_line_id: uuid.UUID
    contract_id: uuid.UUID | None
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
