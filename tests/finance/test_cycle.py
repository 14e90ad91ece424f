"""The budget cycle after approval: transfers (전용/이용), carry-over (이월), settlement (결산), dashboard.

Service rules first (who may, four-eyes, refusals, 409s, tenancy), then the JSON API and the pages.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from argon2 import PasswordHasher
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.finance import services
from app.finance.cycle import services as cycle
from app.finance.cycle.controllers import settlement_csv_rows
from app.finance.cycle.models import CarryOverKind, TransferKind
from app.finance.models import (
    ApprovalStatus,
    BudgetLine,
    FiscalYear,
    FiscalYearStatus,
    ObjectGroup,
    Programme,
    ProgrammeLevel,
)
from app.platform.audit import AuditEvent
from app.platform.auth import services as auth_services
from app.platform.auth.models import Role
from app.platform.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from tests.conftest import TEST_PASSWORD, Accounts
from tests.finance.conftest import FISCAL_YEAR, FinanceWorld, Staff, make_staff

Client = AsyncTestClient[Litestar]


class CycleWorld(FinanceWorld):
    """FinanceWorld plus lines of a second policy project (for 이용) under the same sector."""

    async def other_policy_line(self, *, budget: int, allocated: int) -> BudgetLine:
        detail = await self.detail_programme()
        year = await self.fiscal_year()
        officer = self.staff.officer_actor
        unit = await self.session.get(Programme, detail.parent_id)
        assert unit is not None
        policy = await self.session.get(Programme, unit.parent_id)
        assert policy is not None
        parent_id = policy.parent_id
        for level, code, name in [
            (ProgrammeLevel.POLICY, "P2", "주민 안전"),
            (ProgrammeLevel.UNIT, "U2", "재난 대비"),
            (ProgrammeLevel.DETAIL, "D2", "재난 장비 확충"),
        ]:
            existing = await self.session.scalar(
                select(Programme).where(
                    Programme.fiscal_year_id == year.id, Programme.level == level, Programme.code == code
                )
            )
            programme = existing or await services.create_programme(
                self.session,
                officer,
                fiscal_year_id=year.id,
                level=level,
                code=code,
                name=name,
                parent_id=parent_id,
            )
            parent_id = programme.id
        assert self._account is not None
        number = next(self._codes)
        line = await services.create_budget_line(
            self.session,
            officer,
            programme_id=parent_id,
            account_id=self._account.id,
            object_group=ObjectGroup.CAPITAL,
            object_code="401",
            object_name="시설비및부대비",
            statistics_code=f"401-{number:02d}",
            statistics_name=f"재난장비 {number}",
        )
        await self.approve_budget({line: budget})
        if allocated:
            await self.allocate(line, allocated)
        return line


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test accounts need no brute-force resistance: a minimal argon2 keeps these tests fast."""
    monkeypatch.setattr(auth_services, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))


@pytest.fixture
def cycle_world(session: AsyncSession, staff: Staff) -> CycleWorld:
    """Budget lines of 종로구 in two policy projects."""
    return CycleWorld(session, staff)


async def fresh(session: AsyncSession, line: BudgetLine) -> BudgetLine:
    """The line as stored now."""
    stored = await session.scalar(
        select(BudgetLine).where(BudgetLine.id == line.id).execution_options(populate_existing=True)
    )
    assert stored is not None
    return stored


async def transfer(
    world: FinanceWorld,
    source: BudgetLine,
    target: BudgetLine,
    amount: int,
    kind: TransferKind = TransferKind.WITHIN_POLICY,
    reference: str = "",
) -> Any:
    return await cycle.request_transfer(
        world.session,
        world.staff.maker,
        source_line_id=source.id,
        target_line_id=target.id,
        amount=amount,
        kind=kind,
        legal_basis="지방재정법 제49조",
        basis_reference=reference,
        reason="집행 잔액 활용",
    )


