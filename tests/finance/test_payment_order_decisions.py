"""Deciding payment orders: the one-statement usual case and every refusal it must still give."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.finance import services
from app.finance.models import BudgetLine, ObjectGroup, PaymentOrder, PaymentOrderStatus
from app.platform.audit import AuditEvent
from app.platform.auth.models import Role
from app.platform.auth.services import actor_for
from app.platform.errors import ConflictError, NotFoundError
from tests.conftest import Accounts
from tests.finance.conftest import FinanceWorld


async def _requested_order(world: FinanceWorld, line: BudgetLine, key: str) -> PaymentOrder:
    resolution = await services.request_expenditure_resolution(
        world.session,
        world.staff.maker,
        budget_line_id=line.id,
        amount=100,
        payee_name="한빛상사",
        description="대가",
    )
    await services.decide_expenditure_resolution(
        world.session, world.staff.approver_actor, resolution.id, approve=True
    )
    order, _ = await services.create_payment_order(
        world.session, world.staff.maker, resolution_id=resolution.id, idempotency_key=key
    )
    return order


async def test_approval_records_who_and_when_and_audits_the_change(world: FinanceWorld) -> None:
    line = await world.line(budget=1_000, allocated=1_000, group=ObjectGroup.CAPITAL)
    order = await _requested_order(world, line, "decide-1")
    approved = await services.decide_payment_order(
        world.session, world.staff.approver_actor, order.id, approve=True
    )
    assert approved.status is PaymentOrderStatus.APPROVED
    assert approved.decided_by == world.staff.approver.user.id and approved.decided_at is not None
    event = (
        await world.session.scalars(
            select(AuditEvent).where(AuditEvent.target_id == str(order.id)).order_by(AuditEvent.seq.desc())
        )
    ).first()
    assert event is not None and event.action == "finance.payment_order.approved"
    assert event.before == {"status": "requested", "amount": 100}
    assert event.after == {"status": "approved", "amount": 100}


async def test_a_decided_order_cannot_be_decided_again(world: FinanceWorld) -> None:
    line = await world.line(budget=1_000, allocated=1_000, group=ObjectGroup.CAPITAL)
    order = await _requested_order(world, line, "decide-2")
    await services.decide_payment_order(world.session, world.staff.approver_actor, order.id, approve=False)
    with pytest.raises(ConflictError):
        await services.decide_payment_order(world.session, world.staff.approver_actor, order.id, approve=True)
    with pytest.raises(ConflictError):
        await services.decide_payment_order(
            world.session, world.staff.approver_actor, order.id, approve=False
        )
    await world.session.refresh(order)
    assert order.status is PaymentOrderStatus.REJECTED


async def test_another_governments_approver_does_not_find_the_order(
    world: FinanceWorld, accounts: Accounts
) -> None:
    line = await world.line(budget=1_000, allocated=1_000, group=ObjectGroup.CAPITAL)
    order = await _requested_order(world, line, "decide-3")
    stranger = actor_for((await accounts.make(Role.APPROVER, "26110")).user)
    with pytest.raises(NotFoundError):
        await services.decide_payment_order(world.session, stranger, order.id, approve=True)
    await world.session.refresh(order)
    assert order.status is PaymentOrderStatus.REQUESTED and order.decided_by is None
