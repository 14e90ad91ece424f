"""Tables of public property (공유재산), local bonds (지방채) and non-cash holdings, with their movements.

Money is integer won. Every change to a record is also a movement row that is never updated or
deleted (acquisition, each depreciation, disposal; each instalment repaid; each acquisition or
redemption of a holding), and each movement names the journal entry that posted it, so a record's
history and the ledger can always be read side by side. The running figures kept on the records
(accumulated depreciation, repaid principal, balance) are changed only under a lock and repeated by
CHECK constraints, so even a bug cannot depreciate below the residual value or repay more than was
borrowed.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.finance.models import LedgerAccount, _enum_column, _government_fk, _user_fk
from app.platform.db import Base, BigIntPK, TimestampMixin, UTCDateTime, new_uuid, utcnow


class PropertyKind(enum.StrEnum):
    """공유재산 class; each is kept in its own ledger account."""

    LAND = "land"  # 토지
    BUILDING = "building"  # 건물
    EQUIPMENT = "equipment"  # 기계장비·집기

    @property
    def ledger_account(self) -> LedgerAccount:
        """The asset account the property is carried in."""
        return _PROPERTY_ACCOUNTS[self]

    @property
    def depreciable(self) -> bool:
        """Land is never depreciated."""
        return self is not PropertyKind.LAND


_PROPERTY_ACCOUNTS = {
    PropertyKind.LAND: LedgerAccount.LAND,
    PropertyKind.BUILDING: LedgerAccount.BUILDINGS,
    PropertyKind.EQUIPMENT: LedgerAccount.EQUIPMENT,
}

DEFAULT_USEFUL_LIFE_YEARS = {PropertyKind.BUILDING: 40, PropertyKind.EQUIPMENT: 5}
"""내용연수 used when none is given (a building of reinforced concrete; office equipment)."""


class FundingSource(enum.StrEnum):
    """What the acquisition is credited to."""

    CASH = "cash"  # paid now (현금)
    PAYABLE = "payable"  # owed to the seller (미지급금)
    CAPITAL_EXPENDITURE = "capital_expenditure"  # paid through the expenditure workflow (자본지출 재분류)
    OPENING_BALANCE = "opening_balance"  # held before the ledger began (기존 재산 이관: 기본순자산)

    @property
    def ledger_account(self) -> LedgerAccount:
        """The account credited when the property is registered."""
        return _FUNDING_ACCOUNTS[self]


_FUNDING_ACCOUNTS = {
    FundingSource.CASH: LedgerAccount.CASH,
    FundingSource.PAYABLE: LedgerAccount.PAYABLE,
    FundingSource.CAPITAL_EXPENDITURE: LedgerAccount.FIXED_ASSETS,
    FundingSource.OPENING_BALANCE: LedgerAccount.NET_ASSETS,
}


class PropertyStatus(enum.StrEnum):
    """Whether the property is still held."""

    IN_USE = "in_use"
    DISPOSED = "disposed"


class DisposalKind(enum.StrEnum):
    """How a property leaves the register."""

    SALE = "sale"  # 매각
    WRITE_OFF = "write_off"  # 폐기


class PropertyMovementKind(enum.StrEnum):
    """One change in a property's book value."""

    ACQUISITION = "acquisition"
    DEPRECIATION = "depreciation"
    DISPOSAL = "disposal"


class PeriodKind(enum.StrEnum):
    """The span a depreciation run covers."""

    MONTH = "month"
    YEAR = "year"


