"""Contract milestones (선금·기성·준공) and monthly allocations: schedule rules, commitments against a
milestone, inspection with four-eyes, the payment gate, tenancy, the month/quarter rule, the API and
the migration, on both backends."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.finance import services
from app.finance.milestones import services as milestones
from app.finance.models import (
    Allocation,
    ApprovalStatus,
    BudgetLine,
    Contract,
    ContractMethod,
    MilestoneKind,
    MilestoneStatus,
    PaymentOrderStatus,
)
from app.platform.audit import AuditEvent
from app.platform.db import alembic_config
from app.platform.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from tests.conftest import Accounts
from tests.finance.conftest import FinanceWorld, Staff, make_staff
from tests.finance.test_pages import _sign_in, _submit
from tests.support.postgres import PostgresServer

START = date(2026, 1, 1)
END = date(2026, 12, 31)
AMOUNT = 10_000_000


async def _contract(world: FinanceWorld, amount: int = AMOUNT) -> Contract:
    """A contract registered by the government's official (so the finance officer may inspect it)."""
    return await services.create_contract(
        world.session,
        world.staff.maker,
        title="청사 외벽 보수공사",
        method=ContractMethod.OPEN_TENDER,
        supplier_name="(주)한빛건설",
        supplier_registration_number="220-81-62517",
        amount=amount,
        start_date=START,
        end_date=END,
    )


async def _schedule(world: FinanceWorld, contract: Contract) -> list[uuid.UUID]:
    """선금 30 %, 기성 40 %, 준공 30 %."""
    ids = []
    for kind, title, due, share in [
        (MilestoneKind.ADVANCE, "선금", date(2026, 2, 1), 3),
        (MilestoneKind.PROGRESS, "1회 기성", date(2026, 6, 30), 4),
        (MilestoneKind.COMPLETION, "준공", date(2026, 11, 30), 3),
    ]:
        milestone = await milestones.add_milestone(
            world.session,
            world.staff.maker,
            contract.id,
            kind=kind,
            title=title,
            due_date=due,
            amount=contract.amount * share // 10,
        )
        ids.append(milestone.id)
    return ids


async def _commit(
    world: FinanceWorld, line: BudgetLine, contract: Contract, milestone_id: uuid.UUID, amount: int
) -> uuid.UUID:
    commitment = await services.request_commitment(
        world.session,
        world.staff.maker,
        budget_line_id=line.id,
        amount=amount,
        description="외벽 보수",
        contract_id=contract.id,
        milestone_id=milestone_id,
    )
    return commitment.id


async def _status(world: FinanceWorld, contract: Contract) -> list[MilestoneStatus]:
    _, schedule = await milestones.list_milestones(world.session, world.staff.maker, contract.id)
    return [item.status for item in schedule]


