"""e-Hojo+ tables: budget structure, versions, allocation, execution, contracts and the journal.

Every row that belongs to a local government carries its ``government_code``. Money is integer won.
A budget line keeps running totals (allocated, committed, spent without commitment, paid) that the
services change only while holding the line's row lock, and CHECK constraints repeat the budget
rule so that even a bug in the services cannot commit more than was allocated.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, MappedColumn, mapped_column

from app.platform.db import Base, BigIntPK, TimestampMixin, UTCDateTime, new_uuid
from app.platform.errors import ConflictError
from app.platform.i18n import Term


def _enum_column(enum_class: type[enum.StrEnum], length: int = 20) -> Enum:
    """A closed vocabulary stored as its values in a VARCHAR with a CHECK (portable, readable)."""
    return Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=lambda e: [str(m.value) for m in e],
        create_constraint=True,
    )


StatusT = TypeVar("StatusT", bound=enum.StrEnum)


def require_transition(
    what: str, current: StatusT, target: StatusT, allowed: Mapping[StatusT, frozenset[StatusT]]
) -> None:
    """Refuse (409) a status change the workflow does not allow."""
    if target not in allowed.get(current, frozenset()):
        raise ConflictError(
            # The statuses stay out of the sentence (their labels belong to the pages); ``extra`` has them.
            "This {what} cannot take this step in its current state (it may have been decided already).",
            extra={"current_status": str(current), "requested_status": str(target)},
            what=Term(what),
        )


class FundKind(enum.StrEnum):
    """회계 구분: general account, special account or fund."""

    GENERAL = "general"  # 일반회계
    SPECIAL = "special"  # 특별회계
    FUND = "fund"  # 기금


class ProgrammeLevel(enum.StrEnum):
    """Levels of the expenditure classification, from the functional field down to the detail project."""

    FIELD = "field"  # 분야
    SECTOR = "sector"  # 부문
    POLICY = "policy"  # 정책사업
    UNIT = "unit"  # 단위사업
    DETAIL = "detail"  # 세부사업

    @property
    def parent_level(self) -> ProgrammeLevel | None:
        """The level directly above (``None`` for the functional field)."""
        order = list(ProgrammeLevel)
        index = order.index(self)
        return order[index - 1] if index else None


class LedgerCategory(enum.StrEnum):
    """Where an account appears in the statements: balance sheet (재정상태표) or operating statement (재정운영표)."""

    ASSET = "asset"  # 자산
    LIABILITY = "liability"  # 부채
    NET_ASSETS = "net_assets"  # 순자산
    REVENUE = "revenue"  # 수익
    EXPENSE = "expense"  # 비용


class LedgerAccount(enum.StrEnum):
    """The accrual chart of accounts e-Hojo+ posts to (the part of the 지방회계 chart the services use).

    The same chart is reference data in ``fin_ledger_accounts`` (journal lines reference it), so a
    new account is one member here plus one row inserted by a migration.
    """

    CASH = "cash"  # 현금및현금성자산
    DEPOSITS = "deposits"  # 단기금융상품 (예치금)
    TAX_RECEIVABLE = "tax_receivable"  # 미수세금
    NONTAX_RECEIVABLE = "nontax_receivable"  # 미수세외수입금
    INVESTMENTS = "investments"  # 장기투자증권·융자금 (융자및출자)
    FIXED_ASSETS = "fixed_assets"  # 유형자산 (자본지출; 취득 중인 자산 포함)
    LAND = "land"  # 토지
    BUILDINGS = "buildings"  # 건물
    EQUIPMENT = "equipment"  # 기계장비·집기
    ACCUMULATED_DEPRECIATION = "accumulated_depreciation"  # 감가상각누계액 (차감 계정)
    PAYABLE = "payable"  # 미지급금
    DEPOSITS_RECEIVED = "deposits_received"  # 예수금 (과오납 환급 대기 포함)
    BORROWINGS = "borrowings"  # 차입금 (지방채)
    NET_ASSETS = "net_assets"  # 순자산 (기본순자산)
    TAX_REVENUE = "tax_revenue"  # 지방세수익
    NONTAX_REVENUE = "nontax_revenue"  # 경상세외수익
    TRANSFER_REVENUE = "transfer_revenue"  # 이전수익 (지방교부세·조정교부금·보조금)
    OTHER_REVENUE = "other_revenue"  # 기타수익 (자산처분이익 포함)
    PERSONNEL_EXPENSE = "personnel_expense"  # 인건비
    OPERATING_EXPENSE = "operating_expense"  # 운영비 (물건비)
    TRANSFER_EXPENSE = "transfer_expense"  # 이전비용 (경상이전)
    DEPRECIATION_EXPENSE = "depreciation_expense"  # 감가상각비
    INTEREST_EXPENSE = "interest_expense"  # 이자비용
    INTERNAL_TRANSFERS = "internal_transfers"  # 내부거래지출
    OTHER_EXPENSE = "other_expense"  # 기타비용 (예비비및기타, 자산처분손실 포함)

    @property
    def category(self) -> LedgerCategory:
        """The statement section this account belongs to."""
        return LEDGER_CHART[self][0]

    @property
    def debit_normal(self) -> bool:
        """Whether the account's balance is normally a debit (assets, expenses) or a credit."""
        return LEDGER_CHART[self][1]


