"""Reference data and demo accounts. Both loads are idempotent: a second run changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.finance.demo import seed_demo_year
from app.platform.auth.models import Role, User
from app.platform.auth.services import create_user
from app.platform.governments import load_reference_governments
from app.platform.tenancy import SYSTEM_ACTOR

DEMO_PASSWORD = "lofin-demo-2026"  # noqa: S105 - published in the README for the demo database only


@dataclass(frozen=True, slots=True)
class DemoAccount:
    """One account of the demo data set."""

    username: str
    display_name: str
    role: Role
    government_code: str | None


DEMO_ACCOUNTS: tuple[DemoAccount, ...] = (
    DemoAccount("admin.mois", "행정안전부 시스템관리자", Role.ADMIN, None),
    DemoAccount("admin.jongno", "종로구 시스템관리자", Role.ADMIN, "11110"),
    DemoAccount("official.jongno", "종로구 재정담당 공무원", Role.OFFICIAL, "11110"),
    DemoAccount("finance.jongno", "종로구 재무관", Role.FINANCE_OFFICER, "11110"),
    DemoAccount("approver.jongno", "종로구 결재권자", Role.APPROVER, "11110"),
    DemoAccount("auditor.seoul", "서울특별시 감사관", Role.AUDITOR, "11000"),
    DemoAccount("official.suwon", "수원시 재정담당 공무원", Role.OFFICIAL, "41110"),
    DemoAccount("finance.suwon", "수원시 재무관", Role.FINANCE_OFFICER, "41110"),
    DemoAccount("approver.suwon", "수원시 결재권자", Role.APPROVER, "41110"),
    DemoAccount("official.busan", "부산광역시 재정담당 공무원", Role.OFFICIAL, "26000"),
    DemoAccount("finance.busan", "부산광역시 재무관", Role.FINANCE_OFFICER, "26000"),
    DemoAccount("approver.busan", "부산광역시 결재권자", Role.APPROVER, "26000"),
    DemoAccount("analyst.mois", "행정안전부 정책분석가", Role.POLICY_ANALYST, None),
    DemoAccount("operator.center", "통합관제센터 운영자", Role.OPERATOR, None),
    DemoAccount("resident.kim", "김주민", Role.RESIDENT, None),
    DemoAccount("business.hanbit", "한빛상사", Role.BUSINESS, None),
)


async def seed_reference_data(session: AsyncSession) -> int:
    """Load the 243 local governments; returns how many rows changed."""
    return await load_reference_governments(session)


async def seed_demo_accounts(session: AsyncSession) -> int:
    """Create the demo accounts that do not exist yet; returns how many were created."""
    existing = set((await session.scalars(select(User.username))).all())
    created = 0
    for account in DEMO_ACCOUNTS:
        if account.username in existing:
            continue
        await create_user(
            session,
            SYSTEM_ACTOR,
            username=account.username,
            display_name=account.display_name,
            role=account.role,
            password=DEMO_PASSWORD,
            government_code=account.government_code,
        )
        created += 1
    return created


async def seed_demo_finance(session: AsyncSession) -> int:
    """The e-Hojo+ budget years of the demo governments (after the demo accounts); returns how many lines were created."""
    return await seed_demo_year(session)