class TestTransferRules:
    async def test_approved_transfer_moves_unallocated_budget_first(self, cycle_world: CycleWorld) -> None:
        w = cycle_world
        source = await w.line(budget=1_000, allocated=600)
        target = await w.line(budget=500, allocated=500)
        await services.request_commitment(
            w.session, w.staff.maker, budget_line_id=source.id, amount=100, description="c"
        )
        requested = await transfer(w, source, target, 700)
        assert requested.status is ApprovalStatus.REQUESTED
        assert (await fresh(w.session, source)).budget_amount == 1_000  # nothing moves before approval

        approved = await cycle.decide_transfer(w.session, w.staff.approver_actor, requested.id, approve=True)

        assert approved.status is ApprovalStatus.APPROVED
        assert approved.allocated_moved == 300  # 400 unallocated went first, 300 of the allocation followed
        s, t = await fresh(w.session, source), await fresh(w.session, target)
        assert (s.budget_amount, s.allocated_amount, s.committed_amount) == (300, 300, 100)
        assert (t.budget_amount, t.allocated_amount) == (1_200, 800)
        assert s.budget_amount + t.budget_amount == 1_500

    async def test_refused_when_the_source_cannot_cover_it(self, cycle_world: CycleWorld) -> None:
        w = cycle_world
        source = await w.line(budget=1_000, allocated=1_000)
        target = await w.line(budget=0, allocated=0)
        await services.request_commitment(
            w.session, w.staff.maker, budget_line_id=source.id, amount=900, description="c"
        )
        with pytest.raises(InvalidInputError) as refused:
            await transfer(w, source, target, 101)
        assert refused.value.extra == {"transferable": 100, "requested": 101}
        assert "100원" in refused.value.detail

    async def test_refused_at_approval_when_the_room_went_meanwhile(self, cycle_world: CycleWorld) -> None:
        w = cycle_world
        source = await w.line(budget=1_000, allocated=1_000)
        target = await w.line(budget=0, allocated=0)
        requested = await transfer(w, source, target, 600)
        await services.request_commitment(
            w.session, w.staff.maker, budget_line_id=source.id, amount=500, description="c"
        )
        with pytest.raises(InvalidInputError):
            await cycle.decide_transfer(w.session, w.staff.approver_actor, requested.id, approve=True)

    async def test_four_eyes_and_roles(self, cycle_world: CycleWorld, accounts: Accounts) -> None:
        w = cycle_world
        source = await w.line(budget=1_000, allocated=0)
        target = await w.line(budget=0, allocated=0)
        approver_request = await cycle.request_transfer(
            w.session,
            w.staff.officer_actor,
            source_line_id=source.id,
            target_line_id=target.id,
            amount=10,
            kind=TransferKind.WITHIN_POLICY,
            legal_basis="b",
            basis_reference="",
            reason="r",
        )
        with pytest.raises(ForbiddenError, match="it needs one of: Approver"):
            await cycle.decide_transfer(w.session, w.staff.officer_actor, approver_request.id, approve=True)
        with pytest.raises(ForbiddenError):
            await transfer(FinanceWorld(w.session, _as_maker(w.staff, w.staff.approver)), source, target, 10)
        # an approver who (as an exceptional case) holds a maker's request of their own cannot decide it
        own = Staff(w.staff.approver, w.staff.officer, w.staff.approver, w.staff.second_approver)
        with pytest.raises(ForbiddenError, match="four-eyes"):
            await cycle.decide_transfer(w.session, own.maker, await _request_as(w, own), approve=True)

    async def test_kind_must_match_the_programme_structure(self, cycle_world: CycleWorld) -> None:
        w = cycle_world
        a = await w.line(budget=1_000, allocated=0)
        b = await w.line(budget=0, allocated=0)
        other = await w.other_policy_line(budget=0, allocated=0)
        with pytest.raises(InvalidInputError, match="전용"):
            await transfer(w, a, b, 10, TransferKind.BETWEEN_POLICIES, "제1회 의결")
        with pytest.raises(InvalidInputError, match="이용"):
            await transfer(w, a, other, 10, TransferKind.WITHIN_POLICY)
        with pytest.raises(InvalidInputError, match="council's prior approval"):
            await transfer(w, a, other, 10, TransferKind.BETWEEN_POLICIES, "  ")
        with pytest.raises(InvalidInputError):
            await transfer(w, a, a, 10)
        between = await transfer(w, a, other, 10, TransferKind.BETWEEN_POLICIES, "종로구의회 제330회 의결")
        await cycle.decide_transfer(w.session, w.staff.approver_actor, between.id, approve=True)
        assert (await fresh(w.session, other)).budget_amount == 10

    async def test_illegal_transitions_are_409(self, cycle_world: CycleWorld) -> None:
        w = cycle_world
        source = await w.line(budget=1_000, allocated=0)
        target = await w.line(budget=0, allocated=0)
        requested = await transfer(w, source, target, 10)
        await cycle.decide_transfer(w.session, w.staff.approver_actor, requested.id, approve=False)
        with pytest.raises(ConflictError):
            await cycle.decide_transfer(w.session, w.staff.approver_actor, requested.id, approve=True)
        with pytest.raises(ConflictError):
            await cycle.cancel_transfer(w.session, w.staff.maker, requested.id)
        approved = await transfer(w, source, target, 10)
        await cycle.decide_transfer(w.session, w.staff.approver_actor, approved.id, approve=True)
        with pytest.raises(ConflictError):
            await cycle.cancel_transfer(w.session, w.staff.maker, approved.id)
        assert (await fresh(w.session, target)).budget_amount == 10

    async def test_another_government_cannot_see_or_decide(
        self, cycle_world: CycleWorld, accounts: Accounts
    ) -> None:
        w = cycle_world
        source = await w.line(budget=1_000, allocated=0)
        target = await w.line(budget=0, allocated=0)
        requested = await transfer(w, source, target, 10)
        suwon = await make_staff(accounts, "41110")
        with pytest.raises(NotFoundError):
            await cycle.get_transfer(w.session, suwon.maker, requested.id)
        with pytest.raises(NotFoundError):
            await cycle.decide_transfer(w.session, suwon.approver_actor, requested.id, approve=True)
        with pytest.raises(NotFoundError):
            await transfer(FinanceWorld(w.session, suwon), source, target, 10)
        assert (await cycle.list_transfers(w.session, suwon.maker, limit=10, offset=0))[1] == 0

    async def test_every_step_is_audited(self, cycle_world: CycleWorld) -> None:
        w = cycle_world
        source = await w.line(budget=1_000, allocated=0)
        target = await w.line(budget=0, allocated=0)
        requested = await transfer(w, source, target, 10)
        await cycle.decide_transfer(w.session, w.staff.approver_actor, requested.id, approve=True)
        actions = (
            await w.session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.target_id == str(requested.id))
                .order_by(AuditEvent.seq)
            )
        ).all()
        assert list(actions) == ["finance.budget_transfer.request", "finance.budget_transfer.approved"]