LEDGER_CHART: dict[LedgerAccount, tuple[LedgerCategory, bool]] = {
    LedgerAccount.CASH: (LedgerCategory.ASSET, True),
    LedgerAccount.DEPOSITS: (LedgerCategory.ASSET, True),
    LedgerAccount.TAX_RECEIVABLE: (LedgerCategory.ASSET, True),
    LedgerAccount.NONTAX_RECEIVABLE: (LedgerCategory.ASSET, True),
    LedgerAccount.INVESTMENTS: (LedgerCategory.ASSET, True),
    LedgerAccount.FIXED_ASSETS: (LedgerCategory.ASSET, True),
    LedgerAccount.LAND: (LedgerCategory.ASSET, True),
    LedgerAccount.BUILDINGS: (LedgerCategory.ASSET, True),
    LedgerAccount.EQUIPMENT: (LedgerCategory.ASSET, True),
    LedgerAccount.ACCUMULATED_DEPRECIATION: (LedgerCategory.ASSET, False),
    LedgerAccount.PAYABLE: (LedgerCategory.LIABILITY, False),
    LedgerAccount.DEPOSITS_RECEIVED: (LedgerCategory.LIABILITY, False),
    LedgerAccount.BORROWINGS: (LedgerCategory.LIABILITY, False),
    LedgerAccount.NET_ASSETS: (LedgerCategory.NET_ASSETS, False),
    LedgerAccount.TAX_REVENUE: (LedgerCategory.REVENUE, False),
    LedgerAccount.NONTAX_REVENUE: (LedgerCategory.REVENUE, False),
    LedgerAccount.TRANSFER_REVENUE: (LedgerCategory.REVENUE, False),
    LedgerAccount.OTHER_REVENUE: (LedgerCategory.REVENUE, False),
    LedgerAccount.PERSONNEL_EXPENSE: (LedgerCategory.EXPENSE, True),
    LedgerAccount.OPERATING_EXPENSE: (LedgerCategory.EXPENSE, True),
    LedgerAccount.TRANSFER_EXPENSE: (LedgerCategory.EXPENSE, True),
    LedgerAccount.DEPRECIATION_EXPENSE: (LedgerCategory.EXPENSE, True),
    LedgerAccount.INTEREST_EXPENSE: (LedgerCategory.EXPENSE, True),
    LedgerAccount.INTERNAL_TRANSFERS: (LedgerCategory.EXPENSE, True),
    LedgerAccount.OTHER_EXPENSE: (LedgerCategory.EXPENSE, True),
}


class LedgerAccountEntry(Base):
    """One account of the chart as reference data: journal lines can only name an account listed here."""

    __tablename__ = "fin_ledger_accounts"

    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    category: Mapped[LedgerCategory] = mapped_column(_enum_column(LedgerCategory, 12))
    debit_normal: Mapped[bool] = mapped_column(Boolean)


