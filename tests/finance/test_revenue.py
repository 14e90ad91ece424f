"""Revenue: assessment → collection resolution → receipt, reductions, refunds, receivables, settlement.

Access first (anonymous, wrong role, other government), then the ledger, over-collection,
idempotent receipts, four-eyes refunds, illegal transitions, and the receivable and settlement figures.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from argon2 import PasswordHasher
from litestar import Litestar
from litestar.testing import AsyncTestClient
from prometheus_client import REGISTRY
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.finance import services as finance_services
from app.finance.models import ApprovalStatus, FundKind, JournalEntry, JournalLine, LedgerAccount
from app.finance.revenue import services
from app.finance.revenue.demo import ASSESSMENTS, seed_demo_revenue
from app.finance.revenue.models import (
    Assessment,
    AssessmentStatus,
    PayerKind,
    ReceiptChannel,
    Refund,
    RefundKind,
    RevenueItem,
    RevenueKind,
)
from app.platform.auth import services as auth_services
from app.platform.auth.models import Role
from app.platform.auth.services import actor_for
from app.platform.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from tests.conftest import Accounts
from tests.finance.conftest import FISCAL_YEAR, FinanceWorld, Staff, make_staff
from tests.finance.test_pages import _csrf, _sign_in

Client = AsyncTestClient[Litestar]
PERSON = "900101-1234567"
OTHER_PERSON = "850505-2345678"
THIRD_PERSON = "770707-1111111"
BUSINESS = "220-81-62517"


class RevenueWorld:
    """Revenue items and assessments of one government, made through the services."""

    def __init__(self, world: FinanceWorld) -> None:
        self.world = world
        self.session = world.session
        self.staff = world.staff
        self._account_id: Any = None
        self._references = 0

    async def item(
        self, kind: RevenueKind = RevenueKind.LOCAL_TAX, code: str = "110-01", budget: int = 1_000_000
    ) -> RevenueItem:
        year = await self.world.fiscal_year()
        if self._account_id is None:
            account = await finance_services.create_account(
                self.session, self.staff.officer_actor, code="100", name="일반회계", kind=FundKind.GENERAL
            )
            self._account_id = account.id
        return await services.create_revenue_item(
            self.session,
            self.staff.officer_actor,
            fiscal_year_id=year.id,
            account_id=self._account_id,
            kind=kind,
            code=code,
            name=f"세입 {code}",
            budget_amount=budget,
        )

    async def assessment(
        self,
        item: RevenueItem,
        amount: int,
        *,
        due_date: date = date(FISCAL_YEAR, 3, 31),
        payer: str = "홍길동",
        number: str = PERSON,
        resolve: bool = True,
    ) -> Assessment:
        assessment = await services.create_assessment(
            self.session,
            self.staff.maker,
            item_id=item.id,
            payer_kind=PayerKind.BUSINESS if len(number.replace("-", "")) == 10 else PayerKind.PERSON,
            payer_name=payer,
            payer_number=number,
            description="부과",
            amount=amount,
            assessed_on=min(date(FISCAL_YEAR, 1, 1), due_date),
            due_date=due_date,
        )
        if resolve:
            await services.resolve_collection(self.session, self.staff.officer_actor, assessment.id)
        return assessment

    async def refund(self, assessment: Assessment, kind: RefundKind, amount: int, reason: str) -> Refund:
        return await services.request_refund(
            self.session,
            self.staff.maker,
            assessment_id=assessment.id,
            kind=kind,
            amount=amount,
            reason=reason,
        )

    async def receive(self, assessment: Assessment, amount: int, reference: str | None = None) -> Any:
        if reference is None:
            self._references += 1
            reference = f"BANK-{self._references:06d}"
        receipt, _created = await services.record_receipt(
            self.session,
            self.staff.officer_actor,
            assessment_id=assessment.id,
            amount=amount,
            received_on=date(FISCAL_YEAR, 3, 1),
            channel=ReceiptChannel.VIRTUAL_ACCOUNT,
            reference=reference,
        )
        return receipt


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Accounts made here are hashed with argon2's lightest parameters: these tests are about revenue,
    and four staff accounts per test at the production cost would be most of their run time."""
    monkeypatch.setattr(
        auth_services, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def revenue(world: FinanceWorld) -> RevenueWorld:
    """Revenue of 종로구."""
    return RevenueWorld(world)


async def _ok(response: Any, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def _collected_metric() -> float:
    """Won collected so far by autonomous districts (종로구's kind), as /metrics reports it."""
    labels = {"government_kind": "autonomous_district"}
    return REGISTRY.get_sample_value("lofin_revenue_collected_won_total", labels) or 0.0


async def _balances(session: AsyncSession, government_code: str = "11110") -> dict[LedgerAccount, int]:
    """Debit balance per account (negative: credit balance) of the government's year."""
    rows = await session.execute(
        select(JournalLine.account, func.sum(JournalLine.debit) - func.sum(JournalLine.credit))
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(JournalEntry.government_code == government_code, JournalEntry.fiscal_year == FISCAL_YEAR)
        .group_by(JournalLine.account)
    )
    return {LedgerAccount(account): int(balance) for account, balance in rows}


class TestAccess:
    async def test_anonymous_residents_and_auditors_are_kept_out(
        self, client: Client, accounts: Accounts, revenue: RevenueWorld
    ) -> None:
        item = await revenue.item()
        assert (await client.get("/api/finance/revenue/items")).status_code == 401
        resident = await accounts.make(Role.RESIDENT, None)
        assert (await client.get("/api/finance/revenue/items", headers=resident.headers)).status_code == 403
        auditor = await accounts.make(Role.AUDITOR, "11110")
        listed = await _ok(await client.get("/api/finance/revenue/items", headers=auditor.headers), 200)
        assert [x["code"] for x in listed["items"]] == ["110-01"]
        refused = await client.post(
            "/api/finance/revenue/assessments",
            headers=auditor.headers,
            json={
                "item_id": str(item.id),
                "payer_kind": "person",
                "payer_name": "홍길동",
                "payer_number": PERSON,
                "description": "x",
                "amount": 1000,
                "assessed_on": "2026-01-02",
                "due_date": "2026-01-31",
            },
        )
        assert refused.status_code == 403

    async def test_another_government_gets_404_and_empty_lists(
        self, client: Client, accounts: Accounts, revenue: RevenueWorld
    ) -> None:
        item = await revenue.item()
        assessment = await revenue.assessment(item, 10_000)
        suwon: Staff = await make_staff(accounts, "41110")
        with pytest.raises(NotFoundError):
            await services.get_assessment(revenue.session, suwon.maker, assessment.id)
        with pytest.raises(NotFoundError):
            await services.record_receipt(
                revenue.session,
                suwon.officer_actor,
                assessment_id=assessment.id,
                amount=10_000,
                received_on=date(FISCAL_YEAR, 3, 1),
                channel=ReceiptChannel.GIRO,
                reference="SUWON-1",
            )
        with pytest.raises(NotFoundError, match="fiscal year"):
            await services.create_revenue_item(
                revenue.session,
                suwon.officer_actor,
                fiscal_year_id=item.fiscal_year_id,
                account_id=item.account_id,
                kind=RevenueKind.NON_TAX,
                code="999-01",
                name="남의 세입",
                budget_amount=0,
            )
        headers = suwon.official.headers
        path = f"/api/finance/revenue/assessments/{assessment.id}"
        assert (await client.get(path, headers=headers)).status_code == 404
        assert (await client.get(f"/api/finance/revenue/items/{item.id}", headers=headers)).status_code == 404
        listed = await _ok(await client.get("/api/finance/revenue/assessments", headers=headers), 200)
        assert listed["total"] == 0
        settlement = await _ok(
            await client.get(f"/api/finance/revenue/settlement?fiscal_year={FISCAL_YEAR}", headers=headers),
            200,
        )
        assert settlement["rows"] == []
        refused = await client.get(
            f"/api/finance/revenue/settlement?fiscal_year={FISCAL_YEAR}&government_code=11110",
            headers=headers,
        )
        assert refused.status_code == 404

    async def test_a_persons_number_is_never_stored_in_clear(self, revenue: RevenueWorld) -> None:
        item = await revenue.item()
        person = await revenue.assessment(item, 1_000, number=PERSON)
        business = await revenue.assessment(item, 1_000, payer="한빛상사", number=BUSINESS)
        assert (person.payer_number_masked, person.business_number) == ("900101-1******", None)
        assert "1234567" not in person.payer_key
        assert (business.payer_number_masked, business.business_number) == ("220-81-*****", "2208162517")
        with pytest.raises(InvalidInputError, match="check digit"):
            await revenue.assessment(item, 1_000, number="220-81-62518")
        with pytest.raises(InvalidInputError, match="date of birth"):
            await revenue.assessment(item, 1_000, number="901301-1234567")


class TestLedger:
    async def test_every_event_posts_a_balanced_entry_and_the_ledger_matches_the_totals(
        self, revenue: RevenueWorld
    ) -> None:
        tax = await revenue.item(RevenueKind.LOCAL_TAX, "110-01")
        fee = await revenue.item(RevenueKind.NON_TAX, "220-01")
        grant = await revenue.item(RevenueKind.SHARED_TAX, "310-01")
        property_tax = await revenue.assessment(tax, 100_000)
        await revenue.receive(property_tax, 30_000)
        await revenue.receive(property_tax, 90_000)  # 20,000 more than was still due
        permit = await revenue.assessment(fee, 50_000)
        await services.reduce_assessment(
            revenue.session, revenue.staff.maker, permit.id, amount=10_000, reason="면적 정정"
        )
        await revenue.assessment(grant, 700_000)
        refund = await revenue.refund(property_tax, RefundKind.OVERPAYMENT, 20_000, "이중 납부")
        await services.decide_refund(revenue.session, revenue.staff.approver_actor, refund.id, approve=True)

        unbalanced = await revenue.session.execute(
            select(JournalLine.entry_id)
            .group_by(JournalLine.entry_id)
            .having(func.sum(JournalLine.debit) != func.sum(JournalLine.credit))
        )
        assert unbalanced.all() == []
        assert await _balances(revenue.session) == {
            LedgerAccount.CASH: 100_000,  # 120,000 received − 20,000 refunded
            LedgerAccount.TAX_RECEIVABLE: 0,
            LedgerAccount.NONTAX_RECEIVABLE: 40_000 + 700_000,
            LedgerAccount.DEPOSITS_RECEIVED: 0,  # the overpayment came in and went out again
            LedgerAccount.TAX_REVENUE: -100_000,
            LedgerAccount.NONTAX_REVENUE: -40_000,
            LedgerAccount.TRANSFER_REVENUE: -700_000,
        }

    async def test_a_local_bond_is_a_borrowing_not_revenue(self, revenue: RevenueWorld) -> None:
        bond = await revenue.item(RevenueKind.LOCAL_BOND, "610-01")
        await revenue.assessment(bond, 5_000_000, payer="지방채 인수 금융기관", number=BUSINESS)
        balances = await _balances(revenue.session)
        assert balances[LedgerAccount.BORROWINGS] == -5_000_000
        assert LedgerAccount.OTHER_REVENUE not in balances


class TestOverCollection:
    async def test_a_receipt_beyond_what_is_due_goes_to_deposits_received(
        self, revenue: RevenueWorld
    ) -> None:
        item = await revenue.item()
        assessment = await revenue.assessment(item, 100_000)
        first = await revenue.receive(assessment, 60_000)
        assert assessment.status is AssessmentStatus.PARTIALLY_PAID
        second = await revenue.receive(assessment, 60_000)
        third = await revenue.receive(assessment, 5_000)  # paid twice: all of it is overpaid
        assert (first.applied_amount, first.overpaid_amount) == (60_000, 0)
        assert (second.applied_amount, second.overpaid_amount) == (40_000, 20_000)
        assert (third.applied_amount, third.overpaid_amount) == (0, 5_000)
        assert (assessment.status, assessment.collected_amount, assessment.overpaid_amount) == (
            AssessmentStatus.PAID,
            100_000,
            25_000,
        )
        assert (await _balances(revenue.session))[LedgerAccount.DEPOSITS_RECEIVED] == -25_000

    async def test_the_database_refuses_more_collected_than_assessed(self, revenue: RevenueWorld) -> None:
        item = await revenue.item()
        assessment = await revenue.assessment(item, 100_000)
        with pytest.raises(IntegrityError):
            async with revenue.session.begin_nested():
                await revenue.session.execute(
                    update(Assessment).where(Assessment.id == assessment.id).values(collected_amount=100_001)
                )

    async def test_refunds_never_exceed_what_was_overpaid(self, revenue: RevenueWorld) -> None:
        item = await revenue.item()
        assessment = await revenue.assessment(item, 100_000)
        await revenue.receive(assessment, 110_000)
        await revenue.refund(assessment, RefundKind.OVERPAYMENT, 6_000, "과납")
        with pytest.raises(InvalidInputError, match="4,000 won is overpaid"):
            await revenue.refund(assessment, RefundKind.OVERPAYMENT, 5_000, "과납")
        with pytest.raises(InvalidInputError, match="0 won is collected beyond"):
            await revenue.refund(assessment, RefundKind.ERRONEOUS_ASSESSMENT, 1, "오납")


class TestIdempotentReceipts:
    async def test_the_same_bank_reference_twice_posts_once(
        self, client: Client, revenue: RevenueWorld
    ) -> None:
        item = await revenue.item()
        assessment = await revenue.assessment(item, 100_000)
        body = {
            "assessment_id": str(assessment.id),
            "amount": 100_000,
            "received_on": "2026-03-02",
            "channel": "virtual_account",
            "reference": "KB-20260302-000123",
        }
        headers = revenue.staff.officer.headers
        collected_before = _collected_metric()
        first = await _ok(await client.post("/api/finance/revenue/receipts", headers=headers, json=body), 201)
        again = await _ok(await client.post("/api/finance/revenue/receipts", headers=headers, json=body), 200)
        assert again["id"] == first["id"]
        assert _collected_metric() - collected_before == 100_000
        metrics = (await client.get("/metrics")).text
        assert 'lofin_revenue_collected_won_total{government_kind="autonomous_district"}' in metrics
        entries = await revenue.session.scalar(
            select(func.count())
            .select_from(JournalEntry)
            .where(JournalEntry.source_type == "revenue_receipt")
        )
        assert entries == 1
        detail = await _ok(
            await client.get(f"/api/finance/revenue/assessments/{assessment.id}", headers=headers), 200
        )
        assert detail["assessment"]["collected_amount"] == 100_000
        assert detail["assessment"]["overpaid_amount"] == 0
        assert len(detail["receipts"]) == 1
        by_header = {k: v for k, v in body.items() if k != "reference"}
        keyed = {**headers, "Idempotency-Key": body["reference"]}
        third = await _ok(
            await client.post("/api/finance/revenue/receipts", headers=keyed, json=by_header), 200
        )
        assert third["id"] == first["id"]
        differing = await client.post(
            "/api/finance/revenue/receipts", headers={**headers, "Idempotency-Key": "KB-OTHER"}, json=body
        )
        assert differing.status_code == 422
        unnamed = await client.post("/api/finance/revenue/receipts", headers=headers, json=by_header)
        assert unnamed.status_code == 422
        other = await client.post(
            "/api/finance/revenue/receipts", headers=headers, json={**body, "amount": 99_000}
        )
        assert other.status_code == 409
        assert other.json()["receipt_id"] == first["id"]


class TestRefunds:
    async def test_the_requester_can_never_approve_their_own_refund(self, revenue: RevenueWorld) -> None:
        item = await revenue.item()
        assessment = await revenue.assessment(item, 10_000)
        await revenue.receive(assessment, 15_000)
        refund = await revenue.refund(assessment, RefundKind.OVERPAYMENT, 5_000, "과납")
        official = revenue.staff.official.user
        official.role = Role.APPROVER
        with pytest.raises(ForbiddenError, match="four-eyes"):
            await services.decide_refund(revenue.session, actor_for(official), refund.id, approve=True)
        approved = await services.decide_refund(
            revenue.session, revenue.staff.approver_actor, refund.id, approve=True
        )
        assert (approved.status, approved.decided_by) == (
            ApprovalStatus.APPROVED,
            revenue.staff.approver.user.id,
        )
        assert assessment.refunded_overpaid_amount == 5_000

    async def test_an_erroneous_assessment_refund_gives_back_revenue(self, revenue: RevenueWorld) -> None:
        item = await revenue.item()
        assessment = await revenue.assessment(item, 100_000)
        await revenue.receive(assessment, 100_000)
        await services.reduce_assessment(
            revenue.session, revenue.staff.maker, assessment.id, amount=30_000, reason="과세표준 오류"
        )
        assert (assessment.status, assessment.erroneous_amount, assessment.outstanding_amount) == (
            AssessmentStatus.PAID,
            30_000,
            0,
        )
        refund = await revenue.refund(
            assessment, RefundKind.ERRONEOUS_ASSESSMENT, 30_000, "과세표준 오류 환급"
        )
        await services.decide_refund(revenue.session, revenue.staff.approver_actor, refund.id, approve=True)
        balances = await _balances(revenue.session)
        assert (balances[LedgerAccount.CASH], balances[LedgerAccount.TAX_REVENUE]) == (70_000, -70_000)
        settlement = await services.revenue_settlement(revenue.session, revenue.staff.maker, FISCAL_YEAR)
        assert (settlement.total.assessed, settlement.total.collected, settlement.total.refunded) == (
            70_000,
            70_000,
            30_000,
        )


class TestTransitions:
    async def test_illegal_transitions_are_409(self, client: Client, revenue: RevenueWorld) -> None:
        item = await revenue.item()
        assessment = await revenue.assessment(item, 10_000, resolve=False)
        officer, maker = revenue.staff.officer.headers, revenue.staff.official.headers
        receipt = {
            "assessment_id": str(assessment.id),
            "amount": 1_000,
            "received_on": "2026-03-02",
            "channel": "giro",
            "reference": "GIRO-1",
        }
        base = f"/api/finance/revenue/assessments/{assessment.id}"
        before_resolution = await client.post("/api/finance/revenue/receipts", headers=officer, json=receipt)
        assert before_resolution.status_code == 409
        await _ok(await client.post(f"{base}/resolve", headers=officer), 200)
        twice = await client.post(f"{base}/resolve", headers=officer)
        assert twice.status_code == 409
        assert twice.json()["current_status"] == "resolved"
        cancelled = await _ok(
            await client.post(f"{base}/cancel", headers=maker, json={"reason": "중복 부과"}), 200
        )
        assert (cancelled["status"], cancelled["outstanding"]) == ("cancelled", 0)
        assert (await client.post(f"{base}/cancel", headers=maker, json={"reason": "x"})).status_code == 409
        reduce = await client.post(f"{base}/reduce", headers=maker, json={"amount": 1, "reason": "x"})
        assert reduce.status_code == 409
        after_cancel = await client.post("/api/finance/revenue/receipts", headers=officer, json=receipt)
        assert after_cancel.status_code == 409
        assert (await _balances(revenue.session)).get(LedgerAccount.TAX_RECEIVABLE, 0) == 0

    async def test_a_decided_refund_cannot_be_decided_again(self, revenue: RevenueWorld) -> None:
        item = await revenue.item()
        assessment = await revenue.assessment(item, 10_000)
        await revenue.receive(assessment, 12_000)
        refund = await revenue.refund(assessment, RefundKind.OVERPAYMENT, 2_000, "과납")
        await services.decide_refund(revenue.session, revenue.staff.approver_actor, refund.id, approve=False)
        with pytest.raises(ConflictError):
            await services.decide_refund(
                revenue.session, revenue.staff.approver_actor, refund.id, approve=True
            )

    async def test_a_closed_year_takes_no_new_assessments(self, revenue: RevenueWorld) -> None:
        item = await revenue.item()
        await finance_services.close_fiscal_year(
            revenue.session, revenue.staff.approver_actor, item.fiscal_year_id
        )
        with pytest.raises(ConflictError, match="closed"):
            await revenue.assessment(item, 1_000)

    async def test_a_reduction_must_leave_something_due(self, revenue: RevenueWorld) -> None:
        item = await revenue.item()
        assessment = await revenue.assessment(item, 10_000)
        with pytest.raises(InvalidInputError, match="cancel"):
            await services.reduce_assessment(
                revenue.session, revenue.staff.maker, assessment.id, amount=10_000, reason="x"
            )


class TestReceivables:
    async def test_ageing_buckets_by_item_and_by_payer(self, client: Client, revenue: RevenueWorld) -> None:
        tax = await revenue.item(RevenueKind.LOCAL_TAX, "110-01")
        fee = await revenue.item(RevenueKind.NON_TAX, "220-01")
        await revenue.assessment(tax, 10_000, due_date=date(2026, 7, 15), payer="김납세")  # not due yet
        await revenue.assessment(tax, 20_000, due_date=date(2026, 6, 20), payer="김납세")  # 10 days
        partly = await revenue.assessment(
            fee, 30_000, due_date=date(2026, 5, 1), payer="이체납", number=BUSINESS
        )
        await revenue.receive(partly, 5_000)  # 25,000 left, 60 days overdue
        await revenue.assessment(fee, 40_000, due_date=date(2026, 1, 1), payer="박연체", number=OTHER_PERSON)
        await revenue.assessment(tax, 50_000, due_date=date(2026, 6, 29), payer="최부분", number=THIRD_PERSON)
        paid = await revenue.assessment(
            tax, 60_000, due_date=date(2026, 6, 1), payer="최부분", number=THIRD_PERSON
        )
        await revenue.receive(paid, 60_000)
        cancelled = await revenue.assessment(fee, 70_000, due_date=date(2026, 2, 1), payer="정취소")
        await services.cancel_assessment(revenue.session, revenue.staff.maker, cancelled.id, reason="착오")

        rows, total = await services.receivables(
            revenue.session, revenue.staff.maker, fiscal_year=FISCAL_YEAR, as_of=date(2026, 6, 30)
        )
        assert total == 2
        by_code = {r.detail: r for r in rows}
        assert by_code["110-01"].buckets == {
            "not_due": 10_000,
            "days_1_30": 20_000 + 50_000,
            "days_31_90": 0,
            "days_91_365": 0,
            "over_365": 0,
        }
        assert (by_code["110-01"].total, by_code["110-01"].overdue, by_code["110-01"].assessments) == (
            80_000,
            70_000,
            3,
        )
        assert by_code["220-01"].buckets == {
            "not_due": 0,
            "days_1_30": 0,
            "days_31_90": 25_000,
            "days_91_365": 40_000,
            "over_365": 0,
        }
        # A year and a day later the oldest is over a year overdue.
        later, _ = await services.receivables(
            revenue.session, revenue.staff.maker, fiscal_year=FISCAL_YEAR, as_of=date(2027, 1, 2)
        )
        assert {r.detail: r.buckets["over_365"] for r in later} == {"110-01": 0, "220-01": 40_000}

        body = await _ok(
            await client.get(
                f"/api/finance/revenue/receivables?fiscal_year={FISCAL_YEAR}&as_of=2026-06-30&by=payer",
                headers=revenue.staff.official.headers,
            ),
            200,
        )
        payers = [(r["label"], r["detail"], r["total"], r["assessments"]) for r in body["rows"]]
        assert payers == [  # largest first; the paid and the cancelled assessments are not receivables
            ("최부분", "770707-1******", 50_000, 1),
            ("박연체", "850505-2******", 40_000, 1),
            ("김납세", "900101-1******", 30_000, 2),
            ("이체납", "220-81-*****", 25_000, 1),
        ]

    async def test_settlement_and_its_csv(self, client: Client, revenue: RevenueWorld) -> None:
        tax = await revenue.item(RevenueKind.LOCAL_TAX, "110-01", budget=200_000)
        await revenue.item(RevenueKind.SUBSIDY, "410-01", budget=50_000)
        first = await revenue.assessment(tax, 100_000)
        await revenue.receive(first, 80_000)
        await revenue.assessment(tax, 60_000)
        settlement = await services.revenue_settlement(revenue.session, revenue.staff.maker, FISCAL_YEAR)
        rows = {r.code: r for r in settlement.rows}
        assert (rows["110-01"].assessed, rows["110-01"].collected, rows["110-01"].receivable) == (
            160_000,
            80_000,
            80_000,
        )
        assert (rows["110-01"].collection_rate, rows["110-01"].budget_rate) == (50.0, 40.0)
        assert (rows["410-01"].assessed, rows["410-01"].collection_rate) == (0, None)
        assert settlement.total.budget == 250_000

        await _sign_in(client, revenue.staff.official.user.username)
        response = await client.get(f"/finance/revenue/settlement.csv?fiscal_year={FISCAL_YEAR}")
        assert response.status_code == 200, response.text
        assert response.content.startswith("\ufeff".encode())
        table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert table[1][:2] == ["110-01", "세입 110-01"]
        assert table[1][3:8] == ["200000", "160000", "80000", "0", "80000"]
        assert table[-1][3] == "250000"


class TestPages:
    async def test_the_assessment_form_explains_each_mistake_in_korean(
        self, client: Client, revenue: RevenueWorld
    ) -> None:
        item = await revenue.item()
        await _sign_in(client, revenue.staff.official.user.username)
        form = await client.get("/finance/revenue/assessments/new")
        assert form.status_code == 200
        assert '<label for="assessment-payer_number">주민등록번호 또는 사업자등록번호</label>' in form.text
        refused = await client.post(
            "/finance/revenue/assessments",
            data={
                "item_id": str(item.id),
                "payer_kind": "person",
                "payer_name": "",
                "payer_number": "900101-12345",
                "description": "재산세",
                "amount": "-5",
                "assessed_on": "2026-03-02",
                "due_date": "2026-02-30",
                "_csrf_token": _csrf(form.text),
            },
        )
        assert refused.status_code == 422
        page = refused.text
        assert "이 항목을 입력하세요." in page
        assert "금액을 0보다 큰 원 단위 숫자로만 입력하세요." in page
        assert "날짜를 YYYY-MM-DD 형식으로 입력" in page
        assert "주민등록번호(13자리)" in page
        assert page.count('aria-invalid="true"') == 4
        assert "900101-12345" not in page  # a registration number is never echoed back
        assert 'value="재산세"' in page
        assert await revenue.session.scalar(select(func.count()).select_from(Assessment)) == 0

    async def test_assess_resolve_receive_then_read_the_receivables(
        self, client: Client, revenue: RevenueWorld
    ) -> None:
        item = await revenue.item(RevenueKind.NON_TAX, "220-01")
        await _sign_in(client, revenue.staff.official.user.username)
        form = await client.get("/finance/revenue/assessments/new")
        created = await client.post(
            "/finance/revenue/assessments",
            data={
                "item_id": str(item.id),
                "payer_kind": "business",
                "payer_name": "한빛상사",
                "payer_number": BUSINESS,
                "description": "도로점용료",
                "amount": "1,200,000",
                "assessed_on": "2026-01-05",
                "due_date": "2026-01-31",
                "_csrf_token": _csrf(form.text),
            },
            follow_redirects=False,
        )
        assert created.status_code == 303, created.text
        detail_path = created.headers["location"].split("?")[0]

        await _sign_in(client, revenue.staff.officer.user.username)
        detail = await client.get(detail_path)
        assert "징수결의" in detail.text
        resolved = await client.post(
            f"{detail_path}/resolve", data={"_csrf_token": _csrf(detail.text)}, follow_redirects=False
        )
        assert resolved.status_code == 303
        detail = await client.get(detail_path)
        received = await client.post(
            f"{detail_path}/receive",
            data={
                "amount": "200000",
                "received_on": "2026-01-20",
                "channel": "giro",
                "reference": "GIRO-2026-0001",
                "_csrf_token": _csrf(detail.text),
            },
            follow_redirects=False,
        )
        assert received.status_code == 303, received.text
        detail = await client.get(detail_path)
        assert "GIRO-2026-0001" in detail.text
        assert "일부 수납" in detail.text

        receivables = await client.get(
            f"/finance/revenue/receivables?fiscal_year={FISCAL_YEAR}&as_of=2026-03-02"
        )
        row = next(line for line in receivables.text.split("<tr>") if "220-01" in line)
        assert "1,000,000" in row  # outstanding, 31–90 days overdue
        english = await client.get(f"/finance/revenue/receivables?fiscal_year={FISCAL_YEAR}&lang=en")
        assert "Total outstanding" in english.text
        listing = await client.get("/finance/revenue/assessments?payer=한빛")
        assert "220-81-*****" in listing.text
        assert "2208162517" not in listing.text

    async def test_a_refund_is_requested_and_decided_on_the_assessments_page(
        self, client: Client, revenue: RevenueWorld
    ) -> None:
        item = await revenue.item()
        assessment = await revenue.assessment(item, 40_000)
        await revenue.receive(assessment, 80_000)
        path = f"/finance/revenue/assessments/{assessment.id}"
        await _sign_in(client, revenue.staff.official.user.username)
        page = await client.get(path)
        assert "과납액(미환급)" in page.text
        requested = await client.post(
            f"{path}/refund",
            data={
                "kind": "overpayment",
                "amount": "40000",
                "reason": "같은 고지서를 두 번 납부",
                "_csrf_token": _csrf(page.text),
            },
            follow_redirects=False,
        )
        assert requested.status_code == 303, requested.text
        refund_id = (
            (await services.get_assessment(revenue.session, revenue.staff.maker, assessment.id)).refunds[0].id
        )
        await _sign_in(client, revenue.staff.approver.user.username)
        pending = await client.get("/finance/revenue/refunds")
        row = next(line for line in pending.text.split("<tr>") if "같은 고지서를 두 번 납부" in line)
        assert "홍길동" in row and "40,000" in row and "과납" in row
        page = await client.get(path)
        token = _csrf(page.text)
        unknown = await client.post(
            f"/finance/revenue/refunds/{refund_id}/maybe", data={"_csrf_token": token}
        )
        assert unknown.status_code == 404
        approved = await client.post(
            f"/finance/revenue/refunds/{refund_id}/approve",
            data={"_csrf_token": token},
            follow_redirects=False,
        )
        assert approved.status_code == 303, approved.text
        again = await client.post(
            f"/finance/revenue/refunds/{refund_id}/approve", data={"_csrf_token": token}
        )
        assert again.status_code == 422  # the page again, with the refusal above it
        assert "요청을 처리할 수 없습니다" in again.text
        assert (await _balances(revenue.session))[LedgerAccount.DEPOSITS_RECEIVED] == 0


class TestDemo:
    async def test_jongnos_demo_revenue_is_seeded_once(
        self, session: AsyncSession, accounts: Accounts
    ) -> None:
        await accounts.make(Role.OFFICIAL, "11110", username="official.jongno")
        officer = actor_for(
            (await accounts.make(Role.FINANCE_OFFICER, "11110", username="finance.jongno")).user
        )
        await finance_services.create_fiscal_year(session, officer, year=FISCAL_YEAR)
        await finance_services.create_account(
            session, officer, code="100", name="일반회계", kind=FundKind.GENERAL
        )
        assert await seed_demo_revenue(session) == len(ASSESSMENTS)
        assert await seed_demo_revenue(session) == 0
        settlement = await services.revenue_settlement(session, officer, FISCAL_YEAR)
        rows = {r.name: r for r in settlement.rows}
        assert (rows["재산세"].assessed, rows["재산세"].collected) == (17_600_000, 13_500_000)
        assert rows["도로점용료"].assessed == 4_200_000
        pending, _ = await services.list_refunds(
            session, officer, status=ApprovalStatus.REQUESTED, limit=10, offset=0
        )
        assert [(r.amount, a.payer_name) for r, a in pending] == [(40_000, "최주차")]
