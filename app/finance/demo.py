"""A realistic 2026 budget year for 종로구, built through the services as officials would build it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.finance import services
from app.finance.models import (
    BudgetLine,
    ContractMethod,
    FiscalYear,
    FundKind,
    ObjectGroup,
    Programme,
    ProgrammeLevel,
)
from app.platform.auth.models import User
from app.platform.auth.services import actor_for

GOVERNMENT = "11110"
YEAR = 2026
ALLOCATED_SHARE = 0.4  # the first quarter's allocation, as a share of each line's budget


@dataclass(frozen=True, slots=True)
class DemoLine:
    """One budget line of the demo year."""

    detail_code: str
    group: ObjectGroup
    object_code: str
    object_name: str
    statistics_code: str
    statistics_name: str
    budget: int


PROGRAMMES = (
    (
        ("010", "일반공공행정"),
        ("014", "일반행정"),
        ("P100", "청사 운영"),
        ("U110", "청사 관리"),
        ("D111", "청사 시설 유지관리"),
    ),
    (
        ("080", "사회복지"),
        ("081", "기초생활보장"),
        ("P200", "저소득층 지원"),
        ("U210", "생계 지원"),
        ("D211", "긴급 생계비 지원"),
    ),
)
LINES = (
    DemoLine("D111", ObjectGroup.GOODS, "201", "일반운영비", "201-01", "사무관리비", 120_000_000),
    DemoLine("D111", ObjectGroup.GOODS, "201", "일반운영비", "201-02", "공공운영비", 90_000_000),
    DemoLine("D111", ObjectGroup.CAPITAL, "401", "시설비및부대비", "401-01", "시설비", 300_000_000),
    DemoLine(
        "D211", ObjectGroup.CURRENT_TRANSFERS, "301", "일반보전금", "301-01", "사회보장적수혜금", 500_000_000
    ),
)


async def seed_demo_year(session: AsyncSession) -> int:
    """Create 종로구's 2026 year unless it exists; returns how many budget lines were created."""
    users = {
        u.username: u
        for u in (
            await session.scalars(
                select(User).where(
                    User.username.in_(["official.jongno", "finance.jongno", "approver.jongno"])
                )
            )
        ).all()
    }
    if len(users) < 3:
        return 0
    exists = await session.scalar(
        select(FiscalYear.id).where(FiscalYear.government_code == GOVERNMENT, FiscalYear.year == YEAR)
    )
    if exists is not None:
        return 0
    official, officer, approver = (
        actor_for(users[name]) for name in ("official.jongno", "finance.jongno", "approver.jongno")
    )
    year = await services.create_fiscal_year(session, officer, year=YEAR)
    general = await services.create_account(
        session, officer, code="100", name="일반회계", kind=FundKind.GENERAL
    )
    details: dict[str, Programme] = {}
    for chain in PROGRAMMES:
        parent_id: uuid.UUID | None = None
        for level, (code, name) in zip(ProgrammeLevel, chain, strict=True):
            programme = await services.create_programme(
                session,
                officer,
                fiscal_year_id=year.id,
                level=level,
                code=code,
                name=name,
                parent_id=parent_id,
            )
            parent_id = programme.id
            if level is ProgrammeLevel.DETAIL:
                details[code] = programme
    lines: dict[str, BudgetLine] = {}
    for spec in LINES:
        lines[spec.statistics_code] = await services.create_budget_line(
            session,
            officer,
            programme_id=details[spec.detail_code].id,
            account_id=general.id,
            object_group=spec.group,
            object_code=spec.object_code,
            object_name=spec.object_name,
            statistics_code=spec.statistics_code,
            statistics_name=spec.statistics_name,
        )
    version = await services.create_budget_version(
        session,
        official,
        fiscal_year_id=year.id,
        title=f"{YEAR}년도 종로구 본예산",
        amounts=[services.VersionAmount(lines[s.statistics_code].id, s.budget) for s in LINES],
    )
    await services.submit_budget_version(session, official, version.id)
    await services.approve_budget_version(
        session, approver, version.id, council_resolution="종로구의회 제325회 의결"
    )
    for spec in LINES:
        allocation = await services.request_allocation(
            session,
            official,
            budget_line_id=lines[spec.statistics_code].id,
            quarter=1,
            amount=int(spec.budget * ALLOCATED_SHARE),
        )
        await services.decide_allocation(session, approver, allocation.id, approve=True)

    contract = await services.create_contract(
        session,
        official,
        title="종로구청 외벽 도색 공사",
        method=ContractMethod.RESTRICTED_TENDER,
        supplier_name="한빛상사",
        supplier_registration_number="220-81-62517",
        amount=95_000_000,
        start_date=date(YEAR, 3, 2),
        end_date=date(YEAR, 5, 29),
    )
    painting = await services.request_commitment(
        session,
        official,
        budget_line_id=lines["401-01"].id,
        amount=95_000_000,
        description="청사 외벽 도색 공사 계약",
        contract_id=contract.id,
    )
    await services.decide_commitment(session, approver, painting.id, approve=True)
    resolution = await services.request_expenditure_resolution(
        session,
        official,
        commitment_id=painting.id,
        amount=95_000_000,
        payee_name="한빛상사",
        description="준공 대가",
    )
    await services.decide_expenditure_resolution(session, approver, resolution.id, approve=True)
    order, _ = await services.create_payment_order(
        session, official, resolution_id=resolution.id, idempotency_key=f"demo-{GOVERNMENT}-{YEAR}-0001"
    )
    await services.decide_payment_order(session, approver, order.id, approve=True)
    await services.record_payment(session, officer, order.id)

    await services.request_commitment(
        session, official, budget_line_id=lines["201-01"].id, amount=3_200_000, description="복사용지 구매"
    )
    await services.request_expenditure_resolution(
        session,
        official,
        budget_line_id=lines["201-02"].id,
        amount=1_850_000,
        payee_name="한국전력공사",
        description="3월 청사 전기요금",
    )
    return len(lines)