class TestSchedule:
    async def test_a_schedule_in_order_within_the_period_and_the_amount(self, world: FinanceWorld) -> None:
        contract = await _contract(world)
        ids = await _schedule(world, contract)
        _, schedule = await milestones.list_milestones(world.session, world.staff.maker, contract.id)
        assert [m.milestone.sequence for m in schedule] == [1, 2, 3]
        assert sum(m.milestone.amount for m in schedule) == contract.amount
        assert [m.status for m in schedule] == [MilestoneStatus.PLANNED] * 3
        with pytest.raises(InvalidInputError, match="nothing can follow"):
            await milestones.add_milestone(
                world.session,
                world.staff.maker,
                contract.id,
                kind=MilestoneKind.PROGRESS,
                title="추가",
                due_date=date(2026, 12, 1),
                amount=1,
            )
        await milestones.remove_milestone(world.session, world.staff.maker, contract.id, ids[1])
        _, schedule = await milestones.list_milestones(world.session, world.staff.maker, contract.id)
        assert [(m.milestone.sequence, m.milestone.title) for m in schedule] == [(1, "선금"), (2, "준공")]
        events = await world.session.scalars(
            select(AuditEvent.action).where(AuditEvent.target_id == str(ids[1]))
        )
        assert set(events.all()) == {"finance.contract_milestone.create", "finance.contract_milestone.remove"}

    async def test_refusals(self, world: FinanceWorld) -> None:
        contract = await _contract(world)
        await milestones.add_milestone(
            world.session,
            world.staff.maker,
            contract.id,
            kind=MilestoneKind.ADVANCE,
            title="선금",
            due_date=date(2026, 2, 1),
            amount=1_000,
        )
        for kind, due, amount, message in [
            (MilestoneKind.PROGRESS, date(2025, 12, 31), 1, "outside the contract period"),
            (MilestoneKind.PROGRESS, date(2027, 1, 1), 1, "outside the contract period"),
            (MilestoneKind.PROGRESS, date(2026, 3, 1), AMOUNT - 999, "add up to 10,000,001 won"),
            (MilestoneKind.ADVANCE, date(2026, 3, 1), 1, "only be the first"),
            (MilestoneKind.PROGRESS, date(2026, 1, 15), 1, "before the previous"),
        ]:
            with pytest.raises(InvalidInputError, match=message):
                await milestones.add_milestone(
                    world.session,
                    world.staff.maker,
                    contract.id,
                    kind=kind,
                    title="x",
                    due_date=due,
                    amount=amount,
                )
        _, schedule = await milestones.list_milestones(world.session, world.staff.maker, contract.id)
        assert len(schedule) == 1  # nothing half-written

    async def test_the_schedule_is_frozen_once_a_commitment_names_a_milestone(
        self, world: FinanceWorld
    ) -> None:
        line = await world.line(budget=AMOUNT, allocated=AMOUNT)
        contract = await _contract(world)
        advance, progress, _ = await _schedule(world, contract)
        commitment_id = await _commit(world, line, contract, advance, 1_000_000)
        with pytest.raises(ConflictError, match="can no longer change"):
            await milestones.remove_milestone(world.session, world.staff.maker, contract.id, progress)
        await services.cancel_commitment(world.session, world.staff.maker, commitment_id)
        with pytest.raises(ConflictError, match="stays in the schedule"):
            await milestones.remove_milestone(world.session, world.staff.maker, contract.id, advance)
        await milestones.remove_milestone(world.session, world.staff.maker, contract.id, progress)


class TestCommitmentsAgainstAMilestone:
    async def test_a_commitment_cannot_exceed_what_is_left_of_its_milestone(
        self, world: FinanceWorld
    ) -> None:
        line = await world.line(budget=AMOUNT, allocated=AMOUNT)
        contract = await _contract(world)
        advance, *_ = await _schedule(world, contract)
        await _commit(world, line, contract, advance, 2_000_000)
        assert await _status(world, contract) == [
            MilestoneStatus.PARTLY_COMMITTED,
            MilestoneStatus.PLANNED,
            MilestoneStatus.PLANNED,
        ]
        with pytest.raises(InvalidInputError, match="1,000,001 won more would exceed") as refused:
            await _commit(world, line, contract, advance, 1_000_001)
        assert refused.value.extra == {
            "milestone_amount": 3_000_000,
            "committed": 2_000_000,
            "requested": 1_000_001,
        }
        assert line.committed_amount == 2_000_000  # nothing half-written on the line
        await _commit(world, line, contract, advance, 1_000_000)
        assert (await _status(world, contract))[0] is MilestoneStatus.COMMITTED

    async def test_the_milestone_names_its_contract_and_the_contract_stays_a_ceiling(
        self, world: FinanceWorld
    ) -> None:
        line = await world.line(budget=AMOUNT * 2, allocated=AMOUNT * 2)
        contract = await _contract(world)
        other = await _contract(world)
        advance, *_ = await _schedule(world, contract)
        with pytest.raises(NotFoundError, match="milestone"):
            await _commit(world, line, other, advance, 1_000)
        commitment = await services.request_commitment(
            world.session,
            world.staff.maker,
            budget_line_id=line.id,
            amount=1_000,
            description="선금",
            milestone_id=advance,
        )
        assert commitment.contract_id == contract.id  # taken from the milestone
        await services.request_commitment(
            world.session,
            world.staff.maker,
            budget_line_id=line.id,
            amount=AMOUNT - 1_000,
            description="나머지",
            contract_id=contract.id,
        )
        with pytest.raises(InvalidInputError, match="contract is for"):
            await _commit(world, line, contract, advance, 1)