class PublicProperty(TimestampMixin, Base):
    """One entry of the 공유재산대장: land, a building or equipment of one government.

    Straight-line depreciation is monthly (the month of acquisition counts, the month of disposal
    does not); ``months_depreciated`` says how many months the runs have charged so far.
    """

    __tablename__ = "fin_public_properties"
    __table_args__ = (
        CheckConstraint("cost > 0", name="cost_positive"),
        CheckConstraint("residual_value >= 0 AND residual_value <= cost", name="residual_within_cost"),
        CheckConstraint(
            "accumulated_depreciation >= 0 AND accumulated_depreciation <= cost - residual_value",
            name="depreciation_within_depreciable",
        ),
        CheckConstraint(
            "(kind = 'land' AND useful_life_years IS NULL AND residual_value = 0 AND months_depreciated = 0)"
            " OR (kind <> 'land' AND useful_life_years BETWEEN 1 AND 100)",
            name="land_not_depreciated",
        ),
        CheckConstraint(
            "months_depreciated >= 0 AND (useful_life_years IS NULL OR months_depreciated <= useful_life_years * 12)",
            name="months_within_life",
        ),
        CheckConstraint(
            "(status = 'disposed') = (disposed_on IS NOT NULL AND disposal_kind IS NOT NULL)",
            name="disposal_recorded",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    government_code: Mapped[str] = _government_fk()
    kind: Mapped[PropertyKind] = mapped_column(_enum_column(PropertyKind), index=True)
    name: Mapped[str] = mapped_column(String(200))
    location: Mapped[str] = mapped_column(String(200))
    parcel_number: Mapped[str | None] = mapped_column(String(50), default=None)  # 지번
    department: Mapped[str] = mapped_column(String(100))
    acquired_on: Mapped[date] = mapped_column(Date)
    cost: Mapped[int] = mapped_column(BigInteger)
    useful_life_years: Mapped[int | None] = mapped_column(Integer, default=None)
    residual_value: Mapped[int] = mapped_column(BigInteger, default=0)
    funding: Mapped[FundingSource] = mapped_column(_enum_column(FundingSource, 30))
    payment_order_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("fin_payment_orders.id"), index=True, default=None
    )
    months_depreciated: Mapped[int] = mapped_column(Integer, default=0)
    accumulated_depreciation: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[PropertyStatus] = mapped_column(
        _enum_column(PropertyStatus), default=PropertyStatus.IN_USE, index=True
    )
    disposed_on: Mapped[date | None] = mapped_column(Date, default=None)
    disposal_kind: Mapped[DisposalKind | None] = mapped_column(_enum_column(DisposalKind), default=None)
    disposal_proceeds: Mapped[int | None] = mapped_column(BigInteger, default=None)
    registered_by: Mapped[uuid.UUID] = _user_fk()

    @property
    def book_value(self) -> int:
        """장부가액: cost less accumulated depreciation (0 once disposed)."""
        if self.status is PropertyStatus.DISPOSED:
            return 0
        return self.cost - self.accumulated_depreciation

    @property
    def useful_life_months(self) -> int | None:
        """내용연수 in months (``None`` for land)."""
        return None if self.useful_life_years is None else self.useful_life_years * 12


class DepreciationRun(Base):
    """감가상각 for one government and period; the unique period makes a second run post nothing."""

    __tablename__ = "fin_depreciation_runs"
    __table_args__ = (
        UniqueConstraint("government_code", "period_start", "period_end"),
        CheckConstraint("period_end >= period_start", name="period_ordered"),
        CheckConstraint("total_amount >= 0 AND property_count >= 0", name="totals_not_negative"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    government_code: Mapped[str] = _government_fk()
    period_kind: Mapped[PeriodKind] = mapped_column(_enum_column(PeriodKind))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    total_amount: Mapped[int] = mapped_column(BigInteger)
    property_count: Mapped[int] = mapped_column(Integer)
    journal_entry_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("fin_journal_entries.id"), default=None
    )
    run_by: Mapped[uuid.UUID] = _user_fk()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PropertyMovement(Base):
    """One change of a property's book value, as it happened (never updated)."""

    __tablename__ = "fin_property_movements"
    __table_args__ = (CheckConstraint("amount >= 0", name="amount_not_negative"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    government_code: Mapped[str] = _government_fk()
    property_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("fin_public_properties.id"), index=True)
    kind: Mapped[PropertyMovementKind] = mapped_column(_enum_column(PropertyMovementKind))
    occurred_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)
    accumulated_after: Mapped[int] = mapped_column(BigInteger)
    book_value_after: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(String(500))
    depreciation_run_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("fin_depreciation_runs.id"), index=True, default=None
    )
    journal_entry_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("fin_journal_entries.id"), default=None
    )
    recorded_by: Mapped[uuid.UUID] = _user_fk()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RepaymentMethod(enum.StrEnum):
    """상환 방법 of a local bond."""

    EQUAL_PRINCIPAL = "equal_principal"  # 원금균등분할상환
    EQUAL_INSTALMENT = "equal_instalment"  # 원리금균등분할상환
    BULLET = "bullet"  # 만기일시상환


class BondStatus(enum.StrEnum):
    """Whether anything is still owed."""

    OUTSTANDING = "outstanding"
    REPAID = "repaid"


