"""A realistic 2026 budget year for a few governments, built through the services as officials would.

종로구 (a 자치구), 수원시 (a 시) and 부산광역시 (a 광역시) each get their structure, an original budget
passed by their council, quarterly allocations, and execution left at every stage of the chain —
requested, approved, resolved, ordered, paid, rejected — so the pages and the approver inbox have
something true to show. Every government's year is created once: an existing 2026 year means done.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.finance import services
from app.finance.assets.demo import seed_demo_assets
from app.finance.bulk.demo import seed_demo_bulk
from app.finance.cycle.demo import seed_demo_cycle
from app.finance.milestones.demo import seed_demo_milestones
from app.finance.models import (
    BudgetLine,
    ContractMethod,
    FiscalYear,
    FundKind,
    ObjectGroup,
    Programme,
    ProgrammeLevel,
)
from app.finance.revenue.demo import seed_demo_revenue
from app.platform.auth.models import User
from app.platform.auth.services import actor_for
from app.platform.tenancy import Actor

YEAR = 2026

ProgrammeChain = tuple[tuple[str, str], ...]
"""(code, name) from the functional field (분야) down to the detail project (세부사업)."""


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


class Stage(enum.IntEnum):
    """How far one piece of demo spending has come along the chain."""

    COMMITMENT_REJECTED = 0
    COMMITMENT_REQUESTED = 1
    COMMITTED = 2
    RESOLUTION_REQUESTED = 3
    RESOLVED = 4
    ORDER_REQUESTED = 5
    ORDER_APPROVED = 6
    PAID = 7


@dataclass(frozen=True, slots=True)
class DemoContract:
    """A contract with a supplier that a demo commitment draws on."""

    title: str
    method: ContractMethod
    supplier_name: str
    registration_number: str
    amount: int
    start: date
    end: date


@dataclass(frozen=True, slots=True)
class DemoSpending:
    """One piece of execution on a line: a commitment (under a contract or not) or direct spending.

    ``resolved`` is the amount of the expenditure resolution, when it differs from the commitment
    (a progress payment under a larger commitment); ``committed=False`` is spending without
    commitment (utilities), whose stage starts at the resolution.
    """

    statistics_code: str
    amount: int
    description: str
    payee: str
    stage: Stage
    resolution_description: str = ""
    resolved: int | None = None
    contract: DemoContract | None = None
    committed: bool = True


@dataclass(frozen=True, slots=True)
class DemoAllocation:
    """배정: a share of every line's budget for a quarter (``pending`` leaves one line's request open)."""

    quarter: int
    share: float
    pending_line: str | None = None


@dataclass(frozen=True, slots=True)
class DemoSupplementary:
    """추경 drafted after the original budget: new whole amounts for some lines, left at draft or submitted."""

    title: str
    amounts: dict[str, int]
    submitted: bool


@dataclass(frozen=True, slots=True)
class DemoGovernment:
    """The finance office of one government and what its demo year contains."""

    code: str
    name: str
    council_resolution: str
    programmes: tuple[ProgrammeChain, ...]
    lines: tuple[DemoLine, ...]
    allocations: tuple[DemoAllocation, ...]
    spending: tuple[DemoSpending, ...]
    username_suffix: str
    supplementary: DemoSupplementary | None = None

    @property
    def usernames(self) -> tuple[str, str, str]:
        """The demo accounts of its official (maker), finance officer (structure, 지출원) and approver."""
        suffix = self.username_suffix
        return (f"official.{suffix}", f"finance.{suffix}", f"approver.{suffix}")


OFFICE = ("010", "일반공공행정"), ("014", "일반행정"), ("P100", "청사 운영"), ("U110", "청사 관리")
KEPCO = "한국전력공사"

JONGNO = DemoGovernment(
    code="11110",
    name="종로구",
    council_resolution="종로구의회 제325회 의결",
    username_suffix="jongno",
    programmes=(
        (*OFFICE, ("D111", "청사 시설 유지관리")),
        (
            ("080", "사회복지"),
            ("081", "기초생활보장"),
            ("P200", "저소득층 지원"),
            ("U210", "생계 지원"),
            ("D211", "긴급 생계비 지원"),
        ),
    ),
    lines=(
        DemoLine("D111", ObjectGroup.GOODS, "201", "일반운영비", "201-01", "사무관리비", 120_000_000),
        DemoLine("D111", ObjectGroup.GOODS, "201", "일반운영비", "201-02", "공공운영비", 90_000_000),
        DemoLine("D111", ObjectGroup.CAPITAL, "401", "시설비및부대비", "401-01", "시설비", 300_000_000),
        DemoLine(
            "D211",
            ObjectGroup.CURRENT_TRANSFERS,
            "301",
            "일반보전금",
            "301-01",
            "사회보장적수혜금",
            500_000_000,
        ),
    ),
    allocations=(DemoAllocation(quarter=1, share=0.4),),
    spending=(
        DemoSpending(
            "401-01",
            95_000_000,
            "청사 외벽 도색 공사 계약",
            "한빛상사",
            Stage.PAID,
            resolution_description="준공 대가",
            contract=DemoContract(
                "종로구청 외벽 도색 공사",
                ContractMethod.RESTRICTED_TENDER,
                "한빛상사",
                "220-81-62517",
                95_000_000,
                date(YEAR, 3, 2),
                date(YEAR, 5, 29),
            ),
        ),
        DemoSpending("201-01", 3_200_000, "복사용지 구매", "", Stage.COMMITMENT_REQUESTED),
        DemoSpending(
            "201-02", 1_850_000, "3월 청사 전기요금", KEPCO, Stage.RESOLUTION_REQUESTED, committed=False
        ),
    ),
)

SUWON = DemoGovernment(
    code="41110",
    name="수원시",
    council_resolution="수원시의회 제381회 정례회 의결",
    username_suffix="suwon",
    programmes=(
        (*OFFICE, ("D111", "본청 청사 유지관리")),
        (
            ("080", "사회복지"),
            ("084", "노인·청소년"),
            ("P300", "노인복지 증진"),
            ("U310", "노인 일자리 지원"),
            ("D311", "노인 일자리 및 사회활동 지원"),
        ),
        (
            ("140", "교통및물류"),
            ("141", "도로"),
            ("P400", "도로 기반시설 확충"),
            ("U410", "도로 개설"),
            ("D411", "망포역 연결도로 개설"),
        ),
    ),
    lines=(
        DemoLine("D111", ObjectGroup.GOODS, "201", "일반운영비", "201-01", "사무관리비", 850_000_000),
        DemoLine("D111", ObjectGroup.GOODS, "201", "일반운영비", "201-02", "공공운영비", 1_240_000_000),
        DemoLine(
            "D311",
            ObjectGroup.CURRENT_TRANSFERS,
            "307",
            "민간이전",
            "307-02",
            "민간경상사업보조",
            12_600_000_000,
        ),
        DemoLine("D411", ObjectGroup.CAPITAL, "401", "시설비및부대비", "401-01", "시설비", 18_000_000_000),
        DemoLine("D411", ObjectGroup.CAPITAL, "401", "시설비및부대비", "401-02", "감리비", 720_000_000),
    ),
    allocations=(
        DemoAllocation(quarter=1, share=0.3),
        DemoAllocation(quarter=2, share=0.25, pending_line="401-01"),
    ),
    spending=(
        DemoSpending(
            "401-01",
            5_000_000_000,
            "망포역 연결도로 개설공사 2026년 연차분",
            "대한토건",
            Stage.PAID,
            resolution_description="1차 기성금",
            resolved=2_310_000_000,
            contract=DemoContract(
                "망포역 연결도로 개설공사",
                ContractMethod.OPEN_TENDER,
                "대한토건",
                "124-81-52346",
                15_400_000_000,
                date(YEAR, 2, 16),
                date(YEAR + 1, 12, 31),
            ),
        ),
        DemoSpending(
            "401-02",
            340_000_000,
            "망포역 연결도로 건설사업관리 2026년 연차분",
            "수원엔지니어링",
            Stage.ORDER_APPROVED,
            resolution_description="1분기 감리 대가",
            resolved=170_000_000,
            contract=DemoContract(
                "망포역 연결도로 건설사업관리 용역",
                ContractMethod.RESTRICTED_TENDER,
                "수원엔지니어링",
                "124-81-55173",
                680_000_000,
                date(YEAR, 2, 16),
                date(YEAR + 1, 12, 31),
            ),
        ),
        DemoSpending(
            "307-02",
            3_150_000_000,
            "노인 일자리 사업 1분기 보조금 교부",
            "수원시니어클럽",
            Stage.RESOLVED,
            resolution_description="1분기 보조금",
        ),
        DemoSpending("201-02", 48_320_000, "1월 본청 전기요금", KEPCO, Stage.PAID, committed=False),
        DemoSpending(
            "201-02", 45_910_000, "2월 본청 전기요금", KEPCO, Stage.ORDER_REQUESTED, committed=False
        ),
        DemoSpending("201-01", 12_500_000, "민원안내 책자 인쇄", "", Stage.COMMITMENT_REQUESTED),
        DemoSpending("201-01", 28_000_000, "직원 워크숍 행사 대행", "", Stage.COMMITMENT_REJECTED),
    ),
    supplementary=DemoSupplementary(
        "2026년도 수원시 제1회 추가경정예산", {"307-02": 13_800_000_000}, submitted=True
    ),
)

BUSAN = DemoGovernment(
    code="26000",
    name="부산광역시",
    council_resolution="부산광역시의회 제325회 정례회 의결",
    username_suffix="busan",
    programmes=(
        (
            ("010", "일반공공행정"),
            ("014", "일반행정"),
            ("P100", "시정 운영"),
            ("U110", "청사 관리"),
            ("D111", "시청 청사 시설관리"),
        ),
        (
            ("140", "교통및물류"),
            ("145", "대중교통·물류등기타"),
            ("P500", "대중교통 활성화"),
            ("U510", "시내버스 준공영제"),
            ("D511", "시내버스 재정지원"),
        ),
        (
            ("090", "환경"),
            ("092", "상하수·수질"),
            ("P600", "하수처리 고도화"),
            ("U610", "하수처리장 개량"),
            ("D611", "수영하수처리장 개량"),
        ),
    ),
    lines=(
        DemoLine("D111", ObjectGroup.GOODS, "201", "일반운영비", "201-01", "사무관리비", 2_400_000_000),
        DemoLine("D111", ObjectGroup.GOODS, "201", "일반운영비", "201-02", "공공운영비", 3_800_000_000),
        DemoLine(
            "D511",
            ObjectGroup.CURRENT_TRANSFERS,
            "307",
            "민간이전",
            "307-02",
            "민간경상사업보조",
            270_000_000_000,
        ),
        DemoLine("D611", ObjectGroup.CAPITAL, "401", "시설비및부대비", "401-01", "시설비", 42_000_000_000),
        DemoLine("D611", ObjectGroup.CAPITAL, "401", "시설비및부대비", "401-02", "감리비", 1_680_000_000),
    ),
    allocations=(DemoAllocation(quarter=1, share=0.25),),
    spending=(
        DemoSpending(
            "401-01",
            9_000_000_000,
            "수영하수처리장 개량공사 2026년 연차분",
            "동남건설",
            Stage.PAID,
            resolution_description="1차 기성금",
            resolved=3_850_000_000,
            contract=DemoContract(
                "수영하수처리장 고도처리시설 개량공사",
                ContractMethod.OPEN_TENDER,
                "동남건설",
                "605-86-32349",
                38_500_000_000,
                date(YEAR, 1, 19),
                date(YEAR + 2, 6, 30),
            ),
        ),
        DemoSpending(
            "401-02",
            400_000_000,
            "수영하수처리장 건설사업관리 2026년 연차분",
            "부산기술단",
            Stage.COMMITTED,
            contract=DemoContract(
                "수영하수처리장 개량공사 건설사업관리 용역",
                ContractMethod.RESTRICTED_TENDER,
                "부산기술단",
                "617-81-02348",
                1_540_000_000,
                date(YEAR, 1, 19),
                date(YEAR + 2, 6, 30),
            ),
        ),
        DemoSpending(
            "307-02",
            67_500_000_000,
            "시내버스 준공영제 1분기 재정지원금",
            "부산광역시버스운송사업조합",
            Stage.PAID,
            resolution_description="1월분 재정지원금",
            resolved=22_500_000_000,
        ),
        DemoSpending(
            "201-02", 186_400_000, "1월 시청 전기요금", KEPCO, Stage.RESOLUTION_REQUESTED, committed=False
        ),
    ),
    supplementary=DemoSupplementary(
        "2026년도 부산광역시 제1회 추가경정예산", {"201-01": 2_650_000_000}, submitted=False
    ),
)

GOVERNMENTS = (JONGNO, SUWON, BUSAN)


@dataclass(frozen=True, slots=True)
class _Office:
    """The three people of one government's finance office who build its demo year."""

    official: Actor
    officer: Actor
    approver: Actor