class ObjectGroup(enum.StrEnum):
    """편성목 groups of the expenditure classification; each debits one ledger account when spent."""

    PERSONNEL = "personnel"  # 인건비
    GOODS = "goods"  # 물건비
    CURRENT_TRANSFERS = "current_transfers"  # 경상이전
    CAPITAL = "capital"  # 자본지출
    LOANS_AND_INVESTMENTS = "loans_and_investments"  # 융자및출자
    FINANCING = "financing"  # 보전재원
    INTERNAL = "internal"  # 내부거래
    RESERVE_AND_OTHER = "reserve_and_other"  # 예비비및기타

    @property
    def ledger_account(self) -> LedgerAccount:
        """What an expenditure of this group is in the accrual ledger (an expense, an asset, a repayment)."""
        return _OBJECT_GROUP_ACCOUNTS[self]


_OBJECT_GROUP_ACCOUNTS = {
    ObjectGroup.PERSONNEL: LedgerAccount.PERSONNEL_EXPENSE,
    ObjectGroup.GOODS: LedgerAccount.OPERATING_EXPENSE,
    ObjectGroup.CURRENT_TRANSFERS: LedgerAccount.TRANSFER_EXPENSE,
    ObjectGroup.CAPITAL: LedgerAccount.FIXED_ASSETS,
    ObjectGroup.LOANS_AND_INVESTMENTS: LedgerAccount.INVESTMENTS,
    ObjectGroup.FINANCING: LedgerAccount.BORROWINGS,
    ObjectGroup.INTERNAL: LedgerAccount.INTERNAL_TRANSFERS,
    ObjectGroup.RESERVE_AND_OTHER: LedgerAccount.OTHER_EXPENSE,
}


class FiscalYearStatus(enum.StrEnum):
    """Whether a fiscal year still takes budget and execution records."""

    OPEN = "open"
    CLOSED = "closed"


FISCAL_YEAR_TRANSITIONS = {FiscalYearStatus.OPEN: frozenset({FiscalYearStatus.CLOSED})}


class BudgetVersionKind(enum.StrEnum):
    """본예산 or 추가경정예산."""

    ORIGINAL = "original"  # 본예산
    SUPPLEMENTARY = "supplementary"  # 추경


class BudgetVersionStatus(enum.StrEnum):
    """A budget version from draft to the council's decision."""

    DRAFT = "draft"
    SUBMITTED = "submitted"  # 의회 제출
    APPROVED = "approved"  # 의회 의결
    REJECTED = "rejected"


BUDGET_VERSION_TRANSITIONS = {
    BudgetVersionStatus.DRAFT: frozenset({BudgetVersionStatus.SUBMITTED}),
    BudgetVersionStatus.SUBMITTED: frozenset({BudgetVersionStatus.APPROVED, BudgetVersionStatus.REJECTED}),
}


class ApprovalStatus(enum.StrEnum):
    """A request that a second person approves (four-eyes): allocations, commitments, resolutions."""

    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


APPROVAL_TRANSITIONS = {
    ApprovalStatus.REQUESTED: frozenset(
        {ApprovalStatus.APPROVED, ApprovalStatus.REJECTED, ApprovalStatus.CANCELLED}
    ),
    ApprovalStatus.APPROVED: frozenset({ApprovalStatus.CANCELLED}),
}
"""Cancelling an approved request is further restricted by the service (nothing may depend on it)."""
OPEN_REQUEST_STATUSES = frozenset({ApprovalStatus.REQUESTED, ApprovalStatus.APPROVED})
"""A request that still holds what it asked for (a commitment its amount, a resolution its payment)."""


class PaymentOrderStatus(enum.StrEnum):
    """A payment order from request to the treasury bank's payment."""

    REQUESTED = "requested"
    APPROVED = "approved"  # sent to the 금고
    PAID = "paid"
    REJECTED = "rejected"


PAYMENT_ORDER_TRANSITIONS = {
    PaymentOrderStatus.REQUESTED: frozenset({PaymentOrderStatus.APPROVED, PaymentOrderStatus.REJECTED}),
    PaymentOrderStatus.APPROVED: frozenset({PaymentOrderStatus.PAID}),
}
PENDING_PAYMENT_STATUSES = frozenset({PaymentOrderStatus.REQUESTED, PaymentOrderStatus.APPROVED})


