"""The e-Hojo+ JSON API under ``/api/finance``: parse, call the service, shape the response.

The route guards keep out anonymous callers and roles that have no business in finance; the
service layer decides precisely who may do what (it is also called by other services, without
these routes).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, TypeVar

import msgspec
from litestar import Controller, Response, delete, get, post
from litestar.di import Provide
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from litestar.types import Guard

from app.finance import services
from app.finance.milestones import rules as milestone_rules
from app.finance.milestones import services as milestones
from app.finance.milestones.rules import MilestoneProgress
from app.finance.models import BudgetLine, Contract
from app.finance.schemas import (
    AccountCreate,
    AccountOut,
    AllocationCreate,
    AllocationOut,
    BudgetLineCreate,
    BudgetLineOut,
    BudgetLinePage,
    BudgetVersionCreate,
    BudgetVersionOut,
    CommitmentCreate,
    CommitmentOut,
    ContractCreate,
    ContractOut,
    CouncilDecision,
    ExpenditureResolutionCreate,
    ExpenditureResolutionOut,
    FiscalYearCreate,
    FiscalYearOut,
    JournalEntryOut,
    JournalLineOut,
    JournalPage,
    LineAllocationsOut,
    MilestoneAcceptance,
    MilestoneCreate,
    MilestoneOut,
    PaymentOrderCreate,
    PaymentOrderOut,
    PeriodTotalOut,
    ProgrammeCreate,
    ProgrammeOut,
    ScheduleOut,
    TrialBalanceOut,
    TrialBalanceRowOut,
    VersionLineOut,
)
from app.platform.auth.guards import ActingActor, provide_actor, require_roles
from app.platform.auth.models import Role
from app.platform.db import DbSession
from app.platform.paging import Limit, Offset

OutT = TypeVar("OutT", bound=msgspec.Struct)


def finance_guard(*roles: Role) -> Guard:
    """Admits ``roles``; the service refines who may act (and checks again for callers without HTTP)."""
    return require_roles(*roles)


may_read = finance_guard(*services.READER_ROLES)
may_set_up = finance_guard(*services.SETUP_ROLES)
may_make = finance_guard(*services.MAKER_ROLES)
may_approve = finance_guard(*services.APPROVER_ROLES)
may_disburse = finance_guard(*services.DISBURSING_ROLES)


def shape(out: type[OutT], record: Any, **values: Any) -> OutT:
    """Build the response struct ``out`` from the record's attributes of the same names."""
    return out(
        **{name: getattr(record, name) for name in out.__struct_fields__ if name not in values}, **values
    )


def budget_line_out(line: BudgetLine) -> BudgetLineOut:
    """A line with its totals named as people say them."""
    return shape(
        BudgetLineOut,
        line,
        budget=line.budget_amount,
        allocated=line.allocated_amount,
        committed=line.committed_amount,
        spent_uncommitted=line.spent_uncommitted_amount,
        paid=line.paid_amount,
        available=line.available_amount,
    )


def milestone_out(item: MilestoneProgress) -> MilestoneOut:
    """A milestone with its derived figures and status."""
    return shape(
        MilestoneOut,
        item.milestone,
        committed=item.committed,
        remaining=item.remaining,
        paid=item.paid,
        status=item.status,
    )


def schedule_out(contract: Contract, schedule: list[MilestoneProgress]) -> ScheduleOut:
    """A contract's schedule and whether it adds up to the contract amount."""
    scheduled = sum(item.milestone.amount for item in schedule)
    return ScheduleOut(
        contract_id=contract.id,
        contract_amount=contract.amount,
        scheduled=scheduled,
        complete=scheduled == contract.amount,
        milestones=[milestone_out(item) for item in schedule],
    )


class _FinanceController(Controller):
    tags = ["finance"]  # noqa: RUF012 - Litestar reads these class attributes
    dependencies = {"actor": Provide(provide_actor)}  # noqa: RUF012