async def _office(session: AsyncSession, government: DemoGovernment) -> _Office | None:
    names = government.usernames
    users = {
        u.username: u for u in (await session.scalars(select(User).where(User.username.in_(names)))).all()
    }
    if len(users) < len(names):
        return None
    official, officer, approver = (actor_for(users[name]) for name in names)
    return _Office(official, officer, approver)


async def _build_structure(
    session: AsyncSession, office: _Office, government: DemoGovernment, year: FiscalYear
) -> dict[str, BudgetLine]:
    general = await services.create_account(
        session, office.officer, code="100", name="일반회계", kind=FundKind.GENERAL
    )
    details: dict[str, Programme] = {}
    created: dict[tuple[ProgrammeLevel, str], uuid.UUID] = {}
    for chain in government.programmes:
        parent_id: uuid.UUID | None = None
        for level, (code, name) in zip(ProgrammeLevel, chain, strict=True):
            if (level, code) not in created:  # chains may share their upper levels
                programme = await services.create_programme(
                    session,
                    office.officer,
                    fiscal_year_id=year.id,
                    level=level,
                    code=code,
                    name=name,
                    parent_id=parent_id,
                )
                created[level, code] = programme.id
                if level is ProgrammeLevel.DETAIL:
                    details[code] = programme
            parent_id = created[level, code]
    lines: dict[str, BudgetLine] = {}
    for spec in government.lines:
        lines[spec.statistics_code] = await services.create_budget_line(
            session,
            office.officer,
            programme_id=details[spec.detail_code].id,
            account_id=general.id,
            object_group=spec.group,
            object_code=spec.object_code,
            object_name=spec.object_name,
            statistics_code=spec.statistics_code,
            statistics_name=spec.statistics_name,
        )
    return lines