def _as_maker(staff: Staff, account: Any) -> Staff:
    return Staff(account, staff.officer, staff.approver, staff.second_approver)


async def _request_as(world: FinanceWorld, staff: Staff) -> Any:
    """A transfer recorded as requested by ``staff.official`` (bypassing the maker-role check)."""
    source = await world.line(budget=100, allocated=0)
    target = await world.line(budget=0, allocated=0)
    requested = await transfer(world, source, target, 10)
    requested.requested_by = staff.official.user.id
    await world.session.flush()
    return requested.id


# --- carry-over and settlement --------------------------------------------------------------------


async def _year_with_activity(w: CycleWorld) -> dict[str, BudgetLine]:
    """Three lines: one with an unpaid commitment, one partly paid, one receiving a transfer."""
    owed = await w.line(budget=1_000, allocated=800)
    paid = await w.line(budget=2_000, allocated=2_000)
    other = await w.other_policy_line(budget=500, allocated=0)
    commitment = await services.request_commitment(
        w.session, w.staff.maker, budget_line_id=owed.id, amount=300, description="공사 계약"
    )
    await services.decide_commitment(w.session, w.staff.approver_actor, commitment.id, approve=True)
    resolution = await services.request_expenditure_resolution(
        w.session, w.staff.maker, budget_line_id=paid.id, amount=1_200, payee_name="p", description="d"
    )
    await services.decide_expenditure_resolution(
        w.session, w.staff.approver_actor, resolution.id, approve=True
    )
    order, _ = await services.create_payment_order(
        w.session, w.staff.maker, resolution_id=resolution.id, idempotency_key="cycle-test-0001"
    )
    await services.decide_payment_order(w.session, w.staff.approver_actor, order.id, approve=True)
    await services.record_payment(w.session, w.staff.officer_actor, order.id)
    moved = await transfer(w, paid, other, 250, TransferKind.BETWEEN_POLICIES, "제330회 의결")
    await cycle.decide_transfer(w.session, w.staff.approver_actor, moved.id, approve=True)
    return {"owed": owed, "paid": paid, "other": other}