class BudgetStructureController(_FinanceController):
    """Fiscal years, accounts (회계), the programme hierarchy and budget lines."""

    path = "/api/finance"

    @post("/fiscal-years", guards=[may_set_up], summary="Open a fiscal year")
    async def create_fiscal_year(
        self, data: JSONBody[FiscalYearCreate], db_session: DbSession, actor: ActingActor
    ) -> FiscalYearOut:
        """409 if it exists."""
        return shape(FiscalYearOut, await services.create_fiscal_year(db_session, actor, year=data.year))

    @get("/fiscal-years", guards=[may_read], summary="Fiscal years of your government")
    async def list_fiscal_years(self, db_session: DbSession, actor: ActingActor) -> list[FiscalYearOut]:
        """Newest first."""
        return [shape(FiscalYearOut, y) for y in await services.list_fiscal_years(db_session, actor)]

    @post(
        "/fiscal-years/{fiscal_year_id:uuid}/close",
        guards=[may_approve],
        status_code=HTTP_200_OK,
        summary="Close a fiscal year",
    )
    async def close_fiscal_year(
        self, fiscal_year_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> FiscalYearOut:
        """409 if it is closed already."""
        return shape(FiscalYearOut, await services.close_fiscal_year(db_session, actor, fiscal_year_id))

    @post("/accounts", guards=[may_set_up], summary="Register an account (일반회계, 특별회계, 기금)")
    async def create_account(
        self, data: JSONBody[AccountCreate], db_session: DbSession, actor: ActingActor
    ) -> AccountOut:
        """One general account per government."""
        account = await services.create_account(
            db_session, actor, code=data.code, name=data.name, kind=data.kind
        )
        return shape(AccountOut, account)

    @get("/accounts", guards=[may_read], summary="Accounts of your government")
    async def list_accounts(self, db_session: DbSession, actor: ActingActor) -> list[AccountOut]:
        """By code."""
        return [shape(AccountOut, a) for a in await services.list_accounts(db_session, actor)]

    @post("/programmes", guards=[may_set_up], summary="Add a programme (분야, 부문, 정책·단위·세부사업)")
    async def create_programme(
        self, data: JSONBody[ProgrammeCreate], db_session: DbSession, actor: ActingActor
    ) -> ProgrammeOut:
        """The parent must be the level directly above."""
        programme = await services.create_programme(
            db_session,
            actor,
            fiscal_year_id=data.fiscal_year_id,
            level=data.level,
            code=data.code,
            name=data.name,
            parent_id=data.parent_id,
        )
        return shape(ProgrammeOut, programme)

    @get(
        "/fiscal-years/{fiscal_year_id:uuid}/programmes",
        guards=[may_read],
        summary="The programme hierarchy of a fiscal year",
    )
    async def list_programmes(
        self, fiscal_year_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> list[ProgrammeOut]:
        """Top levels first."""
        return [
            shape(ProgrammeOut, p) for p in await services.list_programmes(db_session, actor, fiscal_year_id)
        ]

    @post("/budget-lines", guards=[may_set_up], summary="Add a budget line (세부사업 × 통계목)")
    async def create_budget_line(
        self, data: JSONBody[BudgetLineCreate], db_session: DbSession, actor: ActingActor
    ) -> BudgetLineOut:
        """Its amount comes from the budget versions the council approves."""
        line = await services.create_budget_line(
            db_session,
            actor,
            programme_id=data.programme_id,
            account_id=data.account_id,
            object_group=data.object_group,
            object_code=data.object_code,
            object_name=data.object_name,
            statistics_code=data.statistics_code,
            statistics_name=data.statistics_name,
        )
        return budget_line_out(line)

    @get("/budget-lines", guards=[may_read], summary="Budget lines with what is available")
    async def list_budget_lines(
        self,
        db_session: DbSession,
        actor: ActingActor,
        fiscal_year_id: Annotated[uuid.UUID | None, QueryParameter()] = None,
        limit: Limit = 50,
        offset: Offset = 0,
    ) -> BudgetLinePage:
        """By object and statistics code."""
        lines, total = await services.list_budget_lines(
            db_session, actor, fiscal_year_id=fiscal_year_id, limit=limit, offset=offset
        )
        return BudgetLinePage(
            items=[budget_line_out(x) for x in lines], total=total, limit=limit, offset=offset
        )

    @get(
        "/budget-lines/{line_id:uuid}/allocations",
        guards=[may_read],
        summary="A line's allocations per quarter and month",
    )
    async def line_allocations(
        self,
        line_id: FromPath[uuid.UUID],
        db_session: DbSession,
        actor: ActingActor,
        quarter: Annotated[int | None, QueryParameter(ge=1, le=4)] = None,
        month: Annotated[int | None, QueryParameter(ge=1, le=12)] = None,
    ) -> LineAllocationsOut:
        """The list narrowed to a quarter or month; the totals cover the whole year."""
        found = await services.allocations_of_line(db_session, actor, line_id, quarter=quarter, month=month)
        return LineAllocationsOut(
            budget_line_id=found.line.id,
            allocated=found.line.allocated_amount,
            items=[shape(AllocationOut, a) for a in found.items],
            quarters=[shape(PeriodTotalOut, q) for q in found.quarters],
            months=[shape(PeriodTotalOut, m) for m in found.months],
        )

    @get("/budget-lines/{line_id:uuid}", guards=[may_read], summary="One budget line")
    async def get_budget_line(
        self, line_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> BudgetLineOut:
        """404 for other governments' lines."""
        return budget_line_out(await services.get_budget_line(db_session, actor, line_id))


def budget_version_out(version: Any, lines: list[Any]) -> BudgetVersionOut:
    """A version with its amounts."""
    return shape(BudgetVersionOut, version, lines=[shape(VersionLineOut, x) for x in lines])


class BudgetVersionController(_FinanceController):
    """본예산 and 추경 as versions: drafted, submitted to the council, approved or rejected."""

    path = "/api/finance/budget-versions"

    @post("/", guards=[may_make], summary="Draft the original or the next supplementary budget")
    async def create(
        self, data: JSONBody[BudgetVersionCreate], db_session: DbSession, actor: ActingActor
    ) -> BudgetVersionOut:
        """One version in preparation at a time; amounts are whole amounts per line."""
        version = await services.create_budget_version(
            db_session,
            actor,
            fiscal_year_id=data.fiscal_year_id,
            title=data.title,
            amounts=[services.VersionAmount(x.budget_line_id, x.amount) for x in data.lines],
        )
        return budget_version_out(*await services.get_budget_version(db_session, actor, version.id))

    @get("/{version_id:uuid}", guards=[may_read], summary="One budget version")
    async def get_one(
        self, version_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> BudgetVersionOut:
        """404 for other governments' versions, drafts included."""
        return budget_version_out(*await services.get_budget_version(db_session, actor, version_id))

    @post(
        "/{version_id:uuid}/submit",
        guards=[may_make],
        status_code=HTTP_200_OK,
        summary="Submit to the council",
    )
    async def submit(
        self, version_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> BudgetVersionOut:
        """409 unless it is a draft."""
        await services.submit_budget_version(db_session, actor, version_id)
        return budget_version_out(*await services.get_budget_version(db_session, actor, version_id))

    @post(
        "/{version_id:uuid}/approve",
        guards=[may_approve],
        status_code=HTTP_200_OK,
        summary="Record the council's approval",
    )
    async def approve(
        self,
        version_id: FromPath[uuid.UUID],
        data: JSONBody[CouncilDecision],
        db_session: DbSession,
        actor: ActingActor,
    ) -> BudgetVersionOut:
        """The lines take the version's amounts; four-eyes."""
        await services.approve_budget_version(
            db_session, actor, version_id, council_resolution=data.council_resolution
        )
        return budget_version_out(*await services.get_budget_version(db_session, actor, version_id))

    @post(
        "/{version_id:uuid}/reject",
        guards=[may_approve],
        status_code=HTTP_200_OK,
        summary="Record that the council rejected it",
    )
    async def reject(
        self, version_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> BudgetVersionOut:
        """A new draft may follow."""
        await services.reject_budget_version(db_session, actor, version_id)
        return budget_version_out(*await services.get_budget_version(db_session, actor, version_id))


class AllocationController(_FinanceController):
    """예산배정: requested by officials, decided by an approver."""

    path = "/api/finance/allocations"

    @post("/", guards=[may_make], summary="Request an allocation")
    async def create(
        self, data: JSONBody[AllocationCreate], db_session: DbSession, actor: ActingActor
    ) -> AllocationOut:
        """422 if the line's budget has not that much left to allocate."""
        allocation = await services.request_allocation(
            db_session,
            actor,
            budget_line_id=data.budget_line_id,
            quarter=data.quarter,
            month=data.month,
            amount=data.amount,
        )
        return shape(AllocationOut, allocation)

    @post("/{allocation_id:uuid}/approve", guards=[may_approve], status_code=HTTP_200_OK, summary="Approve")
    async def approve(
        self, allocation_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> AllocationOut:
        """Four-eyes; 409 unless requested."""
        return shape(
            AllocationOut, await services.decide_allocation(db_session, actor, allocation_id, approve=True)
        )

    @post("/{allocation_id:uuid}/reject", guards=[may_approve], status_code=HTTP_200_OK, summary="Reject")
    async def reject(
        self, allocation_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> AllocationOut:
        """Four-eyes; 409 unless requested."""
        return shape(
            AllocationOut, await services.decide_allocation(db_session, actor, allocation_id, approve=False)
        )


class ContractController(_FinanceController):
    """Contracts with suppliers."""

    path = "/api/finance/contracts"

    @post("/", guards=[may_make], summary="Register a contract")
    async def create(
        self, data: JSONBody[ContractCreate], db_session: DbSession, actor: ActingActor
    ) -> ContractOut:
        """422 for a business registration number whose check digit is wrong."""
        contract = await services.create_contract(
            db_session,
            actor,
            title=data.title,
            method=data.method,
            supplier_name=data.supplier_name,
            supplier_registration_number=data.supplier_registration_number,
            amount=data.amount,
            start_date=data.start_date,
            end_date=data.end_date,
        )
        return shape(ContractOut, contract)

    @get("/{contract_id:uuid}", guards=[may_read], summary="One contract")
    async def get_one(
        self, contract_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> ContractOut:
        """404 for other governments' contracts."""
        return shape(ContractOut, await services.get_contract(db_session, actor, contract_id))

    @get("/{contract_id:uuid}/milestones", guards=[may_read], summary="The contract's milestones")
    async def milestones(
        self, contract_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> ScheduleOut:
        """In order, each with what is committed, left and paid, and its status."""
        return schedule_out(*await milestones.list_milestones(db_session, actor, contract_id))

    @post("/{contract_id:uuid}/milestones", guards=[may_make], summary="Add a milestone (선금, 기성, 준공)")
    async def add_milestone(
        self,
        contract_id: FromPath[uuid.UUID],
        data: JSONBody[MilestoneCreate],
        db_session: DbSession,
        actor: ActingActor,
    ) -> MilestoneOut:
        """422 past the contract amount or outside its period; 409 once commitments name a milestone."""
        added = await milestones.add_milestone(
            db_session,
            actor,
            contract_id,
            kind=data.kind,
            title=data.title,
            due_date=data.due_date,
            amount=data.amount,
        )
        return milestone_out((await milestone_rules.progress_of(db_session, [added]))[0])

    @delete(
        "/{contract_id:uuid}/milestones/{milestone_id:uuid}",
        guards=[may_make],
        status_code=HTTP_200_OK,
        summary="Remove a milestone",
    )
    async def remove_milestone(
        self,
        contract_id: FromPath[uuid.UUID],
        milestone_id: FromPath[uuid.UUID],
        db_session: DbSession,
        actor: ActingActor,
    ) -> ScheduleOut:
        """409 once commitments name one of the contract's milestones; the later ones move up."""
        await milestones.remove_milestone(db_session, actor, contract_id, milestone_id)
        return schedule_out(*await milestones.list_milestones(db_session, actor, contract_id))

    @post(
        "/{contract_id:uuid}/milestones/{milestone_id:uuid}/accept",
        guards=[may_make],
        status_code=HTTP_200_OK,
        summary="Record a milestone's inspection (검사·검수)",
    )
    async def accept_milestone(
        self,
        contract_id: FromPath[uuid.UUID],
        milestone_id: FromPath[uuid.UUID],
        data: JSONBody[MilestoneAcceptance],
        db_session: DbSession,
        actor: ActingActor,
    ) -> MilestoneOut:
        """Not by whoever registered the contract (403); 409 before an approved commitment or twice."""
        accepted = await milestones.accept_milestone(
            db_session,
            actor,
            contract_id,
            milestone_id,
            accepted_on=data.accepted_on,
            inspector_name=data.inspector_name,
        )
        return milestone_out(accepted)


class CommitmentController(_FinanceController):
    """지출원인행위 under budget control."""

    path = "/api/finance/commitments"

    @post("/", guards=[may_make], summary="Request a commitment")
    async def create(
        self, data: JSONBody[CommitmentCreate], db_session: DbSession, actor: ActingActor
    ) -> CommitmentOut:
        """422 with the figures if the line has not that much available."""
        commitment = await services.request_commitment(
            db_session,
            actor,
            budget_line_id=data.budget_line_id,
            amount=data.amount,
            description=data.description,
            contract_id=data.contract_id,
            milestone_id=data.milestone_id,
        )
        return shape(CommitmentOut, commitment)

    @get("/{commitment_id:uuid}", guards=[may_read], summary="One commitment")
    async def get_one(
        self, commitment_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> CommitmentOut:
        """404 for other governments' commitments."""
        return shape(CommitmentOut, await services.get_commitment(db_session, actor, commitment_id))

    @post("/{commitment_id:uuid}/approve", guards=[may_approve], status_code=HTTP_200_OK, summary="Approve")
    async def approve(
        self, commitment_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> CommitmentOut:
        """Four-eyes; 409 unless requested."""
        return shape(
            CommitmentOut, await services.decide_commitment(db_session, actor, commitment_id, approve=True)
        )

    @post("/{commitment_id:uuid}/reject", guards=[may_approve], status_code=HTTP_200_OK, summary="Reject")
    async def reject(
        self, commitment_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> CommitmentOut:
        """Releases the reservation."""
        return shape(
            CommitmentOut, await services.decide_commitment(db_session, actor, commitment_id, approve=False)
        )

    @post("/{commitment_id:uuid}/cancel", guards=[may_make], status_code=HTTP_200_OK, summary="Cancel")
    async def cancel(
        self, commitment_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> CommitmentOut:
        """409 once something was resolved under it."""
        return shape(CommitmentOut, await services.cancel_commitment(db_session, actor, commitment_id))


class ExpenditureResolutionController(_FinanceController):
    """지출결의: the decision to pay."""

    path = "/api/finance/expenditure-resolutions"

    @post("/", guards=[may_make], summary="Request an expenditure resolution")
    async def create(
        self, data: JSONBody[ExpenditureResolutionCreate], db_session: DbSession, actor: ActingActor
    ) -> ExpenditureResolutionOut:
        """Under an approved commitment, or directly against a line."""
        resolution = await services.request_expenditure_resolution(
            db_session,
            actor,
            amount=data.amount,
            payee_name=data.payee_name,
            description=data.description,
            commitment_id=data.commitment_id,
            budget_line_id=data.budget_line_id,
        )
        return shape(ExpenditureResolutionOut, resolution)

    @get("/{resolution_id:uuid}", guards=[may_read], summary="One expenditure resolution")
    async def get_one(
        self, resolution_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> ExpenditureResolutionOut:
        """404 for other governments' resolutions."""
        return shape(
            ExpenditureResolutionOut,
            await services.get_expenditure_resolution(db_session, actor, resolution_id),
        )

    @post("/{resolution_id:uuid}/approve", guards=[may_approve], status_code=HTTP_200_OK, summary="Approve")
    async def approve(
        self, resolution_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> ExpenditureResolutionOut:
        """Posts the expense and the payable."""
        resolution = await services.decide_expenditure_resolution(
            db_session, actor, resolution_id, approve=True
        )
        return shape(ExpenditureResolutionOut, resolution)

    @post("/{resolution_id:uuid}/reject", guards=[may_approve], status_code=HTTP_200_OK, summary="Reject")
    async def reject(
        self, resolution_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> ExpenditureResolutionOut:
        """Releases spending reserved without a commitment."""
        resolution = await services.decide_expenditure_resolution(
            db_session, actor, resolution_id, approve=False
        )
        return shape(ExpenditureResolutionOut, resolution)


class PaymentOrderController(_FinanceController):
    """지급명령 to the treasury bank, idempotent by key."""

    path = "/api/finance/payment-orders"

    @post("/", guards=[may_make], summary="Issue a payment order (idempotent by key)")
    async def create(
        self, data: JSONBody[PaymentOrderCreate], db_session: DbSession, actor: ActingActor
    ) -> Response[PaymentOrderOut]:
        """201 for a new order; 200 with the first order when the key was used before."""
        order, created = await services.create_payment_order(
            db_session, actor, resolution_id=data.resolution_id, idempotency_key=data.idempotency_key
        )
        return Response(
            shape(PaymentOrderOut, order), status_code=HTTP_201_CREATED if created else HTTP_200_OK
        )

    @get("/{order_id:uuid}", guards=[may_read], summary="One payment order")
    async def get_one(
        self, order_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> PaymentOrderOut:
        """404 for other governments' orders."""
        return shape(PaymentOrderOut, await services.get_payment_order(db_session, actor, order_id))

    @post("/{order_id:uuid}/approve", guards=[may_approve], status_code=HTTP_200_OK, summary="Approve")
    async def approve(
        self, order_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> PaymentOrderOut:
        """Four-eyes; the order goes to the treasury bank."""
        return shape(
            PaymentOrderOut, await services.decide_payment_order(db_session, actor, order_id, approve=True)
        )

    @post("/{order_id:uuid}/reject", guards=[may_approve], status_code=HTTP_200_OK, summary="Reject")
    async def reject(
        self, order_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> PaymentOrderOut:
        """Four-eyes; a new order may be issued for the resolution."""
        return shape(
            PaymentOrderOut, await services.decide_payment_order(db_session, actor, order_id, approve=False)
        )

    @post(
        "/{order_id:uuid}/pay", guards=[may_disburse], status_code=HTTP_200_OK, summary="Record the payment"
    )
    async def pay(
        self, order_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> PaymentOrderOut:
        """The treasury bank paid: posts the payment; 409 if not approved or already paid."""
        return shape(PaymentOrderOut, await services.record_payment(db_session, actor, order_id))


class LedgerController(_FinanceController):
    """The approver inbox, the journal and the trial balance."""

    path = "/api/finance"

    @get("/inbox", guards=[may_read], summary="Requests awaiting a decision")
    async def inbox(self, db_session: DbSession, actor: ActingActor) -> list[services.InboxItem]:
        """Oldest first; your own requests are not in your inbox."""
        return await services.approver_inbox(db_session, actor)

    @get("/journal", guards=[may_read], summary="Journal entries, newest first")
    async def journal(
        self, db_session: DbSession, actor: ActingActor, limit: Limit = 50, offset: Offset = 0
    ) -> JournalPage:
        """Every entry balances."""
        entries, total = await services.list_journal_entries(db_session, actor, limit=limit, offset=offset)
        return JournalPage(
            items=[
                shape(JournalEntryOut, entry, lines=[shape(JournalLineOut, x) for x in lines])
                for entry, lines in entries
            ],
            total=total,
            limit=limit,
            offset=offset,
        )

    @get("/trial-balance", guards=[may_read], summary="Trial balance of a government's fiscal year")
    async def trial_balance(
        self,
        db_session: DbSession,
        actor: ActingActor,
        fiscal_year: Annotated[int, QueryParameter(ge=2000, le=2100)],
        government_code: Annotated[str | None, QueryParameter(pattern=r"^\d{5}$")] = None,
    ) -> TrialBalanceOut:
        """Your own government's; the ministry names one with ``government_code``."""
        rows = await services.trial_balance(
            db_session, actor, fiscal_year=fiscal_year, government_code=government_code
        )
        return TrialBalanceOut(
            government_code=government_code or actor.government_code or "",
            fiscal_year=fiscal_year,
            rows=[shape(TrialBalanceRowOut, row) for row in rows],
            total_debit=sum(row.debit for row in rows),
            total_credit=sum(row.credit for row in rows),
        )


FINANCE_CONTROLLERS = [
    BudgetStructureController,
    BudgetVersionController,
    AllocationController,
    ContractController,
    CommitmentController,
    ExpenditureResolutionController,
    PaymentOrderController,
    LedgerController,
]
