"""Request and response bodies of the property, bond, holding and statement API. Amounts are integer won."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

import msgspec

from app.finance.assets.calc import RATE_SCALE
from app.finance.assets.models import (
    BondStatus,
    DisposalKind,
    FundingSource,
    HoldingKind,
    HoldingMovementKind,
    PeriodKind,
    PropertyKind,
    PropertyMovementKind,
    PropertyStatus,
    RepaymentMethod,
)
from app.finance.models import LedgerAccount
from app.finance.schemas import Description, Name, Won, WonOrZero, Year

Place = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Department = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
RatePercent = Annotated[str, msgspec.Meta(pattern=r"^\d{1,2}(\.\d{1,3})?$")]
"""A yearly rate in percent with at most three decimals, as text so nothing is lost to floats: ``"3.25"``."""


def rate_milli_percent(percent: str) -> int:
    """``"3.25"`` → 3250 (thousandths of a percent)."""
    return int(Decimal(percent) * RATE_SCALE)


class PropertyCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Register an acquisition in the 공유재산대장."""

    kind: PropertyKind
    name: Name
    location: Place
    department: Department
    acquired_on: date
    cost: Won
    funding: FundingSource
    parcel_number: Annotated[str, msgspec.Meta(max_length=50)] | None = None
    useful_life_years: Annotated[int, msgspec.Meta(ge=1, le=100)] | None = None
    residual_value: WonOrZero = 0
    payment_order_id: uuid.UUID | None = None


class PropertyOut(msgspec.Struct):
    """An entry of the register with its book value."""

    id: uuid.UUID
    government_code: str
    kind: PropertyKind
    name: str
    location: str
    parcel_number: str | None
    department: str
    acquired_on: date
    cost: int
    useful_life_years: int | None
    residual_value: int
    funding: FundingSource
    payment_order_id: uuid.UUID | None
    months_depreciated: int
    accumulated_depreciation: int
    book_value: int
    status: PropertyStatus
    disposed_on: date | None
    disposal_kind: DisposalKind | None
    disposal_proceeds: int | None


class PropertyMovementOut(msgspec.Struct):
    """One change of a property's book value."""

    kind: PropertyMovementKind
    occurred_on: date
    amount: int
    accumulated_after: int
    book_value_after: int
    note: str
    depreciation_run_id: uuid.UUID | None
    journal_entry_id: uuid.UUID | None


class PropertyDetailOut(msgspec.Struct):
    """A property with its history."""

    property: PropertyOut
    movements: list[PropertyMovementOut]


class PropertyPage(msgspec.Struct):
    """One page of the register."""

    items: list[PropertyOut]
    total: int
    limit: int
    offset: int


class Disposal(msgspec.Struct, forbid_unknown_fields=True):
    """Sell or write off a property."""

    kind: DisposalKind
    disposed_on: date
    proceeds: WonOrZero = 0


class DepreciationRunCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Run depreciation through the end of a month (``month`` given) or a whole year."""

    year: Year
    month: Annotated[int, msgspec.Meta(ge=1, le=12)] | None = None


class DepreciationRunOut(msgspec.Struct):
    """A depreciation run and what it posted."""

    id: uuid.UUID
    government_code: str
    period_kind: PeriodKind
    period_start: date
    period_end: date
    fiscal_year: int
    total_amount: int
    property_count: int
    journal_entry_id: uuid.UUID | None
    created_at: datetime


class DepreciationRunPage(msgspec.Struct):
    """One page of depreciation runs."""

    items: list[DepreciationRunOut]
    total: int
    limit: int
    offset: int


class BondCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Record a 지방채 issued; its repayment schedule is generated."""

    name: Name
    lender: Name
    purpose: Description
    principal: Won
    annual_rate_percent: RatePercent
    issued_on: date
    term_years: Annotated[int, msgspec.Meta(ge=1, le=50)]
    method: RepaymentMethod
    grace_years: Annotated[int, msgspec.Meta(ge=0, le=49)] = 0
    payments_per_year: Annotated[int, msgspec.Meta(ge=1, le=12)] = 2


class BondOut(msgspec.Struct):
    """A local bond with what is still owed."""

    id: uuid.UUID
    government_code: str
    name: str
    lender: str
    purpose: str
    principal: int
    annual_rate_percent: str
    issued_on: date
    term_years: int
    grace_years: int
    payments_per_year: int
    method: RepaymentMethod
    repaid_principal: int
    outstanding: int
    status: BondStatus


class InstalmentOut(msgspec.Struct):
    """One line of the repayment schedule."""

    number: int
    due_on: date
    principal: int
    interest: int
    total: int
    outstanding_after: int
    paid_on: date | None


class BondDetailOut(msgspec.Struct):
    """A bond with its schedule and the schedule's totals."""

    bond: BondOut
    schedule: list[InstalmentOut]
    total_principal: int
    total_interest: int


class BondPage(msgspec.Struct):
    """One page of local bonds."""

    items: list[BondOut]
    total: int
    limit: int
    offset: int


class Repayment(msgspec.Struct, forbid_unknown_fields=True):
    """The day an instalment was repaid."""

    paid_on: date


class HoldingCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A security, deposit or 출자금 acquired."""

    kind: HoldingKind
    name: Name
    institution: Name
    amount: Won
    acquired_on: date


class HoldingMovementCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Add to a holding or redeem (part of) it; ``proceeds`` is what a redemption brought in."""

    kind: HoldingMovementKind
    amount: Won
    occurred_on: date
    proceeds: WonOrZero | None = None
    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


class HoldingOut(msgspec.Struct):
    """A holding with its balance."""

    id: uuid.UUID
    government_code: str
    kind: HoldingKind
    name: str
    institution: str
    balance: int


class HoldingMovementOut(msgspec.Struct):
    """One acquisition or redemption."""

    kind: HoldingMovementKind
    occurred_on: date
    amount: int
    proceeds: int
    balance_after: int
    note: str
    journal_entry_id: uuid.UUID | None


class HoldingDetailOut(msgspec.Struct):
    """A holding with its movements."""

    holding: HoldingOut
    movements: list[HoldingMovementOut]


class HoldingPage(msgspec.Struct):
    """One page of holdings."""

    items: list[HoldingOut]
    total: int
    limit: int
    offset: int


class StatementRowOut(msgspec.Struct):
    """An account and its amount, in the sign its section is read in."""

    account: LedgerAccount
    amount: int


class BalanceSheetOut(msgspec.Struct):
    """재정상태표: assets = liabilities + net assets."""

    government_code: str
    fiscal_year: int
    as_at: date | None
    assets: list[StatementRowOut]
    liabilities: list[StatementRowOut]
    total_assets: int
    total_liabilities: int
    basic_net_assets: int
    prior_surplus: int
    surplus: int
    total_net_assets: int
    property_net: int


class OperatingStatementOut(msgspec.Struct):
    """재정운영표: revenues less expenses of the year."""

    government_code: str
    fiscal_year: int
    as_at: date | None
    revenues: list[StatementRowOut]
    expenses: list[StatementRowOut]
    total_revenue: int
    total_expense: int
    surplus: int