class TestInspection:
    async def test_acceptance_follows_an_approved_commitment_once_and_by_another_official(
        self, world: FinanceWorld
    ) -> None:
        line = await world.line(budget=AMOUNT, allocated=AMOUNT)
        contract = await _contract(world)
        advance, *_ = await _schedule(world, contract)
        officer = world.staff.officer_actor

        async def accept(actor: object, day: date = date(2026, 2, 3)) -> object:
            return await milestones.accept_milestone(
                world.session, actor, contract.id, advance, accepted_on=day, inspector_name="김검사"
            )

        with pytest.raises(ConflictError, match=r"No commitment .* is approved"):
            await accept(officer)  # planned
        commitment_id = await _commit(world, line, contract, advance, 3_000_000)
        with pytest.raises(ConflictError, match=r"No commitment .* is approved"):
            await accept(officer)  # requested only
        await services.decide_commitment(
            world.session, world.staff.approver_actor, commitment_id, approve=True
        )
        with pytest.raises(ForbiddenError, match="four-eyes"):
            await accept(world.staff.maker)  # registered the contract
        with pytest.raises(ForbiddenError, match="Approver"):
            await accept(world.staff.approver_actor)
        with pytest.raises(InvalidInputError, match="between the contract's start"):
            await accept(officer, date.today() + timedelta(days=2))
        accepted = await accept(officer)
        assert accepted.status is MilestoneStatus.ACCEPTED  # type: ignore[attr-defined]
        with pytest.raises(ConflictError, match="accepted on 2026-02-03 already"):
            await accept(officer)
        event = await world.session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "finance.contract_milestone.accept", AuditEvent.target_id == str(advance)
            )
        )
        assert event is not None
        assert event.after is not None and event.after["inspector_name"] == "김검사"


class TestPaymentAfterInspection:
    async def test_a_payment_order_waits_for_the_inspection(self, world: FinanceWorld) -> None:
        staff = world.staff
        line = await world.line(budget=AMOUNT, allocated=AMOUNT)
        contract = await _contract(world)
        advance, *_ = await _schedule(world, contract)
        commitment_id = await _commit(world, line, contract, advance, 3_000_000)
        await services.decide_commitment(world.session, staff.approver_actor, commitment_id, approve=True)
        resolution = await services.request_expenditure_resolution(
            world.session,
            staff.maker,
            amount=3_000_000,
            payee_name="(주)한빛건설",
            description="선금",
            commitment_id=commitment_id,
        )
        await services.decide_expenditure_resolution(
            world.session, staff.approver_actor, resolution.id, approve=True
        )
        with pytest.raises(ConflictError, match="paid only after inspection") as refused:
            await services.create_payment_order(
                world.session, staff.maker, resolution_id=resolution.id, idempotency_key="milestone-0001"
            )
        assert refused.value.status_code == 409
        await milestones.accept_milestone(
            world.session,
            staff.officer_actor,
            contract.id,
            advance,
            accepted_on=date(2026, 2, 3),
            inspector_name="김검사",
        )
        order, created = await services.create_payment_order(
            world.session, staff.maker, resolution_id=resolution.id, idempotency_key="milestone-0001"
        )
        assert created
        await services.decide_payment_order(world.session, staff.approver_actor, order.id, approve=True)
        assert (await _status(world, contract))[0] is MilestoneStatus.ACCEPTED
        paid = await services.record_payment(world.session, staff.officer_actor, order.id)
        assert paid.status is PaymentOrderStatus.PAID
        assert (await _status(world, contract))[0] is MilestoneStatus.PAID