class LocalBond(TimestampMixin, Base):
    """지방채: money a government borrowed, repaid by the schedule generated when it was issued."""

    __tablename__ = "fin_local_bonds"
    __table_args__ = (
        CheckConstraint("principal > 0", name="principal_positive"),
        CheckConstraint("rate_milli_percent BETWEEN 0 AND 30000", name="rate_range"),
        CheckConstraint("term_years BETWEEN 1 AND 50", name="term_range"),
        CheckConstraint("grace_years >= 0 AND grace_years < term_years", name="grace_within_term"),
        CheckConstraint("payments_per_year IN (1, 2, 4, 12)", name="payment_frequency"),
        CheckConstraint(
            "repaid_principal >= 0 AND repaid_principal <= principal", name="repaid_within_principal"
        ),
        CheckConstraint("(status = 'repaid') = (repaid_principal = principal)", name="repaid_when_all_paid"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    government_code: Mapped[str] = _government_fk()
    name: Mapped[str] = mapped_column(String(200))
    lender: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(String(500))
    principal: Mapped[int] = mapped_column(BigInteger)
    rate_milli_percent: Mapped[int] = mapped_column(Integer)  # yearly rate in 1/1000 %: 3.25 % is 3250
    issued_on: Mapped[date] = mapped_column(Date)
    term_years: Mapped[int] = mapped_column(Integer)
    grace_years: Mapped[int] = mapped_column(Integer)
    payments_per_year: Mapped[int] = mapped_column(Integer)
    method: Mapped[RepaymentMethod] = mapped_column(_enum_column(RepaymentMethod))
    repaid_principal: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[BondStatus] = mapped_column(
        _enum_column(BondStatus), default=BondStatus.OUTSTANDING, index=True
    )
    issued_by: Mapped[uuid.UUID] = _user_fk()

    @property
    def outstanding(self) -> int:
        """지방채 잔액: principal not yet repaid."""
        return self.principal - self.repaid_principal

    @property
    def annual_rate_percent(self) -> Decimal:
        """The yearly rate in percent (3.25)."""
        return Decimal(self.rate_milli_percent) / 1000


class BondInstalment(Base):
    """One line of a bond's repayment schedule; ``paid_on`` is set once, when it is repaid."""

    __tablename__ = "fin_bond_instalments"
    __table_args__ = (
        UniqueConstraint("bond_id", "number"),
        CheckConstraint("principal >= 0 AND interest >= 0 AND principal + interest > 0", name="amounts"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    government_code: Mapped[str] = _government_fk()
    bond_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("fin_local_bonds.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date)
    principal: Mapped[int] = mapped_column(BigInteger)
    interest: Mapped[int] = mapped_column(BigInteger)
    outstanding_after: Mapped[int] = mapped_column(BigInteger)
    paid_on: Mapped[date | None] = mapped_column(Date, default=None)
    journal_entry_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("fin_journal_entries.id"), default=None
    )
    paid_by: Mapped[uuid.UUID | None] = _user_fk(nullable=True)

    @property
    def total(self) -> int:
        """What is paid on the due date: principal and interest."""
        return self.principal + self.interest


class HoldingKind(enum.StrEnum):
    """Non-cash holdings (비현금 자산) a government keeps."""

    SECURITY = "security"  # 유가증권
    DEPOSIT = "deposit"  # 예치금 (정기예금 등)
    CAPITAL_CONTRIBUTION = "capital_contribution"  # 출자금

    @property
    def ledger_account(self) -> LedgerAccount:
        """Deposits are short-term financial instruments; securities and 출자금 are investments."""
        return LedgerAccount.DEPOSITS if self is HoldingKind.DEPOSIT else LedgerAccount.INVESTMENTS


class HoldingMovementKind(enum.StrEnum):
    """Money put into or taken out of a holding."""

    ACQUIRE = "acquire"
    REDEEM = "redeem"


class Holding(TimestampMixin, Base):
    """A security, deposit or 출자금 with its book balance."""

    __tablename__ = "fin_holdings"
    __table_args__ = (CheckConstraint("balance >= 0", name="balance_not_negative"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    government_code: Mapped[str] = _government_fk()
    kind: Mapped[HoldingKind] = mapped_column(_enum_column(HoldingKind, 30), index=True)
    name: Mapped[str] = mapped_column(String(200))
    institution: Mapped[str] = mapped_column(String(200))
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    created_by: Mapped[uuid.UUID] = _user_fk()


class HoldingMovement(Base):
    """One acquisition or redemption of a holding (never updated)."""

    __tablename__ = "fin_holding_movements"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("proceeds >= 0", name="proceeds_not_negative"),
        CheckConstraint("balance_after >= 0", name="balance_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    government_code: Mapped[str] = _government_fk()
    holding_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("fin_holdings.id"), index=True)
    kind: Mapped[HoldingMovementKind] = mapped_column(_enum_column(HoldingMovementKind))
    occurred_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)  # book value added or removed
    proceeds: Mapped[int] = mapped_column(BigInteger)  # cash paid (acquire) or received (redeem)
    balance_after: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(String(500))
    journal_entry_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("fin_journal_entries.id"), default=None
    )
    recorded_by: Mapped[uuid.UUID] = _user_fk()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