async def _pass_original_budget(
    session: AsyncSession,
    office: _Office,
    government: DemoGovernment,
    year: FiscalYear,
    lines: dict[str, BudgetLine],
) -> None:
    version = await services.create_budget_version(
        session,
        office.official,
        fiscal_year_id=year.id,
        title=f"{YEAR}년도 {government.name} 본예산",
        amounts=[services.VersionAmount(lines[s.statistics_code].id, s.budget) for s in government.lines],
    )
    await services.submit_budget_version(session, office.official, version.id)
    await services.approve_budget_version(
        session, office.approver, version.id, council_resolution=government.council_resolution
    )


async def _allocate(
    session: AsyncSession, office: _Office, government: DemoGovernment, lines: dict[str, BudgetLine]
) -> None:
    for allocation in government.allocations:
        for spec in government.lines:
            request = await services.request_allocation(
                session,
                office.official,
                budget_line_id=lines[spec.statistics_code].id,
                quarter=allocation.quarter,
                amount=int(spec.budget * allocation.share),
            )
            if spec.statistics_code != allocation.pending_line:
                await services.decide_allocation(session, office.approver, request.id, approve=True)


async def _spend(
    session: AsyncSession, office: _Office, line: BudgetLine, spec: DemoSpending, idempotency_key: str
) -> None:
    """Take one piece of spending as far as its stage, each step by the person whose step it is."""
    resolved = spec.resolved or spec.amount
    if spec.committed:
        contract_id = None
        if spec.contract is not None:
            contract = await services.create_contract(
                session,
                office.official,
                title=spec.contract.title,
                method=spec.contract.method,
                supplier_name=spec.contract.supplier_name,
                supplier_registration_number=spec.contract.registration_number,
                amount=spec.contract.amount,
                start_date=spec.contract.start,
                end_date=spec.contract.end,
            )
            contract_id = contract.id
        commitment = await services.request_commitment(
            session,
            office.official,
            budget_line_id=line.id,
            amount=spec.amount,
            description=spec.description,
            contract_id=contract_id,
        )
        if spec.stage <= Stage.COMMITMENT_REQUESTED:
            if spec.stage is Stage.COMMITMENT_REJECTED:
                await services.decide_commitment(session, office.approver, commitment.id, approve=False)
            return
        await services.decide_commitment(session, office.approver, commitment.id, approve=True)
        if spec.stage is Stage.COMMITTED:
            return
        resolution = await services.request_expenditure_resolution(
            session,
            office.official,
            commitment_id=commitment.id,
            amount=resolved,
            payee_name=spec.payee,
            description=spec.resolution_description or spec.description,
        )
    else:
        resolution = await services.request_expenditure_resolution(
            session,
            office.official,
            budget_line_id=line.id,
            amount=resolved,
            payee_name=spec.payee,
            description=spec.description,
        )
    if spec.stage is Stage.RESOLUTION_REQUESTED:
        return
    await services.decide_expenditure_resolution(session, office.approver, resolution.id, approve=True)
    if spec.stage is Stage.RESOLVED:
        return
    order, _ = await services.create_payment_order(
        session, office.official, resolution_id=resolution.id, idempotency_key=idempotency_key
    )
    if spec.stage is Stage.ORDER_REQUESTED:
        return
    await services.decide_payment_order(session, office.approver, order.id, approve=True)
    if spec.stage is Stage.ORDER_APPROVED:
        return
    await services.record_payment(session, office.officer, order.id)


