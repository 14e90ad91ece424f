"""Budget control, four-eyes, status transitions, idempotency, tenancy and posting, at the service layer."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.finance import services
from app.finance.models import (
    ApprovalStatus,
    BudgetLine,
    BudgetVersion,
    BudgetVersionKind,
    BudgetVersionStatus,
    ContractMethod,
    ExpenditureResolution,
    JournalEntry,
    LedgerAccount,
    ObjectGroup,
    PaymentOrderStatus,
)
from app.platform.audit import AuditEvent
from app.platform.auth.models import Role
from app.platform.auth.services import actor_for
from app.platform.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from tests.conftest import Accounts
from tests.finance.conftest import FinanceWorld, Staff, make_staff


class TestWhoMayAct:
    async def test_wrong_role_and_ministry_are_refused(self, world: FinanceWorld, accounts: Accounts) -> None:
        line = await world.line(budget=1_000, allocated=1_000)
        auditor = actor_for((await accounts.make(Role.AUDITOR, "11110")).user)
        with pytest.raises(ForbiddenError, match=r"Your role \(Auditor\) may not request commitments"):
            await services.request_commitment(
                world.session, auditor, budget_line_id=line.id, amount=10, description="x"
            )
        ministry = actor_for((await accounts.make(Role.FINANCE_OFFICER, None)).user)
        with pytest.raises(ForbiddenError, match="ministry"):
            await services.create_fiscal_year(world.session, ministry, year=2030)
        assert (await services.get_budget_line(world.session, ministry, line.id)).id == line.id


class TestBusinessRegistrationNumber:
    @pytest.mark.parametrize("number", ["220-81-62517", "1248100998", "124-81-00998"])
    def test_valid_numbers(self, number: str) -> None:
        assert services.is_valid_business_registration_number(number)

    @pytest.mark.parametrize(
        "number", ["220-81-62518", "1248100999", "12345", "abcdefghij", "１２４８１００９９８"]
    )
    def test_invalid_numbers(self, number: str) -> None:
        assert not services.is_valid_business_registration_number(number)


class TestBudgetControl:
    async def test_commitment_beyond_available_is_refused_with_the_figures(self, world: FinanceWorld) -> None:
        line = await world.line(budget=10_000_000, allocated=3_000_000)
        await services.request_commitment(
            world.session, world.staff.maker, budget_line_id=line.id, amount=2_000_000, description="first"
        )
        with pytest.raises(InvalidInputError) as refused:
            await services.request_commitment(
                world.session,
                world.staff.maker,
                budget_line_id=line.id,
                amount=1_000_001,
                description="second",
            )
        message = str(refused.value)  # the English text (``detail`` follows the locale)
        assert "1,000,000 won available" in message
        assert "allocated 3,000,000 won" in message
        assert "committed 2,000,000 won" in message
        assert "1,000,001 won" in message
        assert refused.value.extra == {"available": 1_000_000, "requested": 1_000_001}

    async def test_spending_without_commitment_counts_against_the_same_room(
        self, world: FinanceWorld
    ) -> None:
        line = await world.line(budget=1_000, allocated=1_000)
        await services.request_expenditure_resolution(
            world.session,
            world.staff.maker,
            budget_line_id=line.id,
            amount=600,
            payee_name="한전",
            description="전기요금",
        )
        with pytest.raises(InvalidInputError, match="400 won available"):
            await services.request_commitment(
                world.session, world.staff.maker, budget_line_id=line.id, amount=401, description="x"
            )
        commitment = await services.request_commitment(
            world.session, world.staff.maker, budget_line_id=line.id, amount=400, description="x"
        )
        assert commitment.status is ApprovalStatus.REQUESTED
        assert (line.allocated_amount, line.committed_amount, line.spent_uncommitted_amount) == (
            1_000,
            400,
            600,
        )

    async def test_rejection_and_cancellation_release_the_reservation(self, world: FinanceWorld) -> None:
        line = await world.line(budget=1_000, allocated=1_000)
        first = await services.request_commitment(
            world.session, world.staff.maker, budget_line_id=line.id, amount=700, description="a"
        )
        await services.decide_commitment(world.session, world.staff.approver_actor, first.id, approve=False)
        second = await services.request_commitment(
            world.session, world.staff.maker, budget_line_id=line.id, amount=1_000, description="b"
        )
        await services.cancel_commitment(world.session, world.staff.maker, second.id)
        assert line.available_amount == 1_000

    async def test_allocation_cannot_exceed_the_budget(self, world: FinanceWorld) -> None:
        line = await world.line(budget=1_000, allocated=800)
        with pytest.raises(InvalidInputError, match="200 won of its 1,000 won budget left"):
            await services.request_allocation(
                world.session, world.staff.maker, budget_line_id=line.id, quarter=2, amount=201
            )

    async def test_commitments_under_a_contract_stay_within_it(self, world: FinanceWorld) -> None:
        line = await world.line(budget=10_000, allocated=10_000)
        contract = await services.create_contract(
            world.session,
            world.staff.maker,
            title="청사 도색",
            method=ContractMethod.PRIVATE,
            supplier_name="한빛상사",
            supplier_registration_number="220-81-62517",
            amount=5_000,
            start_date=date(2026, 3, 1),
            end_date=date(2026, 6, 30),
        )
        assert contract.supplier_registration_number == "2208162517"
        await services.request_commitment(
            world.session,
            world.staff.maker,
            budget_line_id=line.id,
            amount=4_000,
            description="1차",
            contract_id=contract.id,
        )
        with pytest.raises(InvalidInputError, match="contract is for 5,000 won"):
            await services.request_commitment(
                world.session,
                world.staff.maker,
                budget_line_id=line.id,
                amount=1_001,
                description="2차",
                contract_id=contract.id,
            )

    async def test_contract_with_a_bad_check_digit_is_refused(self, world: FinanceWorld) -> None:
        with pytest.raises(InvalidInputError, match="check digit"):
            await services.create_contract(
                world.session,
                world.staff.maker,
                title="x",
                method=ContractMethod.OPEN_TENDER,
                supplier_name="x",
                supplier_registration_number="220-81-62518",
                amount=1,
                start_date=date(2026, 1, 1),
                end_date=date(2026, 1, 2),
            )


class TestFourEyes:
    async def test_requester_cannot_approve_their_own_commitment(
        self, world: FinanceWorld, accounts: Accounts
    ) -> None:
        line = await world.line(budget=1_000, allocated=1_000)
        # The same person, later holding the approver role, still may not decide their own request.
        commitment = await services.request_commitment(
            world.session, world.staff.maker, budget_line_id=line.id, amount=100, description="x"
        )
        official = world.staff.official.user
        official.role = Role.APPROVER
        with pytest.raises(ForbiddenError, match="four-eyes"):
            await services.decide_commitment(world.session, actor_for(official), commitment.id, approve=True)
        approved = await services.decide_commitment(
            world.session, world.staff.approver_actor, commitment.id, approve=True
        )
        assert approved.decided_by == world.staff.approver.user.id

    async def test_every_decision_applies_the_rule(self, world: FinanceWorld) -> None:
        officer = world.staff.officer.user
        year = await world.fiscal_year()
        line = await world.empty_line()
        version = await services.create_budget_version(
            world.session,
            actor_for(officer),
            fiscal_year_id=year.id,
            title="본예산",
            amounts=[services.VersionAmount(line.id, 100)],
        )
        await services.submit_budget_version(world.session, actor_for(officer), version.id)
        officer.role = Role.APPROVER
        with pytest.raises(ForbiddenError, match="four-eyes"):
            await services.approve_budget_version(
                world.session, actor_for(officer), version.id, council_resolution="x"
            )


class TestTransitions:
    async def test_deciding_twice_is_a_conflict(self, world: FinanceWorld) -> None:
        line = await world.line(budget=1_000, allocated=1_000)
        commitment = await services.request_commitment(
            world.session, world.staff.maker, budget_line_id=line.id, amount=100, description="x"
        )
        await services.decide_commitment(
            world.session, world.staff.approver_actor, commitment.id, approve=True
        )
        with pytest.raises(ConflictError, match="This commitment cannot take this step"):
            await services.decide_commitment(
                world.session, world.staff.approver_actor, commitment.id, approve=False
            )
        assert line.committed_amount == 100

    async def test_submitted_version_cannot_be_submitted_again(self, world: FinanceWorld) -> None:
        year = await world.fiscal_year()
        line = await world.empty_line()
        version = await services.create_budget_version(
            world.session,
            world.staff.maker,
            fiscal_year_id=year.id,
            title="본예산",
            amounts=[services.VersionAmount(line.id, 5)],
        )
        await services.submit_budget_version(world.session, world.staff.maker, version.id)
        with pytest.raises(ConflictError):
            await services.submit_budget_version(world.session, world.staff.maker, version.id)

    async def test_payment_before_approval_is_a_conflict(self, world: FinanceWorld) -> None:
        line = await world.line(budget=1_000, allocated=1_000)
        resolution = await services.request_expenditure_resolution(
            world.session,
            world.staff.maker,
            budget_line_id=line.id,
            amount=10,
            payee_name="p",
            description="d",
        )
        with pytest.raises(ConflictError, match="Only an approved expenditure resolution can be paid"):
            await services.create_payment_order(
                world.session, world.staff.maker, resolution_id=resolution.id, idempotency_key="key-00000001"
            )


class TestBudgetVersions:
    async def test_supplementary_budget_is_a_new_version_and_history_is_kept(
        self, world: FinanceWorld
    ) -> None:
        line = await world.line(budget=1_000, allocated=600)
        await world.approve_budget({line: 1_500})
        versions = (await world.session.scalars(select(BudgetVersion).order_by(BudgetVersion.sequence))).all()
        assert [(v.kind, v.sequence, v.status) for v in versions] == [
            (BudgetVersionKind.ORIGINAL, 0, BudgetVersionStatus.APPROVED),
            (BudgetVersionKind.SUPPLEMENTARY, 1, BudgetVersionStatus.APPROVED),
        ]
        _first, first_lines = await services.get_budget_version(
            world.session, world.staff.maker, versions[0].id
        )
        assert [x.amount for x in first_lines] == [1_000]
        assert line.budget_amount == 1_500

    async def test_submitted_version_waits_in_the_inbox_with_its_total(self, world: FinanceWorld) -> None:
        year = await world.fiscal_year()
        first, second = await world.empty_line(), await world.empty_line()
        version = await services.create_budget_version(
            world.session,
            world.staff.maker,
            fiscal_year_id=year.id,
            title="본예산",
            amounts=[services.VersionAmount(first.id, 300), services.VersionAmount(second.id, 200)],
        )
        assert await services.approver_inbox(world.session, world.staff.approver_actor) == []
        await services.submit_budget_version(world.session, world.staff.maker, version.id)
        inbox = await services.approver_inbox(world.session, world.staff.approver_actor)
        assert [(i.kind, i.id, i.amount, i.summary) for i in inbox] == [
            ("budget_version", version.id, 500, "본예산")
        ]

    async def test_supplementary_budget_cannot_cut_below_the_allocation(self, world: FinanceWorld) -> None:
        line = await world.line(budget=1_000, allocated=600)
        with pytest.raises(ConflictError, match="600 won allocated"):
            await world.approve_budget({line: 599})
        assert line.budget_amount == 1_000


class TestPaymentOrders:
    async def _approved_resolution(
        self, world: FinanceWorld, line: BudgetLine, amount: int
    ) -> ExpenditureResolution:
        commitment = await services.request_commitment(
            world.session, world.staff.maker, budget_line_id=line.id, amount=amount, description="용역"
        )
        await services.decide_commitment(
            world.session, world.staff.approver_actor, commitment.id, approve=True
        )
        resolution = await services.request_expenditure_resolution(
            world.session,
            world.staff.maker,
            commitment_id=commitment.id,
            amount=amount,
            payee_name="한빛상사",
            description="대가",
        )
        return await services.decide_expenditure_resolution(
            world.session, world.staff.approver_actor, resolution.id, approve=True
        )

    async def test_same_key_twice_returns_the_first_order_and_pays_once(self, world: FinanceWorld) -> None:
        line = await world.line(budget=1_000, allocated=1_000, group=ObjectGroup.CAPITAL)
        resolution = await self._approved_resolution(world, line, 700)
        first, created = await services.create_payment_order(
            world.session, world.staff.maker, resolution_id=resolution.id, idempotency_key="retry-key-1"
        )
        again, created_again = await services.create_payment_order(
            world.session, world.staff.maker, resolution_id=resolution.id, idempotency_key="retry-key-1"
        )
        assert (created, created_again) == (True, False)
        assert again.id == first.id
        await services.decide_payment_order(world.session, world.staff.approver_actor, first.id, approve=True)
        paid = await services.record_payment(world.session, world.staff.officer_actor, first.id)
        assert paid.status is PaymentOrderStatus.PAID
        replay, created_replay = await services.create_payment_order(
            world.session, world.staff.maker, resolution_id=resolution.id, idempotency_key="retry-key-1"
        )
        assert (replay.id, created_replay) == (first.id, False)
        with pytest.raises(ConflictError):
            await services.record_payment(world.session, world.staff.officer_actor, first.id)
        with pytest.raises(ConflictError, match="exists already"):
            await services.create_payment_order(
                world.session, world.staff.maker, resolution_id=resolution.id, idempotency_key="another-key"
            )
        assert line.paid_amount == 700

    async def test_key_reused_for_another_resolution_is_a_conflict(self, world: FinanceWorld) -> None:
        line = await world.line(budget=1_000, allocated=1_000)
        first = await self._approved_resolution(world, line, 100)
        second = await self._approved_resolution(world, line, 200)
        await services.create_payment_order(
            world.session, world.staff.maker, resolution_id=first.id, idempotency_key="shared-key"
        )
        with pytest.raises(ConflictError, match="another expenditure resolution"):
            await services.create_payment_order(
                world.session, world.staff.maker, resolution_id=second.id, idempotency_key="shared-key"
            )

    async def test_resolution_and_payment_post_balanced_accrual_entries(self, world: FinanceWorld) -> None:
        line = await world.line(budget=1_000, allocated=1_000, group=ObjectGroup.CAPITAL)
        resolution = await self._approved_resolution(world, line, 700)
        order, _ = await services.create_payment_order(
            world.session, world.staff.maker, resolution_id=resolution.id, idempotency_key="post-key-1"
        )
        await services.decide_payment_order(world.session, world.staff.approver_actor, order.id, approve=True)
        await services.record_payment(world.session, world.staff.officer_actor, order.id)
        entries, total = await services.list_journal_entries(
            world.session, world.staff.maker, limit=10, offset=0
        )
        assert total == 2
        sides = {
            entry.source_type: {(x.account, x.debit, x.credit) for x in lines} for entry, lines in entries
        }
        assert sides == {
            "expenditure_resolution": {(LedgerAccount.FIXED_ASSETS, 700, 0), (LedgerAccount.PAYABLE, 0, 700)},
            "payment_order": {(LedgerAccount.PAYABLE, 700, 0), (LedgerAccount.CASH, 0, 700)},
        }
        assert all(entry.fiscal_year == 2026 for entry, _ in entries)

    async def test_unbalanced_posting_is_refused(self, world: FinanceWorld) -> None:
        with pytest.raises(services.UnbalancedJournalError):
            await services.post_journal_entry(
                world.session,
                world.staff.maker,
                government_code="11110",
                fiscal_year=2026,
                description="broken",
                source_type="test",
                source_id=world.staff.official.user.id,
                postings=[
                    services.Posting(LedgerAccount.CASH, debit=10),
                    services.Posting(LedgerAccount.PAYABLE, credit=9),
                ],
            )
        assert await world.session.scalar(select(func.count()).select_from(JournalEntry)) == 0


class TestTenancy:
    async def test_another_government_cannot_see_or_change_drafts(
        self, world: FinanceWorld, session: AsyncSession, accounts: Accounts
    ) -> None:
        line = await world.line(budget=1_000, allocated=1_000)
        commitment = await services.request_commitment(
            session, world.staff.maker, budget_line_id=line.id, amount=10, description="draft"
        )
        year = await world.fiscal_year()
        draft = await services.create_budget_version(
            session,
            world.staff.maker,
            fiscal_year_id=year.id,
            title="추경 초안",
            amounts=[services.VersionAmount(line.id, 2_000)],
        )
        suwon: Staff = await make_staff(accounts, "41110")
        with pytest.raises(NotFoundError):
            await services.get_budget_version(session, suwon.maker, draft.id)
        with pytest.raises(NotFoundError):
            await services.submit_budget_version(session, suwon.maker, draft.id)
        with pytest.raises(NotFoundError):
            await services.get_commitment(session, suwon.maker, commitment.id)
        with pytest.raises(NotFoundError):
            await services.decide_commitment(session, suwon.approver_actor, commitment.id, approve=True)
        with pytest.raises(NotFoundError):
            await services.request_commitment(
                session, suwon.maker, budget_line_id=line.id, amount=1, description="x"
            )
        lines, total = await services.list_budget_lines(session, suwon.maker, limit=50, offset=0)
        assert (lines, total) == ([], 0)
        assert await services.approver_inbox(session, suwon.approver_actor) == []
        assert {i.id for i in await services.approver_inbox(session, world.staff.approver_actor)} == {
            commitment.id
        }
        assert commitment.status is ApprovalStatus.REQUESTED


class TestAudit:
    async def test_each_state_change_is_recorded(self, world: FinanceWorld) -> None:
        line = await world.line(budget=1_000, allocated=1_000)
        commitment = await services.request_commitment(
            world.session, world.staff.maker, budget_line_id=line.id, amount=300, description="x"
        )
        await services.decide_commitment(
            world.session, world.staff.approver_actor, commitment.id, approve=True
        )
        events = (
            await world.session.scalars(
                select(AuditEvent).where(AuditEvent.target_id == str(commitment.id)).order_by(AuditEvent.seq)
            )
        ).all()
        assert [e.action for e in events] == ["finance.commitment.request", "finance.commitment.approved"]
        assert events[0].after["line"]["committed"] == 300
        assert events[1].before == {"status": "requested", "amount": 300}
        assert events[1].actor_username == world.staff.approver.user.username
