"""The property, bond, holding and statement API: guards and tenancy first, then one walk through it all."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.platform.auth.models import Role
from tests.conftest import Account, Accounts

Client = AsyncTestClient[Litestar]

PROPERTY = {
    "kind": "equipment",
    "name": "청사 복합기",
    "location": "서울특별시 종로구 삼봉로 43",
    "department": "총무과",
    "acquired_on": "2025-01-15",
    "cost": 1_200_000,
    "funding": "cash",
    "useful_life_years": 1,
}
BOND = {
    "name": "2025년 도로건설 지방채",
    "lender": "공공자금관리기금",
    "purpose": "삼봉로 확장",
    "principal": 1_000_000_000,
    "annual_rate_percent": "3.25",
    "issued_on": "2025-01-31",
    "term_years": 3,
    "grace_years": 1,
    "payments_per_year": 2,
    "method": "equal_instalment",
}


async def send(client: Client, account: Account, method: str, path: str, body: Any = None) -> Any:
    return await client.request(method, f"/api/finance{path}", json=body, headers=account.headers)


class TestGuards:
    async def test_anonymous_wrong_role_and_other_government(
        self, client: Client, accounts: Accounts
    ) -> None:
        assert (await client.get("/api/finance/properties")).status_code == 401
        official = await accounts.make(Role.OFFICIAL)
        officer = await accounts.make(Role.FINANCE_OFFICER)
        for path, body in [
            ("/properties", PROPERTY),
            ("/bonds", BOND),
            ("/depreciation-runs", {"year": 2025}),
        ]:
            response = await send(client, official, "POST", path, body)
            assert response.status_code == 403, path
            assert response.headers["content-type"].startswith("application/problem+json")
        created = await send(client, officer, "POST", "/properties", PROPERTY)
        assert created.status_code == 201
        other = await accounts.make(Role.FINANCE_OFFICER, "26110")
        item = created.json()["id"]
        assert (await send(client, other, "GET", f"/properties/{item}")).status_code == 404
        dispose = {"kind": "write_off", "disposed_on": "2025-06-01"}
        assert (await send(client, other, "POST", f"/properties/{item}/dispose", dispose)).status_code == 404
        assert (await send(client, other, "GET", "/properties")).json()["total"] == 0
        sheet = await send(
            client, other, "GET", "/statements/balance-sheet?fiscal_year=2025&government_code=11110"
        )
        assert sheet.status_code == 404


class TestBadInput:
    async def test_refusals_are_problems_and_write_nothing(self, client: Client, accounts: Accounts) -> None:
        officer = await accounts.make(Role.FINANCE_OFFICER)
        cases = [
            ("/properties", {**PROPERTY, "acquired_on": "2099-01-01"}, 422),
            ("/properties", {**PROPERTY, "cost": 0}, 400),
            ("/properties", {**PROPERTY, "kind": "castle"}, 400),
            ("/properties", {**PROPERTY, "residual_value": 5_000_000}, 422),
            ("/properties", {**PROPERTY, "surprise": 1}, 400),
            ("/bonds", {**BOND, "annual_rate_percent": "3.2555"}, 400),
            ("/bonds", {**BOND, "annual_rate_percent": "31"}, 422),
            ("/bonds", {**BOND, "grace_years": 3}, 422),
            ("/bonds", {**BOND, "payments_per_year": 3}, 422),
            ("/depreciation-runs", {"year": 2025, "month": 13}, 400),
            (
                "/holdings",
                {
                    "kind": "deposit",
                    "name": "예금",
                    "institution": "은행",
                    "amount": -1,
                    "acquired_on": "2025-01-02",
                },
                400,
            ),
        ]
        for path, body, status in cases:
            response = await send(client, officer, "POST", path, body)
            assert response.status_code == status, (path, body, response.text)
            assert response.json()["detail"]
        assert (await send(client, officer, "GET", "/properties")).json()["total"] == 0
        assert (await send(client, officer, "GET", "/bonds")).json()["total"] == 0
        journal = await client.get("/api/finance/journal", headers=officer.headers)
        assert journal.json()["total"] == 0
        bad_year = await send(client, officer, "GET", "/statements/operating?fiscal_year=1999")
        assert bad_year.status_code == 400


class TestWalkthrough:
    async def test_register_depreciate_dispose_borrow_hold_and_read_the_statements(
        self, client: Client, accounts: Accounts
    ) -> None:
        officer = await accounts.make(Role.FINANCE_OFFICER)
        auditor = await accounts.make(Role.AUDITOR)
        item = (await send(client, officer, "POST", "/properties", PROPERTY)).json()
        assert (item["book_value"], item["useful_life_years"], item["status"]) == (1_200_000, 1, "in_use")
        first = await send(client, officer, "POST", "/depreciation-runs", {"year": 2025, "month": 3})
        again = await send(client, officer, "POST", "/depreciation-runs", {"year": 2025, "month": 3})
        assert (first.status_code, again.status_code) == (201, 200)
        assert first.json()["id"] == again.json()["id"] and first.json()["total_amount"] == 300_000
        runs = await send(client, auditor, "GET", "/depreciation-runs")
        assert runs.json()["total"] == 1
        detail = (await send(client, auditor, "GET", f"/properties/{item['id']}")).json()
        assert detail["property"]["book_value"] == 900_000
        assert [m["kind"] for m in detail["movements"]] == ["acquisition", "depreciation"]
        listed = await send(
            client, auditor, "GET", "/properties?kind=equipment&status=in_use&q=복합기&department=총무과"
        )
        assert listed.json()["total"] == 1
        assert (await send(client, auditor, "GET", "/properties?kind=land")).json()["total"] == 0
        sold = await send(
            client,
            officer,
            "POST",
            f"/properties/{item['id']}/dispose",
            {"kind": "sale", "disposed_on": "2025-04-10", "proceeds": 1_000_000},
        )
        assert sold.status_code == 200 and sold.json()["status"] == "disposed"
        twice = await send(
            client,
            officer,
            "POST",
            f"/properties/{item['id']}/dispose",
            {"kind": "write_off", "disposed_on": "2025-05-01"},
        )
        assert twice.status_code == 409

        issued = await send(client, officer, "POST", "/bonds", BOND)
        assert issued.status_code == 201
        bond = issued.json()
        assert bond["total_principal"] == 1_000_000_000 and len(bond["schedule"]) == 6
        assert bond["bond"]["annual_rate_percent"] == "3.25"
        bond_id = bond["bond"]["id"]
        repaid = await send(
            client, officer, "POST", f"/bonds/{bond_id}/instalments/1/repay", {"paid_on": "2025-07-31"}
        )
        assert repaid.status_code == 200
        assert repaid.json()["schedule"][0]["paid_on"] == "2025-07-31"
        again = await send(
            client, officer, "POST", f"/bonds/{bond_id}/instalments/1/repay", {"paid_on": "2025-07-31"}
        )
        assert again.status_code == 409
        skipped = await send(
            client, officer, "POST", f"/bonds/{bond_id}/instalments/4/repay", {"paid_on": "2025-07-31"}
        )
        assert skipped.status_code == 409
        assert (await send(client, auditor, "GET", "/bonds?status=outstanding")).json()["items"][0][
            "outstanding"
        ] == (1_000_000_000)

        holding = await send(
            client,
            officer,
            "POST",
            "/holdings",
            {
                "kind": "security",
                "name": "국고채",
                "institution": "예탁결제원",
                "amount": 50_000_000,
                "acquired_on": "2025-02-01",
            },
        )
        assert holding.status_code == 201
        holding_id = holding.json()["holding"]["id"]
        redeemed = await send(
            client,
            officer,
            "POST",
            f"/holdings/{holding_id}/movements",
            {"kind": "redeem", "amount": 20_000_000, "occurred_on": "2025-09-01", "proceeds": 19_000_000},
        )
        assert redeemed.status_code == 201 and redeemed.json()["holding"]["balance"] == 30_000_000
        too_much = await send(
            client,
            officer,
            "POST",
            f"/holdings/{holding_id}/movements",
            {"kind": "redeem", "amount": 30_000_001, "occurred_on": "2025-09-01"},
        )
        assert too_much.status_code == 409

        sheet = (await send(client, auditor, "GET", "/statements/balance-sheet?fiscal_year=2025")).json()
        assert sheet["total_assets"] == sheet["total_liabilities"] + sheet["total_net_assets"]
        assert {r["account"]: r["amount"] for r in sheet["liabilities"]} == {"borrowings": 1_000_000_000}
        assert sheet["property_net"] == 0
        statement = (await send(client, auditor, "GET", "/statements/operating?fiscal_year=2025")).json()
        expenses = {r["account"]: r["amount"] for r in statement["expenses"]}
        assert expenses["depreciation_expense"] == 300_000  # January to March
        assert expenses["interest_expense"] == 16_250_000
        assert expenses["other_expense"] == 1_000_000  # the holding redeemed at a loss
        assert {r["account"]: r["amount"] for r in statement["revenues"]} == {"other_revenue": 100_000}
        assert statement["surplus"] == sheet["surplus"]
        ministry = await accounts.make(Role.AUDITOR, None)
        named = await send(
            client, ministry, "GET", "/statements/balance-sheet?fiscal_year=2025&government_code=11110"
        )
        assert named.json()["total_assets"] == sheet["total_assets"]
        unnamed = await send(client, ministry, "GET", "/statements/balance-sheet?fiscal_year=2025")
        assert unnamed.status_code == 422