class TestCarryOver:
    async def test_candidates_approval_next_year_lines_and_closing(self, cycle_world: CycleWorld) -> None:
        w = cycle_world
        lines = await _year_with_activity(w)
        year = await w.fiscal_year()
        candidates = {
            c.line.id: c for c in await cycle.carry_over_candidates(w.session, w.staff.maker, year.id)
        }
        assert candidates[lines["owed"].id].unpaid_obligations == 300
        assert candidates[lines["paid"].id].unspent == 2_000 - 250 - 1_200

        proposal = await cycle.request_carry_over(
            w.session,
            w.staff.maker,
            fiscal_year_id=year.id,
            items=[
                cycle.CarryOverRequestItem(lines["owed"].id, CarryOverKind.UNAVOIDABLE, 300, "공기 지연"),
                cycle.CarryOverRequestItem(lines["other"].id, CarryOverKind.EXPLICIT, 400, "명시이월 의결"),
            ],
        )
        with pytest.raises(ForbiddenError):
            await cycle.decide_carry_over(w.session, w.staff.maker, proposal.id, approve=True)
        approved = await cycle.decide_carry_over(w.session, w.staff.approver_actor, proposal.id, approve=True)

        assert approved.status is ApprovalStatus.APPROVED
        assert (await w.session.get(FiscalYear, year.id)).status is FiscalYearStatus.CLOSED  # type: ignore[union-attr]
        following = await w.session.get(FiscalYear, approved.target_fiscal_year_id)
        assert following is not None
        assert (following.year, following.status) == (FISCAL_YEAR + 1, FiscalYearStatus.OPEN)
        _, items = await cycle.get_carry_over(w.session, w.staff.maker, approved.id)
        targets = {i.source_line_id: await w.session.get(BudgetLine, i.target_line_id) for i in items}
        carried = targets[lines["owed"].id]
        assert carried is not None
        assert (carried.fiscal_year_id, carried.budget_amount, carried.allocated_amount) == (
            following.id,
            300,
            300,
        )
        assert carried.statistics_code == lines["owed"].statistics_code + "-C"
        detail = await w.session.get(Programme, carried.programme_id)
        assert detail is not None and detail.code == "D1" and detail.fiscal_year_id == following.id
        # the closed year takes nothing more
        with pytest.raises(ConflictError):
            await services.request_commitment(
                w.session, w.staff.maker, budget_line_id=lines["paid"].id, amount=1, description="late"
            )

    async def test_refusals(self, cycle_world: CycleWorld, accounts: Accounts) -> None:
        w = cycle_world
        lines = await _year_with_activity(w)
        year = await w.fiscal_year()

        def propose(*items: cycle.CarryOverRequestItem) -> Any:
            return cycle.request_carry_over(w.session, w.staff.maker, fiscal_year_id=year.id, items=items)

        with pytest.raises(InvalidInputError, match="사고이월"):
            await propose(cycle.CarryOverRequestItem(lines["owed"].id, CarryOverKind.UNAVOIDABLE, 301, "b"))
        with pytest.raises(InvalidInputError):
            await propose(cycle.CarryOverRequestItem(lines["paid"].id, CarryOverKind.EXPLICIT, 551, "b"))
        with pytest.raises(InvalidInputError):
            await propose()
        suwon = await make_staff(accounts, "41110")
        with pytest.raises(NotFoundError):
            await cycle.request_carry_over(
                w.session,
                suwon.maker,
                fiscal_year_id=year.id,
                items=[cycle.CarryOverRequestItem(lines["owed"].id, CarryOverKind.UNAVOIDABLE, 1, "b")],
            )
        first = await propose(
            cycle.CarryOverRequestItem(lines["owed"].id, CarryOverKind.UNAVOIDABLE, 100, "b")
        )
        with pytest.raises(ConflictError):
            await propose(cycle.CarryOverRequestItem(lines["owed"].id, CarryOverKind.UNAVOIDABLE, 100, "b"))
        await cycle.decide_carry_over(w.session, w.staff.approver_actor, first.id, approve=False)
        with pytest.raises(ConflictError):
            await cycle.decide_carry_over(w.session, w.staff.approver_actor, first.id, approve=True)
        assert (await w.session.get(FiscalYear, year.id)).status is FiscalYearStatus.OPEN  # type: ignore[union-attr]