class TestTenancy:
    async def test_another_governments_staff_find_nothing(
        self, world: FinanceWorld, accounts: Accounts
    ) -> None:
        contract = await _contract(world)
        advance, *_ = await _schedule(world, contract)
        stranger: Staff = await make_staff(accounts, "11140")
        with pytest.raises(NotFoundError):
            await milestones.list_milestones(world.session, stranger.maker, contract.id)
        with pytest.raises(NotFoundError):
            await milestones.add_milestone(
                world.session,
                stranger.maker,
                contract.id,
                kind=MilestoneKind.PROGRESS,
                title="x",
                due_date=date(2026, 3, 1),
                amount=1,
            )
        with pytest.raises(NotFoundError):
            await milestones.accept_milestone(
                world.session,
                stranger.officer_actor,
                contract.id,
                advance,
                accepted_on=date(2026, 2, 3),
                inspector_name="x",
            )


class TestMonthlyAllocations:
    async def test_a_month_lies_inside_its_quarter(self, world: FinanceWorld) -> None:
        line = await world.line(budget=1_000, allocated=0)
        maker, approver = world.staff.maker, world.staff.approver_actor
        with pytest.raises(InvalidInputError, match="month 4 is not in quarter 1"):
            await services.request_allocation(
                world.session, maker, budget_line_id=line.id, quarter=1, month=4, amount=100
            )
        for quarter, month, amount in [(1, 2, 100), (1, 3, 50), (1, None, 25), (2, 4, 200)]:
            allocation = await services.request_allocation(
                world.session, maker, budget_line_id=line.id, quarter=quarter, month=month, amount=amount
            )
            await services.decide_allocation(world.session, approver, allocation.id, approve=True)
        september = await services.request_allocation(
            world.session, maker, budget_line_id=line.id, quarter=3, month=9, amount=10
        )
        audited = await world.session.scalar(
            select(AuditEvent.after).where(
                AuditEvent.action == "finance.allocation.request", AuditEvent.target_id == str(september.id)
            )
        )
        assert audited is not None and (audited["quarter"], audited["month"]) == (3, 9)
        inbox = await services.approver_inbox(world.session, approver)
        assert [i.summary for i in inbox if i.id == september.id] == ["3분기 9월 배정"]
        summary = await services.allocations_of_line(world.session, maker, line.id)
        assert line.allocated_amount == 375  # the formula is unchanged: approved allocations only
        assert {q.period: (q.approved, q.requested) for q in summary.quarters} == {
            1: (175, 0),
            2: (200, 0),
            3: (0, 10),
            4: (0, 0),
        }
        assert {m.period: m.approved for m in summary.months if m.approved} == {2: 100, 3: 50, 4: 200}
        march = await services.allocations_of_line(world.session, maker, line.id, month=3)
        assert [(a.month, a.amount) for a in march.items] == [(3, 50)]
        # The database holds the same rule, whatever a service might do.
        world.session.add(
            Allocation(
                government_code="11110",
                budget_line_id=line.id,
                quarter=2,
                month=7,
                amount=10,
                status=ApprovalStatus.REQUESTED,
                requested_by=world.staff.official.user.id,
            )
        )
        with pytest.raises(IntegrityError, match="month_in_quarter"):
            async with world.session.begin_nested():
                await world.session.flush()