class ContractMethod(enum.StrEnum):
    """계약 방법."""

    OPEN_TENDER = "open_tender"  # 일반경쟁
    RESTRICTED_TENDER = "restricted_tender"  # 제한경쟁
    NOMINATED_TENDER = "nominated_tender"  # 지명경쟁
    PRIVATE = "private"  # 수의계약


def _government_fk() -> MappedColumn[Any]:
    return mapped_column(String(5), ForeignKey("local_governments.code"), index=True)


def _user_fk(nullable: bool = False) -> MappedColumn[Any]:
    return mapped_column(Uuid, ForeignKey("users.id"), nullable=nullable, default=None)


class FiscalYear(TimestampMixin, Base):
    """One government's fiscal year (회계연도, January to December)."""

    __tablename__ = "fin_fiscal_years"
    __table_args__ = (UniqueConstraint("government_code", "year"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    government_code: Mapped[str] = _government_fk()
    year: Mapped[int] = mapped_column(Integer)
    status: Mapped[FiscalYearStatus] = mapped_column(
        _enum_column(FiscalYearStatus), default=FiscalYearStatus.OPEN
    )


class FinanceAccount(TimestampMixin, Base):
    """회계: the general account, a special account or a fund of one government."""

    __tablename__ = "fin_accounts"
    __table_args__ = (UniqueConstraint("government_code", "code"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    government_code: Mapped[str] = _government_fk()
    code: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[FundKind] = mapped_column(_enum_column(FundKind))


class Programme(TimestampMixin, Base):
    """One node of the programme hierarchy (분야 → 부문 → 정책사업 → 단위사업 → 세부사업) of a fiscal year."""

    __tablename__ = "fin_programmes"
    __table_args__ = (UniqueConstraint("fiscal_year_id", "level", "code"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    government_code: Mapped[str] = _government_fk()
    fiscal_year_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("fin_fiscal_years.id"), index=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("fin_programmes.id"), index=True, default=None
    )
    level: Mapped[ProgrammeLevel] = mapped_column(_enum_column(ProgrammeLevel))
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))


class BudgetLine(TimestampMixin, Base):
    """세출 예산과목 at its finest grain: a detail project's 통계목 in one account.

    The running totals are what budget control reads: ``available = allocated − committed −
    spent_uncommitted``. ``budget_amount`` is the amount of the newest council-approved version.
    """

    __tablename__ = "fin_budget_lines"
    __table_args__ = (
        UniqueConstraint("programme_id", "account_id", "statistics_code"),
        CheckConstraint(
            "allocated_amount >= 0 AND committed_amount >= 0 AND spent_uncommitted_amount >= 0 "
            "AND paid_amount >= 0",
            name="amounts_not_negative",
        ),
        CheckConstraint("allocated_amount <= budget_amount", name="allocation_within_budget"),
        CheckConstraint(
            "committed_amount + spent_uncommitted_amount <= allocated_amount",
            name="execution_within_allocation",
        ),
        CheckConstraint(
            "paid_amount <= committed_amount + spent_uncommitted_amount", name="payments_within_execution"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    government_code: Mapped[str] = _government_fk()
    fiscal_year_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("fin_fiscal_years.id"), index=True)
    account_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("fin_accounts.id"), index=True)
    programme_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("fin_programmes.id"), index=True)
    object_group: Mapped[ObjectGroup] = mapped_column(_enum_column(ObjectGroup, 30))
    object_code: Mapped[str] = mapped_column(String(10))  # 편성목, e.g. 201
    object_name: Mapped[str] = mapped_column(String(100))
    statistics_code: Mapped[str] = mapped_column(String(10))  # 통계목, e.g. 201-01
    statistics_name: Mapped[str] = mapped_column(String(100))
    budget_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    allocated_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    committed_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    spent_uncommitted_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_amount: Mapped[int] = mapped_column(BigInteger, default=0)

    @property
    def available_amount(self) -> int:
        """What may still be committed or spent: allocated − committed − spent without commitment."""
        return self.allocated_amount - self.committed_amount - self.spent_uncommitted_amount


class BudgetVersion(TimestampMixin, Base):
    """본예산 (sequence 0) or the n-th 추경; once submitted its amounts never change."""

    __tablename__ = "fin_budget_versions"
    __table_args__ = (UniqueConstraint("fiscal_year_id", "sequence"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    government_code: Mapped[str] = _government_fk()
    fiscal_year_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("fin_fiscal_years.id"), index=True)
    kind: Mapped[BudgetVersionKind] = mapped_column(_enum_column(BudgetVersionKind))
    sequence: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[BudgetVersionStatus] = mapped_column(
        _enum_column(BudgetVersionStatus), default=BudgetVersionStatus.DRAFT
    )
    council_resolution: Mapped[str | None] = mapped_column(String(100), default=None)
    requested_by: Mapped[uuid.UUID] = _user_fk()
    decided_by: Mapped[uuid.UUID | None] = _user_fk(nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class BudgetVersionLine(TimestampMixin, Base):
    """The amount one version gives one budget line (the whole amount, not a delta)."""

    __tablename__ = "fin_budget_version_lines"
    __table_args__ = (
        UniqueConstraint("version_id", "budget_line_id"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    government_code: Mapped[str] = _government_fk()
    version_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("fin_budget_versions.id"), index=True)
    budget_line_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("fin_budget_lines.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)


class ApprovalMixin:
    """Who asked, who decided (never the same person), and where the request stands."""

    status: Mapped[ApprovalStatus] = mapped_column(
        _enum_column(ApprovalStatus), default=ApprovalStatus.REQUESTED, index=True
    )
    requested_by: Mapped[uuid.UUID] = _user_fk()
    decided_by: Mapped[uuid.UUID | None] = _user_fk(nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


def quarter_of_month(month: int) -> int:
    """The quarter (1–4) a month (1–12) belongs to."""
    return (month + 2) // 3


class Allocation(ApprovalMixin, TimestampMixin, Base):
    """예산배정: part of a line's budget released for execution in a quarter, or in one month of it.

    ``month`` is optional (quarterly allocations stay valid); when given it lies inside ``quarter``,
    which the CHECK repeats with the integer division both backends share.
    """

    __tablename__ = "fin_allocations"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("quarter BETWEEN 1 AND 4", name="quarter_range"),
        CheckConstraint(
            "month IS NULL OR (month BETWEEN 1 AND 12 AND (month + 2) / 3 = quarter)",
            name="month_in_quarter",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    government_code: Mapped[str] = _government_fk()
    budget_line_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("fin_budget_lines.id"), index=True)
    quarter: Mapped[int] = mapped_column(Integer)
    month: Mapped[int | None] = mapped_column(Integer, default=None)
    amount: Mapped[int] = mapped_column(BigInteger)


class Contract(TimestampMixin, Base):
    """A contract with a supplier (사업자등록번호 validated), which commitments draw on."""

    __tablename__ = "fin_contracts"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("end_date >= start_date", name="period_ordered"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    government_code: Mapped[str] = _government_fk()
    title: Mapped[str] = mapped_column(String(200))
    method: Mapped[ContractMethod] = mapped_column(_enum_column(ContractMethod))
    supplier_name: Mapped[str] = mapped_column(String(200))
    supplier_registration_number: Mapped[str] = mapped_column(String(10), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    created_by: Mapped[uuid.UUID] = _user_fk()


class MilestoneKind(enum.StrEnum):
    """계약 이행 단계: what a milestone of a contract pays for."""

    ADVANCE = "advance"  # 선금
    PROGRESS = "progress"  # 기성
    COMPLETION = "completion"  # 준공


class MilestoneStatus(enum.StrEnum):
    """Where a milestone stands; derived from its commitments, its acceptance and the payments (not stored)."""

    PLANNED = "planned"
    PARTLY_COMMITTED = "partly_committed"
    COMMITTED = "committed"
    ACCEPTED = "accepted"  # 검사·검수 done: its payment orders may be issued
    PAID = "paid"


class ContractMilestone(TimestampMixin, Base):
    """One step of a contract's schedule (선금, 기성, 준공) with its due date and amount.

    Only the acceptance (검사·검수: date, inspector, who recorded it) is stored; how much is committed
    and paid is read from the commitments that name the milestone and their payment orders.
    """

    __tablename__ = "fin_contract_milestones"
    __table_args__ = (
        UniqueConstraint("contract_id", "sequence"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("sequence >= 1", name="sequence_positive"),
        CheckConstraint(
            "(accepted_on IS NULL AND inspector_name IS NULL AND accepted_by IS NULL) OR "
            "(accepted_on IS NOT NULL AND inspector_name IS NOT NULL AND accepted_by IS NOT NULL)",
            name="acceptance_whole",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    government_code: Mapped[str] = _government_fk()
    contract_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("fin_contracts.id"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    kind: Mapped[MilestoneKind] = mapped_column(_enum_column(MilestoneKind))
    title: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)
    accepted_on: Mapped[date | None] = mapped_column(Date, default=None)
    inspector_name: Mapped[str | None] = mapped_column(String(100), default=None)
    accepted_by: Mapped[uuid.UUID | None] = _user_fk(nullable=True)
    created_by: Mapped[uuid.UUID] = _user_fk()


class Commitment(ApprovalMixin, TimestampMixin, Base):
    """지출원인행위: an obligation against a budget line, optionally under a contract and one of its milestones.

    Its amount is reserved on the line from the moment it is requested, so concurrent requests can
    never together exceed what was allocated; rejection or cancellation releases it.
    """

    __tablename__ = "fin_commitments"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("milestone_id IS NULL OR contract_id IS NOT NULL", name="milestone_under_contract"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    government_code: Mapped[str] = _government_fk()
    budget_line_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("fin_budget_lines.id"), index=True)
    contract_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("fin_contracts.id"), index=True, default=None
    )
    milestone_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("fin_contract_milestones.id"), index=True, default=None
    )
    amount: Mapped[int] = mapped_column(BigInteger)
    description: Mapped[str] = mapped_column(String(500))


class ExpenditureResolution(ApprovalMixin, TimestampMixin, Base):
    """지출결의: the decision to pay a payee, under a commitment or directly against a line."""

    __tablename__ = "fin_expenditure_resolutions"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    government_code: Mapped[str] = _government_fk()
    budget_line_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("fin_budget_lines.id"), index=True)
    commitment_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("fin_commitments.id"), index=True, default=None
    )
    amount: Mapped[int] = mapped_column(BigInteger)
    payee_name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(500))


class PaymentOrder(TimestampMixin, Base):
    """지급명령 to the treasury bank for one approved resolution; the idempotency key makes retries safe."""

    __tablename__ = "fin_payment_orders"
    __table_args__ = (
        UniqueConstraint("government_code", "idempotency_key"),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_fin_payment_orders_government_code_status", "government_code", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    government_code: Mapped[str] = mapped_column(String(5), ForeignKey("local_governments.code"))
    resolution_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("fin_expenditure_resolutions.id"), index=True
    )
    idempotency_key: Mapped[str] = mapped_column(String(100))
    amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[PaymentOrderStatus] = mapped_column(
        _enum_column(PaymentOrderStatus), default=PaymentOrderStatus.REQUESTED
    )
    requested_by: Mapped[uuid.UUID] = _user_fk()
    decided_by: Mapped[uuid.UUID | None] = _user_fk(nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class JournalEntry(TimestampMixin, Base):
    """One balanced double-entry posting caused by one financial event."""

    __tablename__ = "fin_journal_entries"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    government_code: Mapped[str] = _government_fk()
    fiscal_year: Mapped[int] = mapped_column(Integer)
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    description: Mapped[str] = mapped_column(String(500))
    source_type: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    posted_by: Mapped[uuid.UUID | None] = _user_fk(nullable=True)


class JournalLine(Base):
    """One side of a journal entry: a debit or a credit to one ledger account."""

    __tablename__ = "fin_journal_lines"
    __table_args__ = (
        CheckConstraint("(debit > 0 AND credit = 0) OR (credit > 0 AND debit = 0)", name="one_positive_side"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    entry_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("fin_journal_entries.id", ondelete="CASCADE"), index=True
    )
    account: Mapped[LedgerAccount] = mapped_column(
        Enum(
            LedgerAccount, native_enum=False, length=30, values_callable=lambda e: [str(m.value) for m in e]
        ),
        ForeignKey("fin_ledger_accounts.code"),
        index=True,
    )
    debit: Mapped[int] = mapped_column(BigInteger, default=0)
    credit: Mapped[int] = mapped_column(BigInteger, default=0)