class TestClosingWithoutCarryOver:
    async def test_refused_while_a_proposal_waits_then_closes(
        self, client: Client, cycle_world: CycleWorld
    ) -> None:
        w = cycle_world
        lines = await _year_with_activity(w)
        year = await w.fiscal_year()
        waiting = await cycle.request_carry_over(
            w.session,
            w.staff.maker,
            fiscal_year_id=year.id,
            items=[cycle.CarryOverRequestItem(lines["owed"].id, CarryOverKind.UNAVOIDABLE, 300, "공기 지연")],
        )
        with pytest.raises(ForbiddenError):
            await cycle.close_without_carry_over(w.session, w.staff.maker, year.id)
        with pytest.raises(ConflictError):
            await cycle.close_without_carry_over(w.session, w.staff.approver_actor, year.id)
        refused = await client.post(
            f"/api/finance/fiscal-years/{year.id}/close-without-carry-over", headers=w.staff.approver.headers
        )
        assert refused.status_code == 409
        await cycle.decide_carry_over(w.session, w.staff.approver_actor, waiting.id, approve=False)

        await _sign_in(client, w.staff.approver.user.username)
        page = await client.get(f"/finance/carry-over?fiscal_year_id={year.id}")
        assert "이월 없이 회계연도 마감" in page.text
        closed = await client.post(
            "/finance/carry-over/close",
            data={"_csrf_token": _csrf(page.text), "fiscal_year_id": str(year.id)},
        )
        assert closed.status_code == 200 and "회계연도를 마감했습니다" in closed.text
        stored = await w.session.get(FiscalYear, year.id)
        assert stored is not None
        await w.session.refresh(stored)
        assert stored.status is FiscalYearStatus.CLOSED


class TestSettlement:
    async def test_numbers_add_up(self, cycle_world: CycleWorld) -> None:
        w = cycle_world
        lines = await _year_with_activity(w)
        year = await w.fiscal_year()
        proposal = await cycle.request_carry_over(
            w.session,
            w.staff.maker,
            fiscal_year_id=year.id,
            items=[cycle.CarryOverRequestItem(lines["owed"].id, CarryOverKind.UNAVOIDABLE, 300, "공기 지연")],
        )
        await cycle.decide_carry_over(w.session, w.staff.approver_actor, proposal.id, approve=True)

        result = await cycle.settlement(w.session, w.staff.maker, year.id)

        by_line = {row.line.id: row.figures for row in result.lines}
        owed, paid, other = (by_line[lines[k].id] for k in ("owed", "paid", "other"))
        assert (owed.final_budget, owed.committed, owed.paid, owed.carried_over, owed.unused) == (
            1_000,
            300,
            0,
            300,
            700,
        )
        assert (
            paid.original + paid.supplementary,
            paid.transfers,
            paid.final_budget,
            paid.paid,
            paid.unused,
        ) == (
            2_000,
            -250,
            1_750,
            1_200,
            550,
        )
        assert (other.transfers, other.final_budget, other.unused) == (250, 750, 750)
        for figures in by_line.values():
            assert (
                figures.original + figures.supplementary + figures.transfers + figures.carried_in
                == figures.final_budget
            )
        total = result.total
        assert total.final_budget == 3_500 == sum(f.final_budget for f in by_line.values())
        assert total.unused == total.final_budget - total.paid - total.carried_over == 2_000
        assert total.execution_rate == round(100 * 1_200 / 3_500, 1)
        field = next(t for t in result.programme_totals if t.level == "field")
        assert field.figures == total
        policies = {t.code: t.figures for t in result.programme_totals if t.level == "policy"}
        assert policies["P1"] + policies["P2"] == total
        assert [t.figures for t in result.account_totals] == [total]

        rows = settlement_csv_rows(result)
        assert len(rows) == 1 + len(result.lines) + len(result.programme_totals) + 1 + 1
        assert rows[-1][4:] == [
            str(v) for v in (1_000, 2_500, 0, 0, 3_500, 2_800, 1_500, 1_200, 300, 2_000)
        ] + ["34.3"]

    async def test_next_year_settlement_shows_what_was_carried_in(self, cycle_world: CycleWorld) -> None:
        w = cycle_world
        lines = await _year_with_activity(w)
        year = await w.fiscal_year()
        proposal = await cycle.request_carry_over(
            w.session,
            w.staff.maker,
            fiscal_year_id=year.id,
            items=[cycle.CarryOverRequestItem(lines["owed"].id, CarryOverKind.UNAVOIDABLE, 300, "공기 지연")],
        )
        approved = await cycle.decide_carry_over(w.session, w.staff.approver_actor, proposal.id, approve=True)
        assert approved.target_fiscal_year_id is not None
        result = await cycle.settlement(w.session, w.staff.maker, approved.target_fiscal_year_id)
        assert [(r.figures.carried_in, r.figures.final_budget, r.figures.unused) for r in result.lines] == [
            (300, 300, 300)
        ]