class TestApi:
    async def test_schedule_commitment_inspection_and_the_payment_gate_over_http(
        self, client: AsyncTestClient[Litestar], world: FinanceWorld
    ) -> None:
        staff = world.staff
        line = await world.line(budget=AMOUNT, allocated=AMOUNT)
        contract = await _contract(world)
        base = f"/api/finance/contracts/{contract.id}/milestones"
        official, officer = staff.official.headers, staff.officer.headers
        created = await client.post(
            base,
            json={"kind": "advance", "title": "선금", "due_date": "2026-02-01", "amount": 3_000_000},
            headers=official,
        )
        assert created.status_code == 201, created.text
        milestone_id = created.json()["id"]
        too_much = await client.post(
            base,
            json={"kind": "completion", "title": "준공", "due_date": "2026-11-30", "amount": AMOUNT},
            headers=official,
        )
        assert too_much.status_code == 422
        assert too_much.headers["content-type"].startswith("application/problem+json")
        assert "13,000,000" in too_much.json()["detail"]
        commitment = await client.post(
            "/api/finance/commitments",
            json={
                "budget_line_id": str(line.id),
                "amount": 3_000_000,
                "description": "선금",
                "milestone_id": milestone_id,
            },
            headers=official,
        )
        assert commitment.status_code == 201, commitment.text
        assert commitment.json()["milestone_id"] == milestone_id
        schedule = (await client.get(base, headers=officer)).json()
        assert schedule["scheduled"] == 3_000_000 and not schedule["complete"]
        assert schedule["milestones"][0]["status"] == "committed"
        assert schedule["milestones"][0]["remaining"] == 0
        refused = await client.post(
            f"{base}/{milestone_id}/accept",
            json={"accepted_on": "2026-02-03", "inspector_name": "김검사"},
            headers=officer,
        )
        assert refused.status_code == 409  # the commitment is not approved yet
        frozen = await client.delete(f"{base}/{milestone_id}", headers=official)
        assert frozen.status_code == 409
        await services.decide_commitment(
            world.session, staff.approver_actor, uuid.UUID(commitment.json()["id"]), approve=True
        )
        own = await client.post(
            f"{base}/{milestone_id}/accept",
            json={"accepted_on": "2026-02-03", "inspector_name": "김검사"},
            headers=official,
        )
        assert own.status_code == 403
        accepted = await client.post(
            f"{base}/{milestone_id}/accept",
            json={"accepted_on": "2026-02-03", "inspector_name": "김검사"},
            headers=officer,
        )
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["status"] == "accepted"
        english = await client.post(
            f"{base}/{milestone_id}/accept?lang=en",
            json={"accepted_on": "2026-02-03", "inspector_name": "김검사"},
            headers=officer,
        )
        assert english.status_code == 409
        allocation = await client.post(
            "/api/finance/allocations",
            json={"budget_line_id": str(line.id), "quarter": 2, "month": 7, "amount": 1},
            headers=official,
        )
        assert allocation.status_code == 422


class TestPages:
    async def test_allocations_by_month_on_the_form_the_line_the_list_and_the_api(
        self, client: AsyncTestClient[Litestar], world: FinanceWorld
    ) -> None:
        line = await world.line(budget=1_000_000, allocated=0)
        await _sign_in(client, world.staff.official.user.username)
        wrong = await _submit(
            client,
            "/finance/allocations/new",
            "/finance/allocations",
            {"budget_line_id": str(line.id), "quarter": "1", "month": "4", "amount": "100,000"},
        )
        assert wrong.status_code == 422
        assert "선택한 분기에 속하는 월을 고르세요." in wrong.text
        for month, amount in (("4", "100,000"), ("5", "200,000"), ("", "50,000")):
            done = await _submit(
                client,
                "/finance/allocations/new",
                "/finance/allocations",
                {"budget_line_id": str(line.id), "quarter": "2", "month": month, "amount": amount},
            )
            assert done.status_code == 303, done.text
        listed = await client.get("/finance/allocations?month=5")
        assert listed.status_code == 200
        assert "200,000" in listed.text and "100,000" not in listed.text
        page = await client.get(f"/finance/budget-lines/{line.id}?lang=en")
        assert page.status_code == 200
        assert "Allocated per month (monthly allocations)" in page.text
        assert "Month 5" in page.text and "350,000" in page.text  # Q2 requested: 100k + 200k + 50k
        listed_api = await client.get(
            f"/api/finance/budget-lines/{line.id}/allocations?month=5", headers=world.staff.approver.headers
        )
        assert listed_api.status_code == 200, listed_api.text
        body = listed_api.json()
        assert [(a["month"], a["amount"]) for a in body["items"]] == [(5, 200_000)]
        assert body["quarters"][1] == {"period": 2, "approved": 0, "requested": 350_000}
        assert body["months"][4] == {"period": 5, "approved": 0, "requested": 200_000}
        made = await client.post(
            "/api/finance/allocations",
            json={"budget_line_id": str(line.id), "quarter": 3, "month": 8, "amount": 1},
            headers=world.staff.official.headers,
        )
        assert made.status_code == 201, made.text
        assert made.json()["month"] == 8


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database(f"lofin_milestones_{uuid.uuid4().hex[:8]}")


