"""The e-Hojo+ JSON API end to end: roles, tenancy, four-eyes, 409s, idempotency and metrics."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.finance import services
from app.finance.models import ObjectGroup
from app.platform.auth.models import Role
from tests.conftest import Accounts
from tests.finance.conftest import FinanceWorld, make_staff

Client = AsyncTestClient[Litestar]


async def _ok(response: Any, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


class TestRoles:
    async def test_anonymous_and_residents_are_kept_out(self, client: Client, accounts: Accounts) -> None:
        assert (await client.get("/api/finance/budget-lines")).status_code == 401
        resident = await accounts.make(Role.RESIDENT, None)
        assert (await client.get("/api/finance/budget-lines", headers=resident.headers)).status_code == 403

    async def test_auditor_reads_but_cannot_commit(
        self, client: Client, world: FinanceWorld, accounts: Accounts
    ) -> None:
        line = await world.line(budget=1_000, allocated=1_000)
        auditor = await accounts.make(Role.AUDITOR, "11110")
        body = await _ok(
            await client.get(f"/api/finance/budget-lines/{line.id}", headers=auditor.headers), 200
        )
        assert body["available"] == 1_000
        refused = await client.post(
            "/api/finance/commitments",
            headers=auditor.headers,
            json={"budget_line_id": str(line.id), "amount": 10, "description": "x"},
        )
        assert refused.status_code == 403

    async def test_administrator_passes_the_guard_but_the_service_refuses(
        self, client: Client, world: FinanceWorld, accounts: Accounts
    ) -> None:
        line = await world.line(budget=1_000, allocated=1_000)
        admin = await accounts.make(Role.ADMIN, "11110")
        refused = await client.post(
            "/api/finance/commitments",
            headers=admin.headers,
            json={"budget_line_id": str(line.id), "amount": 10, "description": "x"},
        )
        assert refused.status_code == 403
        assert "admin" in refused.json()["detail"]


class TestWorkflow:
    async def test_budget_to_payment_through_the_api(self, client: Client, accounts: Accounts) -> None:
        staff = await make_staff(accounts, "11110")
        officer, official, approver = staff.officer.headers, staff.official.headers, staff.approver.headers
        year = await _ok(await client.post("/api/finance/fiscal-years", headers=officer, json={"year": 2026}))
        account = await _ok(
            await client.post(
                "/api/finance/accounts",
                headers=officer,
                json={"code": "100", "name": "일반회계", "kind": "general"},
            )
        )
        parent = None
        for level, code in [
            ("field", "010"),
            ("sector", "011"),
            ("policy", "P1"),
            ("unit", "U1"),
            ("detail", "D1"),
        ]:
            parent = await _ok(
                await client.post(
                    "/api/finance/programmes",
                    headers=officer,
                    json={
                        "fiscal_year_id": year["id"],
                        "level": level,
                        "code": code,
                        "name": f"사업 {code}",
                        "parent_id": parent["id"] if parent else None,
                    },
                )
            )
        assert parent is not None
        tree = await _ok(
            await client.get(f"/api/finance/fiscal-years/{year['id']}/programmes", headers=official), 200
        )
        assert [p["level"] for p in tree] == ["field", "sector", "policy", "unit", "detail"]
        line = await _ok(
            await client.post(
                "/api/finance/budget-lines",
                headers=officer,
                json={
                    "programme_id": parent["id"],
                    "account_id": account["id"],
                    "object_group": "goods",
                    "object_code": "201",
                    "object_name": "일반운영비",
                    "statistics_code": "201-01",
                    "statistics_name": "사무관리비",
                },
            )
        )
        version = await _ok(
            await client.post(
                "/api/finance/budget-versions",
                headers=official,
                json={
                    "fiscal_year_id": year["id"],
                    "title": "2026년 본예산",
                    "lines": [{"budget_line_id": line["id"], "amount": 50_000_000}],
                },
            )
        )
        assert (version["kind"], version["status"]) == ("original", "draft")
        await _ok(
            await client.post(f"/api/finance/budget-versions/{version['id']}/submit", headers=official), 200
        )
        approved = await _ok(
            await client.post(
                f"/api/finance/budget-versions/{version['id']}/approve",
                headers=approver,
                json={"council_resolution": "종로구의회 제300회 의결"},
            ),
            200,
        )
        assert approved["status"] == "approved"
        allocation = await _ok(
            await client.post(
                "/api/finance/allocations",
                headers=official,
                json={"budget_line_id": line["id"], "quarter": 1, "amount": 20_000_000},
            )
        )
        await _ok(
            await client.post(f"/api/finance/allocations/{allocation['id']}/approve", headers=approver), 200
        )
        contract = await _ok(
            await client.post(
                "/api/finance/contracts",
                headers=official,
                json={
                    "title": "청사 도색 공사",
                    "method": "private",
                    "supplier_name": "한빛상사",
                    "supplier_registration_number": "220-81-62517",
                    "amount": 12_000_000,
                    "start_date": "2026-03-01",
                    "end_date": "2026-05-31",
                },
            )
        )
        commitment = await _ok(
            await client.post(
                "/api/finance/commitments",
                headers=official,
                json={
                    "budget_line_id": line["id"],
                    "amount": 12_000_000,
                    "description": "청사 도색",
                    "contract_id": contract["id"],
                },
            )
        )
        inbox = await _ok(await client.get("/api/finance/inbox", headers=approver), 200)
        assert [(i["kind"], i["amount"]) for i in inbox] == [("commitment", 12_000_000)]
        assert await _ok(await client.get("/api/finance/inbox", headers=official), 200) == []
        own = await client.post(f"/api/finance/commitments/{commitment['id']}/approve", headers=official)
        assert own.status_code == 403
        await _ok(
            await client.post(f"/api/finance/commitments/{commitment['id']}/approve", headers=approver), 200
        )
        resolution = await _ok(
            await client.post(
                "/api/finance/expenditure-resolutions",
                headers=official,
                json={
                    "commitment_id": commitment["id"],
                    "amount": 12_000_000,
                    "payee_name": "한빛상사",
                    "description": "준공 대가",
                },
            )
        )
        await _ok(
            await client.post(
                f"/api/finance/expenditure-resolutions/{resolution['id']}/approve", headers=approver
            ),
            200,
        )
        order_body = {"resolution_id": resolution["id"], "idempotency_key": "jongno-2026-000001"}
        order = await _ok(await client.post("/api/finance/payment-orders", headers=official, json=order_body))
        retried = await _ok(
            await client.post("/api/finance/payment-orders", headers=official, json=order_body), 200
        )
        assert retried["id"] == order["id"]
        await _ok(
            await client.post(f"/api/finance/payment-orders/{order['id']}/approve", headers=approver), 200
        )
        paid = await _ok(
            await client.post(f"/api/finance/payment-orders/{order['id']}/pay", headers=officer), 200
        )
        assert paid["status"] == "paid"
        assert paid["paid_at"]
        twice = await client.post(f"/api/finance/payment-orders/{order['id']}/pay", headers=officer)
        assert twice.status_code == 409
        assert twice.headers["content-type"].startswith("application/problem+json")
        assert twice.json()["current_status"] == "paid"
        final = await _ok(await client.get(f"/api/finance/budget-lines/{line['id']}", headers=official), 200)
        assert (
            final["budget"],
            final["allocated"],
            final["committed"],
            final["paid"],
            final["available"],
        ) == (
            50_000_000,
            20_000_000,
            12_000_000,
            12_000_000,
            8_000_000,
        )
        journal = await _ok(await client.get("/api/finance/journal", headers=official), 200)
        assert journal["total"] == 2
        for entry in journal["items"]:
            assert (
                sum(x["debit"] for x in entry["lines"])
                == sum(x["credit"] for x in entry["lines"])
                == 12_000_000
            )
        trial = await _ok(
            await client.get("/api/finance/trial-balance?fiscal_year=2026", headers=official), 200
        )
        assert trial["total_debit"] == trial["total_credit"] == 24_000_000
        assert {r["account"]: r["balance"] for r in trial["rows"]} == {
            "cash": -12_000_000,
            "payable": 0,
            "operating_expense": 12_000_000,
        }
        metrics = (await client.get("/metrics")).text
        assert 'lofin_finance_paid_won_total{government_kind="autonomous_district"}' in metrics
        assert 'lofin_finance_payment_orders_pending{government_code="11110"} 0.0' in metrics


class TestRefusals:
    async def test_budget_refusal_is_a_422_with_the_figures(
        self, client: Client, world: FinanceWorld
    ) -> None:
        line = await world.line(budget=1_000, allocated=500)
        response = await client.post(
            "/api/finance/commitments",
            headers=world.staff.official.headers,
            json={"budget_line_id": str(line.id), "amount": 501, "description": "too much"},
        )
        assert response.status_code == 422
        body = response.json()
        assert body["available"] == 500
        assert body["requested"] == 501
        assert "500 won available" in body["detail"]

    async def test_illegal_transition_is_a_409(self, client: Client, world: FinanceWorld) -> None:
        line = await world.line(budget=1_000, allocated=500)
        created = await _ok(
            await client.post(
                "/api/finance/commitments",
                headers=world.staff.official.headers,
                json={"budget_line_id": str(line.id), "amount": 10, "description": "x"},
            )
        )
        path = f"/api/finance/commitments/{created['id']}"
        await _ok(await client.post(f"{path}/reject", headers=world.staff.approver.headers), 200)
        response = await client.post(f"{path}/approve", headers=world.staff.approver.headers)
        assert response.status_code == 409
        assert response.json()["detail"] == (
            "This commitment cannot take this step in its current state (it may have been decided already)."
        )
        assert response.json()["current_status"] == "rejected"
        assert response.json()["requested_status"] == "approved"

    async def test_bad_business_number_is_a_422(self, client: Client, world: FinanceWorld) -> None:
        response = await client.post(
            "/api/finance/contracts",
            headers=world.staff.official.headers,
            json={
                "title": "x",
                "method": "open_tender",
                "supplier_name": "x",
                "supplier_registration_number": "1248100997",
                "amount": 1,
                "start_date": "2026-01-01",
                "end_date": "2026-01-02",
            },
        )
        assert response.status_code == 422


class TestTenancy:
    async def test_other_government_gets_404_and_an_empty_list(
        self, client: Client, world: FinanceWorld, accounts: Accounts
    ) -> None:
        line = await world.line(budget=1_000, allocated=1_000, group=ObjectGroup.PERSONNEL)
        draft = await _ok(
            await client.post(
                "/api/finance/commitments",
                headers=world.staff.official.headers,
                json={"budget_line_id": str(line.id), "amount": 10, "description": "draft"},
            )
        )
        suwon = await make_staff(accounts, "41110")
        assert (
            await client.get(f"/api/finance/budget-lines/{line.id}", headers=suwon.official.headers)
        ).status_code == 404
        assert (
            await client.get(f"/api/finance/commitments/{draft['id']}", headers=suwon.official.headers)
        ).status_code == 404
        assert (
            await client.post(
                f"/api/finance/commitments/{draft['id']}/approve", headers=suwon.approver.headers
            )
        ).status_code == 404
        assert (
            await client.post(
                f"/api/finance/commitments/{draft['id']}/cancel", headers=suwon.official.headers
            )
        ).status_code == 404
        page = await _ok(await client.get("/api/finance/budget-lines", headers=suwon.official.headers), 200)
        assert page["total"] == 0
        ministry = await accounts.make(Role.AUDITOR, None)
        seen = await client.get(f"/api/finance/commitments/{draft['id']}", headers=ministry.headers)
        assert seen.status_code == 200


class TestTrialBalance:
    async def test_own_government_only_and_the_ministry_names_one(
        self, client: Client, world: FinanceWorld, accounts: Accounts
    ) -> None:
        line = await world.line(budget=1_000, allocated=1_000, group=ObjectGroup.PERSONNEL)
        resolution = await services.request_expenditure_resolution(
            world.session,
            world.staff.maker,
            budget_line_id=line.id,
            amount=400,
            payee_name="p",
            description="급여",
        )
        await services.decide_expenditure_resolution(
            world.session, world.staff.approver_actor, resolution.id, approve=True
        )
        path = "/api/finance/trial-balance?fiscal_year=2026"
        suwon = await accounts.make(Role.OFFICIAL, "41110")
        assert (await client.get(f"{path}&government_code=11110", headers=suwon.headers)).status_code == 404
        own = await _ok(await client.get(path, headers=suwon.headers), 200)
        assert (own["rows"], own["total_debit"]) == ([], 0)
        ministry = await accounts.make(Role.AUDITOR, None)
        assert (await client.get(path, headers=ministry.headers)).status_code == 422
        jongno = await _ok(await client.get(f"{path}&government_code=11110", headers=ministry.headers), 200)
        assert [(r["account"], r["debit"], r["credit"]) for r in jongno["rows"]] == [
            ("payable", 0, 400),
            ("personnel_expense", 400, 0),
        ]
        assert jongno["government_code"] == "11110"