# --- the JSON API ---------------------------------------------------------------------------------


async def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


class TestApi:
    async def test_transfer_request_approve_and_dashboard(
        self, client: Client, cycle_world: CycleWorld
    ) -> None:
        w = cycle_world
        source = await w.line(budget=1_000, allocated=1_000)
        target = await w.line(budget=100, allocated=100)
        body = {
            "source_line_id": str(source.id),
            "target_line_id": str(target.id),
            "amount": 400,
            "kind": "within_policy",
            "legal_basis": "지방재정법 제49조",
            "basis_reference": "",
            "reason": "부족분 충당",
        }
        created = await _ok(
            await client.post("/api/finance/transfers", json=body, headers=w.staff.official.headers), 201
        )
        assert created["status"] == "requested"
        own = await client.post(
            f"/api/finance/transfers/{created['id']}/approve", headers=w.staff.official.headers
        )
        assert own.status_code == 403
        approved = await _ok(
            await client.post(
                f"/api/finance/transfers/{created['id']}/approve", headers=w.staff.approver.headers
            )
        )
        assert (approved["status"], approved["allocated_moved"]) == ("approved", 400)
        again = await client.post(
            f"/api/finance/transfers/{created['id']}/reject", headers=w.staff.approver.headers
        )
        assert again.status_code == 409
        assert again.headers["content-type"].startswith("application/problem+json")
        listed = await _ok(
            await client.get("/api/finance/transfers?status=approved", headers=w.staff.official.headers)
        )
        assert listed["total"] == 1
        dashboard = await _ok(
            await client.get("/api/finance/budget-vs-actual", headers=w.staff.official.headers)
        )
        budgets = {row["budget_line_id"]: row["budget"] for row in dashboard["items"]}
        assert (budgets[str(source.id)], budgets[str(target.id)]) == (600, 500)

    async def test_refusal_is_a_422_problem(self, client: Client, cycle_world: CycleWorld) -> None:
        w = cycle_world
        source = await w.line(budget=100, allocated=0)
        target = await w.line(budget=0, allocated=0)
        body = {
            "source_line_id": str(source.id),
            "target_line_id": str(target.id),
            "amount": 101,
            "kind": "within_policy",
            "legal_basis": "b",
            "basis_reference": "",
            "reason": "r",
        }
        refused = await client.post("/api/finance/transfers", json=body, headers=w.staff.official.headers)
        assert refused.status_code == 422
        assert refused.json()["transferable"] == 100

    async def test_carry_over_and_settlement_csv(self, client: Client, cycle_world: CycleWorld) -> None:
        w = cycle_world
        lines = await _year_with_activity(w)
        year = await w.fiscal_year()
        candidates = await _ok(
            await client.get(
                f"/api/finance/fiscal-years/{year.id}/carry-over-candidates", headers=w.staff.official.headers
            )
        )
        owed = next(c for c in candidates if c["budget_line_id"] == str(lines["owed"].id))
        assert owed["unpaid_obligations"] == 300
        created = await _ok(
            await client.post(
                "/api/finance/carry-overs",
                json={
                    "fiscal_year_id": str(year.id),
                    "items": [
                        {
                            "budget_line_id": str(lines["owed"].id),
                            "kind": "unavoidable",
                            "amount": 300,
                            "basis": "공기 지연",
                        }
                    ],
                },
                headers=w.staff.official.headers,
            ),
            201,
        )
        decided = await _ok(
            await client.post(
                f"/api/finance/carry-overs/{created['id']}/approve", headers=w.staff.approver.headers
            )
        )
        assert decided["status"] == "approved"
        assert decided["items"][0]["target_line_id"]
        report = await _ok(
            await client.get(
                f"/api/finance/fiscal-years/{year.id}/settlement", headers=w.staff.official.headers
            )
        )
        assert report["total"]["unused"] == report["total"]["final_budget"] - report["total"]["paid"] - 300
        exported = await client.get(
            f"/api/finance/fiscal-years/{year.id}/settlement.csv?lang=ko", headers=w.staff.official.headers
        )
        assert exported.status_code == 200
        assert exported.headers["content-type"].startswith("text/csv")
        assert exported.content.startswith("\ufeff".encode())
        rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
        assert rows[0][0] == "구분"
        assert rows[-1][0] == "총계"

    async def test_dashboard_filters_and_paging(self, client: Client, cycle_world: CycleWorld) -> None:
        w = cycle_world
        lines = await _year_with_activity(w)
        headers = w.staff.official.headers
        everything = await _ok(await client.get("/api/finance/budget-vs-actual", headers=headers))
        assert everything["total"] == 3
        assert {p["code"] for p in everything["policies"]} == {"P1", "P2"}
        assert (everything["budget"], everything["paid"]) == (3_500, 1_200)
        other = await w.session.get(Programme, lines["other"].programme_id)
        assert other is not None and other.parent_id is not None
        unit = await _ok(
            await client.get(f"/api/finance/budget-vs-actual?programme_id={other.parent_id}", headers=headers)
        )
        assert [row["budget_line_id"] for row in unit["items"]] == [str(lines["other"].id)]
        assert (unit["budget"], [p["code"] for p in unit["policies"]]) == (750, ["P2"])
        page = await _ok(await client.get("/api/finance/budget-vs-actual?limit=1&offset=1", headers=headers))
        assert (page["total"], len(page["items"]), page["budget"]) == (3, 1, 3_500)  # totals cover every line
        accounts = await _ok(await client.get("/api/finance/accounts", headers=headers))
        by_account = await _ok(
            await client.get(f"/api/finance/budget-vs-actual?account_id={accounts[0]['id']}", headers=headers)
        )
        assert by_account["total"] == 3
        unknown = await client.get(f"/api/finance/budget-vs-actual?account_id={other.id}", headers=headers)
        assert unknown.status_code == 404

    async def test_tenancy_and_roles(
        self, client: Client, cycle_world: CycleWorld, accounts: Accounts
    ) -> None:
        w = cycle_world
        year = await w.fiscal_year()
        suwon = await accounts.make(Role.OFFICIAL, "41110")
        assert (
            await client.get(f"/api/finance/fiscal-years/{year.id}/settlement", headers=suwon.headers)
        ).status_code == 404
        resident = await accounts.make(Role.RESIDENT, None)
        assert (
            await client.get("/api/finance/budget-vs-actual", headers=resident.headers)
        ).status_code == 403
        ministry = await accounts.make(Role.AUDITOR, None)
        refused = await client.get("/api/finance/budget-vs-actual", headers=ministry.headers)
        assert refused.status_code == 422
        chosen = await _ok(
            await client.get("/api/finance/budget-vs-actual?government=11110", headers=ministry.headers)
        )
        assert chosen["government_code"] == "11110"