def _rows_at_0009(conn: sa.Connection) -> uuid.UUID:
    """A resolution under a commitment (SQLite rebuilds the table it references); returns the commitment."""
    ids = [uuid.uuid4() for _ in range(7)]
    user, year, account, programme, line, commitment, resolution = (
        (i.hex if conn.dialect.name == "sqlite" else i) for i in ids
    )
    now = datetime(2026, 11, 27, tzinfo=UTC)
    stamps = {"now": now}
    statements = [
        (
            "INSERT INTO local_governments VALUES ('11110', '종로구', 'Jongno-gu', '자치구', NULL, :now, :now)",
            {},
        ),
        (
            "INSERT INTO users VALUES (:u, 'migrating', 'M', 'official', '11110', 'x', :t, NULL, :now, :now)",
            {"u": user, "t": True},
        ),
        ("INSERT INTO fin_fiscal_years VALUES (:y, '11110', 2026, 'open', :now, :now)", {"y": year}),
        (
            "INSERT INTO fin_accounts VALUES (:a, '11110', '100', '일반회계', 'general', :now, :now)",
            {"a": account},
        ),
        (
            "INSERT INTO fin_programmes VALUES (:p, '11110', :y, NULL, 'detail', 'D1', 'x', :now, :now)",
            {"p": programme, "y": year},
        ),
        (
            "INSERT INTO fin_budget_lines VALUES (:l, '11110', :y, :a, :p, 'goods', '201', 'x', '201-01', 'x', "
            "100, 100, 10, 0, 0, :now, :now)",
            {"l": line, "y": year, "a": account, "p": programme},
        ),
        (
            "INSERT INTO fin_commitments VALUES (:c, '11110', :l, NULL, 10, 'd', 'approved', :u, NULL, NULL, :now, :now)",
            {"c": commitment, "l": line, "u": user},
        ),
        (
            "INSERT INTO fin_expenditure_resolutions VALUES (:r, '11110', :l, :c, 10, 'p', 'd', 'requested', :u, "
            "NULL, NULL, :now, :now)",
            {"r": resolution, "l": line, "c": commitment, "u": user},
        ),
    ]
    for statement, values in statements:
        conn.execute(sa.text(statement), {**stamps, **values})
    return ids[5]


def test_the_migration_goes_down_and_up_again_with_resolutions_under_commitments(empty_database: str) -> None:
    config = alembic_config(empty_database)
    command.upgrade(config, "0009")
    engine = sa.create_engine(empty_database.replace("+aiosqlite", ""))
    try:
        with engine.begin() as conn:
            commitment = _rows_at_0009(conn)
        command.upgrade(config, "0010")
        with engine.connect() as conn:
            assert "milestone_id" in {c["name"] for c in sa.inspect(conn).get_columns("fin_commitments")}
        command.downgrade(config, "0009")
        with engine.connect() as conn:
            inspector = sa.inspect(conn)
            assert "fin_contract_milestones" not in inspector.get_table_names()
            assert "month" not in {c["name"] for c in inspector.get_columns("fin_allocations")}
        command.upgrade(config, "0010")
        with engine.connect() as conn:
            checks = sa.inspect(conn).get_check_constraints("fin_allocations")
            assert any(c["name"] == "ck_fin_allocations_month_in_quarter" for c in checks), checks
            kept = conn.execute(sa.text("SELECT commitment_id FROM fin_expenditure_resolutions")).scalar_one()
            assert uuid.UUID(str(kept)) == commitment
    finally:
        engine.dispose()