async def seed_government_year(session: AsyncSession, government: DemoGovernment) -> int:
    """Build one government's demo year unless it exists; returns how many budget lines were created."""
    office = await _office(session, government)
    if office is None:
        return 0
    exists = await session.scalar(
        select(FiscalYear.id).where(FiscalYear.government_code == government.code, FiscalYear.year == YEAR)
    )
    if exists is not None:
        return 0
    year = await services.create_fiscal_year(session, office.officer, year=YEAR)
    lines = await _build_structure(session, office, government, year)
    await _pass_original_budget(session, office, government, year, lines)
    await _allocate(session, office, government, lines)
    for number, spec in enumerate(government.spending, start=1):
        key = f"demo-{government.code}-{YEAR}-{number:04d}"
        await _spend(session, office, lines[spec.statistics_code], spec, key)
    if government.supplementary is not None:
        draft = government.supplementary
        version = await services.create_budget_version(
            session,
            office.official,
            fiscal_year_id=year.id,
            title=draft.title,
            amounts=[
                services.VersionAmount(
                    lines[s.statistics_code].id, draft.amounts.get(s.statistics_code, s.budget)
                )
                for s in government.lines
            ],
        )
        if draft.submitted:
            await services.submit_budget_version(session, office.official, version.id)
    return len(lines)


async def seed_demo_year(session: AsyncSession) -> int:
    """Every demo government's 2026 year (each once); returns how many budget lines were created.

    Other e-Hojo+ areas add their own demo seeding below, one call each, after the budget years.
    """
    created = 0
    for government in GOVERNMENTS:
        created += await seed_government_year(session, government)
    await seed_demo_bulk(session)
    await seed_demo_revenue(session)
    await seed_demo_cycle(session)
    await seed_demo_assets(session)
    await seed_demo_milestones(session)
    return created
