"""Pages of the property register, depreciation, bonds, holdings and statements: forms in Korean, refusals
shown on the form with nothing written, CSV with the BOM, roles and tenancy."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.finance.assets.models import PublicProperty
from app.platform.auth.models import Role
from tests.conftest import TEST_PASSWORD, Accounts

Client = AsyncTestClient[Litestar]


def _csrf(page: str) -> str:
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page)
    assert token, "the page carries a CSRF token"
    return token.group(1)


async def _sign_in(client: Client, username: str) -> None:
    form = await client.get("/login")
    response = await client.post(
        "/login",
        data={"username": username, "password": TEST_PASSWORD, "next": "/", "_csrf_token": _csrf(form.text)},
    )
    assert response.status_code in (200, 303), response.text


async def _submit(client: Client, form_page: str, action: str, data: dict[str, str]) -> object:
    page = await client.get(form_page)
    assert page.status_code == 200, page.text
    return await client.post(action, data={**data, "_csrf_token": _csrf(page.text)}, follow_redirects=False)


PROPERTY = {
    "kind": "building",
    "name": "삼봉로 주민센터",
    "location": "서울특별시 종로구 삼봉로 43",
    "parcel_number": "수송동 146-2",
    "department": "자치행정과",
    "acquired_on": "2025-01-10",
    "cost": "480,000,000",
    "useful_life_years": "40",
    "residual_value": "",
    "funding": "cash",
    "payment_order_id": "",
}


class TestAssetPages:
    async def test_officer_registers_depreciates_and_reads_the_statements(
        self, client: Client, accounts: Accounts, session: AsyncSession
    ) -> None:
        officer = await accounts.make(Role.FINANCE_OFFICER)
        await _sign_in(client, officer.user.username)
        wrong = await _submit(
            client, "/finance/assets/new", "/finance/assets", {**PROPERTY, "cost": "12만원"}
        )
        assert wrong.status_code == 422  # type: ignore[attr-defined]
        assert 'aria-invalid="true"' in wrong.text  # type: ignore[attr-defined]
        assert "숫자" in wrong.text  # type: ignore[attr-defined]
        future = await _submit(
            client, "/finance/assets/new", "/finance/assets", {**PROPERTY, "acquired_on": "2099-01-01"}
        )
        assert future.status_code == 422  # type: ignore[attr-defined]
        assert "미래" in future.text  # type: ignore[attr-defined]
        assert await session.scalar(select(func.count()).select_from(PublicProperty)) == 0

        created = await _submit(client, "/finance/assets/new", "/finance/assets", PROPERTY)
        assert created.status_code == 303  # type: ignore[attr-defined]
        detail = await client.get(created.headers["location"])  # type: ignore[attr-defined]
        assert "공유재산대장에 등록" in detail.text and "480,000,000" in detail.text

        run = await _submit(
            client,
            "/finance/assets/depreciation",
            "/finance/assets/depreciation",
            {"year": "2025", "month": ""},
        )
        assert run.status_code == 303  # type: ignore[attr-defined]
        runs = await client.get("/finance/assets/depreciation")
        assert "12,000,000" in runs.text  # 480,000,000 ÷ 40 years
        again = await _submit(
            client,
            "/finance/assets/depreciation",
            "/finance/assets/depreciation",
            {"year": "2025", "month": ""},
        )
        assert "run_exists" in again.headers["location"]  # type: ignore[attr-defined]

        register = await client.get("/finance/assets?kind=building&q=주민센터")
        assert "삼봉로 주민센터" in register.text and "468,000,000" in register.text
        assert "삼봉로 주민센터" not in (await client.get("/finance/assets?kind=land")).text

        statements = await client.get("/finance/statements?year=2025")
        assert "재정상태표" in statements.text and "재정운영표" in statements.text
        assert "자산총계는 부채와 순자산의 합계와 같습니다" in statements.text
        csv = await client.get("/finance/statements/balance-sheet.csv?year=2025")
        assert csv.content.startswith("\ufeff".encode())
        assert "감가상각누계액" in csv.content.decode("utf-8-sig")
        operating = await client.get("/finance/statements/operating.csv?year=2025")
        assert "12000000" in operating.content.decode("utf-8-sig")
        english = await client.get("/finance/statements?year=2025&lang=en")
        assert "Balance sheet" in english.text

    async def test_bond_form_schedule_and_repayment(self, client: Client, accounts: Accounts) -> None:
        officer = await accounts.make(Role.FINANCE_OFFICER)
        await _sign_in(client, officer.user.username)
        bond = {
            "name": "도로건설 지방채",
            "lender": "공공자금관리기금",
            "purpose": "삼봉로 확장",
            "principal": "100,000,000",
            "annual_rate_percent": "3.2555",
            "issued_on": "2025-01-31",
            "term_years": "2",
            "grace_years": "0",
            "payments_per_year": "2",
            "method": "equal_principal",
        }
        wrong = await _submit(client, "/finance/bonds/new", "/finance/bonds", bond)
        assert wrong.status_code == 422 and "소수점" in wrong.text  # type: ignore[attr-defined]
        refused = await _submit(
            client,
            "/finance/bonds/new",
            "/finance/bonds",
            {**bond, "annual_rate_percent": "3.25", "grace_years": "2"},
        )
        assert refused.status_code == 422 and "거치기간" in refused.text  # type: ignore[attr-defined]
        created = await _submit(
            client, "/finance/bonds/new", "/finance/bonds", {**bond, "annual_rate_percent": "3.25"}
        )
        assert created.status_code == 303  # type: ignore[attr-defined]
        path = created.headers["location"].split("?")[0]  # type: ignore[attr-defined]
        page = await client.get(path)
        assert "상환 일정" in page.text and "25,000,000" in page.text and "1,625,000" in page.text
        repaid = await _submit(client, path, f"{path}/instalments/1/repay", {"paid_on": "2025-07-31"})
        assert repaid.status_code == 303  # type: ignore[attr-defined]
        twice = await _submit(client, path, f"{path}/instalments/1/repay", {"paid_on": "2025-07-31"})
        assert twice.status_code == 409  # type: ignore[attr-defined]
        assert "75,000,000" in (await client.get("/finance/bonds")).text

    async def test_official_reads_but_cannot_change_and_another_government_sees_nothing(
        self, client: Client, accounts: Accounts
    ) -> None:
        official = await accounts.make(Role.OFFICIAL)
        await _sign_in(client, official.user.username)
        page = await client.get("/finance/assets")
        assert page.status_code == 200 and "공유재산대장" in page.text
        assert "/finance/assets/new" not in page.text
        assert (await client.get("/finance/assets/new")).status_code == 403
        assert (await client.get("/finance/holdings")).status_code == 200
        other = await accounts.make(Role.FINANCE_OFFICER, "26110")
        assert (await client.get("/finance/statements?year=2025&government=26110")).status_code == 404
        assert other.user.government_code == "26110"