# --- pages ----------------------------------------------------------------------------------------


def _csrf(page: str) -> str:
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page)
    assert token
    return token.group(1)


async def _sign_in(client: Client, username: str) -> None:
    form = await client.get("/login")
    response = await client.post(
        "/login",
        data={"username": username, "password": TEST_PASSWORD, "next": "/", "_csrf_token": _csrf(form.text)},
    )
    assert response.status_code in (200, 303), response.text


class TestPages:
    async def test_the_approver_inbox_counts_transfers_waiting_on_their_page(
        self, client: Client, cycle_world: CycleWorld
    ) -> None:
        w = cycle_world
        source = await w.line(budget=1_000, allocated=0)
        target = await w.line(budget=0, allocated=0)
        await transfer(w, source, target, 100)
        await _sign_in(client, w.staff.approver.user.username)
        inbox = (await client.get("/finance/inbox")).text
        assert '<a href="/finance/transfers">예산 전용·이용</a>: 1' in inbox
        # the requester's own request is not waiting for them
        await _sign_in(client, w.staff.official.user.username)
        assert "예산 전용·이용</a>: 1" not in (await client.get("/finance/inbox")).text

    async def test_transfer_form_validation_request_and_approval(
        self, client: Client, cycle_world: CycleWorld
    ) -> None:
        w = cycle_world
        source = await w.line(budget=1_000, allocated=0)
        target = await w.line(budget=0, allocated=0)
        await _sign_in(client, w.staff.official.user.username)
        form = await client.get("/finance/transfers/new")
        assert form.status_code == 200 and "전용·이용 요청" in form.text
        data = {
            "_csrf_token": _csrf(form.text),
            "source_line_id": str(source.id),
            "target_line_id": str(target.id),
            "amount": "2000",
            "kind": "within_policy",
            "legal_basis": "지방재정법 제49조",
            "basis_reference": "",
            "reason": "부족분 충당",
        }
        refused = await client.post("/finance/transfers/new", data=data)
        assert refused.status_code == 422
        assert "넘습니다" in refused.text and 'aria-invalid="true"' in refused.text
        blank = await client.post("/finance/transfers/new", data={**data, "amount": "열"})
        assert blank.status_code == 422 and "금액" in blank.text
        created = await client.post(
            "/finance/transfers/new", data={**data, "amount": "400"}, follow_redirects=False
        )
        assert created.status_code == 303
        detail_url = created.headers["location"].split("?")[0]

        await client.post("/logout", data={"_csrf_token": _csrf((await client.get(detail_url)).text)})
        await _sign_in(client, w.staff.approver.user.username)
        detail = await client.get(detail_url)
        assert "승인" in detail.text
        decided = await client.post(
            f"{detail_url}/decision", data={"_csrf_token": _csrf(detail.text), "decision": "approve"}
        )
        assert decided.status_code == 200 and "승인했습니다" in decided.text
        dashboard = (await client.get("/finance/budget-vs-actual")).text
        assert "예산 대비 집행" in dashboard and "600" in dashboard and "400" in dashboard

    async def test_settlement_page_carry_over_page_and_csv(
        self, client: Client, cycle_world: CycleWorld
    ) -> None:
        w = cycle_world
        await _year_with_activity(w)
        year = await w.fiscal_year()
        await _sign_in(client, w.staff.official.user.username)
        page = await client.get(f"/finance/settlement?fiscal_year_id={year.id}")
        assert page.status_code == 200 and "세출결산" in page.text and "불용액" in page.text
        assert "@media print" in page.text
        exported = await client.get(f"/finance/settlement.csv?fiscal_year_id={year.id}")
        assert exported.status_code == 200 and exported.content.startswith("\ufeff".encode())
        carry = await client.get(f"/finance/carry-over?fiscal_year_id={year.id}")
        assert carry.status_code == 200 and "사고이월" in carry.text
        english = await client.get(f"/finance/settlement?fiscal_year_id={year.id}&lang=en")
        assert "Unused" in english.text

    async def test_carry_over_form_proposal_and_approval(
        self, client: Client, cycle_world: CycleWorld
    ) -> None:
        w = cycle_world
        lines = await _year_with_activity(w)
        year = await w.fiscal_year()
        owed = lines["owed"].id
        await _sign_in(client, w.staff.official.user.username)
        page = await client.get(f"/finance/carry-over?fiscal_year_id={year.id}")
        assert 'value="300"' in page.text  # the unpaid obligation is proposed as 사고이월
        form = {
            "_csrf_token": _csrf(page.text),
            "fiscal_year_id": str(year.id),
            f"amount_{owed}": "300",
            f"kind_{owed}": "unavoidable",
            f"basis_{owed}": "",
        }
        missing = await client.post("/finance/carry-over/new", data=form)
        assert missing.status_code == 422 and "근거를 입력하세요" in missing.text
        too_much = await client.post(
            "/finance/carry-over/new", data={**form, f"amount_{owed}": "301", f"basis_{owed}": "공기 지연"}
        )
        assert too_much.status_code == 422 and "사고이월" in too_much.text
        created = await client.post(
            "/finance/carry-over/new", data={**form, f"basis_{owed}": "공기 지연"}, follow_redirects=False
        )
        assert created.status_code == 303
        detail_url = created.headers["location"].split("?")[0]

        await client.post("/logout", data={"_csrf_token": _csrf((await client.get(detail_url)).text)})
        await _sign_in(client, w.staff.approver.user.username)
        detail = await client.get(detail_url)
        assert "승인하고 회계연도 마감" in detail.text
        decided = await client.post(
            f"{detail_url}/decision", data={"_csrf_token": _csrf(detail.text), "decision": "approve"}
        )
        assert decided.status_code == 200 and "승인했습니다" in decided.text
        assert lines["owed"].statistics_code + "-C" in decided.text
        closed = await w.session.get(FiscalYear, year.id)
        assert closed is not None
        await w.session.refresh(closed)
        assert closed.status is FiscalYearStatus.CLOSED
