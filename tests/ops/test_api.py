"""The control center's API and page on both backends: who may use them, the webhook, inspections, degradation."""

from __future__ import annotations

import socket
from collections.abc import AsyncGenerator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.main import create_app
from app.platform.auth.models import Role, TokenKind
from app.platform.auth.services import issue_token
from app.platform.db import Database
from app.platform.settings import Settings
from tests.conftest import Accounts, make_settings

WEBHOOK_TOKEN = "test-webhook-token-0123456789"


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def ops_settings(database_url: str, tmp_path: Any) -> Settings:
    dead = f"http://127.0.0.1:{closed_port()}"
    return make_settings(
        database_url,
        ops_webhook_token=WEBHOOK_TOKEN,
        ops_patroni_urls={"daejeon": [dead], "gwangju": [dead]},
        ops_alertmanager_url=dead,
        ops_prometheus_url=dead,
        ops_source_timeout_seconds=0.5,
        drill_reports_dir=tmp_path / "drills",
    )


@pytest.fixture
async def ops_client(
    ops_settings: Settings, database: Database
) -> AsyncGenerator[AsyncTestClient[Litestar], None]:
    async with AsyncTestClient(app=create_app(ops_settings, database)) as client:
        yield client


def notification(status: str = "firing", **labels: str) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat()
    alert_labels = {"alertname": "PatroniLeaderChanged", "region": "daejeon", "severity": "ticket", **labels}
    return {
        "version": "4",
        "status": status,
        "receiver": "ticket",
        "groupKey": '{}:{alertname="PatroniLeaderChanged"}',
        "alerts": [
            {
                "status": status,
                "labels": alert_labels,
                "annotations": {
                    "summary": "The leader of lofin-daejeon changed.",
                    "runbook_url": "runbooks/x.md",
                },
                "startsAt": now,
                "endsAt": "0001-01-01T00:00:00Z",
                "fingerprint": "abc123",
            }
        ],
    }


class TestWhoMayUseIt:
    async def test_anonymous_and_other_roles_are_refused(
        self, ops_client: AsyncTestClient[Litestar], accounts: Accounts
    ) -> None:
        assert (await ops_client.get("/api/ops/state")).status_code == 401
        official = await accounts.make(Role.OFFICIAL)
        assert (await ops_client.get("/api/ops/state", headers=official.headers)).status_code == 403
        admin = await accounts.make(Role.ADMIN, None)
        assert (await ops_client.get("/api/ops/inspections", headers=admin.headers)).status_code == 403

    async def test_the_webhook_refuses_a_wrong_token_and_other_roles(
        self, ops_client: AsyncTestClient[Litestar], accounts: Accounts
    ) -> None:
        wrong = await ops_client.post(
            "/api/ops/alerts", json=notification(), headers={"Authorization": "Bearer not-the-token"}
        )
        assert wrong.status_code == 401
        assert wrong.headers["content-type"].startswith("application/problem+json")
        official = await accounts.make(Role.OFFICIAL)
        assert (
            await ops_client.post("/api/ops/alerts", json=notification(), headers=official.headers)
        ).status_code == 403

    async def test_without_a_configured_token_only_operators_may_post(
        self, database_url: str, database: Database
    ) -> None:
        settings = make_settings(database_url)
        async with AsyncTestClient(app=create_app(settings, database)) as client:
            response = await client.post(
                "/api/ops/alerts", json=notification(), headers={"Authorization": "Bearer "}
            )
            assert response.status_code == 401


class TestWebhookAndHistory:
    async def test_notifications_are_kept_and_shown_while_alertmanager_is_unreachable(
        self, ops_client: AsyncTestClient[Litestar], accounts: Accounts
    ) -> None:
        token = {"Authorization": f"Bearer {WEBHOOK_TOKEN}"}
        stored = await ops_client.post("/api/ops/alerts", json=notification(), headers=token)
        assert stored.status_code == 200, stored.text
        assert stored.json() == {"stored": 1}
        operator = await accounts.make(Role.OPERATOR, None)
        state = (await ops_client.get("/api/ops/state", headers=operator.headers)).json()
        assert state["alerts_from"] == "history"
        assert [a["alertname"] for a in state["alerts"]] == ["PatroniLeaderChanged"]
        assert state["alerts"][0]["summary"] == "The leader of lofin-daejeon changed."
        assert state["alert_history"][0]["status"] == "firing"

        resolved = await ops_client.post("/api/ops/alerts", json=notification("resolved"), headers=token)
        assert resolved.status_code == 200
        state = (await ops_client.get("/api/ops/state", headers=operator.headers)).json()
        assert state["alerts"] == []
        assert [a["status"] for a in state["alert_history"][:2]] == ["resolved", "firing"]

    async def test_a_malformed_notification_is_a_problem_not_a_row(
        self, ops_client: AsyncTestClient[Litestar]
    ) -> None:
        token = {"Authorization": f"Bearer {WEBHOOK_TOKEN}"}
        body = notification()
        body["alerts"] = []
        response = await ops_client.post("/api/ops/alerts", json=body, headers=token)
        assert response.status_code == 400
        body = notification()
        body["alerts"][0]["status"] = "exploded"
        assert (await ops_client.post("/api/ops/alerts", json=body, headers=token)).status_code == 400


class TestDegradation:
    async def test_every_source_down_still_answers_with_each_marked_unreachable(
        self, ops_client: AsyncTestClient[Litestar], accounts: Accounts
    ) -> None:
        operator = await accounts.make(Role.OPERATOR, None)
        response = await ops_client.get("/api/ops/state", headers=operator.headers)
        assert response.status_code == 200
        state = response.json()
        sources = {s["name"]: s for s in state["sources"]}
        for name in ("patroni:daejeon", "patroni:gwangju", "alertmanager", "prometheus"):
            assert sources[name]["reachable"] is False, name
            assert sources[name]["error"] == "connection failed"
        assert sources["database"]["reachable"] is True
        assert [r["name"] for r in state["regions"]] == ["daejeon", "gwangju"]
        assert {r["status"] for r in state["regions"]} == {"unknown"}
        assert {s["status"] for s in state["services"]} == {"unknown"}
        assert len(state["services"]) == 6
        assert state["status"] == "unknown"

    async def test_the_page_says_unreachable_in_korean_and_english(
        self, ops_client: AsyncTestClient[Litestar], accounts: Accounts
    ) -> None:
        anonymous = await ops_client.get("/ops/", follow_redirects=False)
        assert anonymous.status_code in (302, 303), anonymous.status_code
        assert anonymous.headers["location"].startswith("/login")
        operator = await accounts.make(Role.OPERATOR, None)
        session_token = await issue_token(
            accounts.session, operator.user, TokenKind.SESSION, timedelta(hours=1), "t"
        )
        ops_client.cookies.set("lofin_session", session_token.token)
        page = await ops_client.get("/ops/")
        assert page.status_code == 200, page.text[:500]
        assert "관제" in page.text
        assert "응답 없음" in page.text
        assert 'hx-get="/ops/panel"' in page.text
        panel = await ops_client.get("/ops/panel?lang=en")
        assert panel.status_code == 200
        assert "unreachable" in panel.text
        assert "<html" not in panel.text


class TestInspections:
    async def test_an_operator_records_an_inspection_and_reads_it_back(
        self, ops_client: AsyncTestClient[Litestar], accounts: Accounts
    ) -> None:
        operator = await accounts.make(Role.OPERATOR, None)
        started = datetime.now(UTC) - timedelta(seconds=20)
        report = {
            "started_at": started.isoformat(),
            "finished_at": (started + timedelta(seconds=12)).isoformat(),
            "environment": "lab",
            "inspected_from": "ops-host",
            "checks": [
                {"name": "health", "status": "ok", "detail": "ready", "duration_seconds": 0.1},
                {"name": "time sync", "status": "warn", "detail": "unknown", "duration_seconds": 0.0},
                {"name": "backup", "status": "fail", "detail": "30 h old", "duration_seconds": 1.5},
            ],
        }
        created = await ops_client.post("/api/ops/inspections", json=report, headers=operator.headers)
        assert created.status_code == 201, created.text
        body = created.json()
        assert (body["status"], body["failed_checks"], body["warned_checks"]) == ("fail", 1, 1)
        listed = (await ops_client.get("/api/ops/inspections", headers=operator.headers)).json()
        assert listed["total"] == 1
        assert [c["name"] for c in listed["items"][0]["checks"]] == ["health", "time sync", "backup"]
        state = (await ops_client.get("/api/ops/state", headers=operator.headers)).json()
        assert state["inspection"]["id"] == body["id"]
        assert state["status"] == "fail"

    async def test_finishing_before_starting_is_refused(
        self, ops_client: AsyncTestClient[Litestar], accounts: Accounts
    ) -> None:
        operator = await accounts.make(Role.OPERATOR, None)
        now = datetime.now(UTC)
        report = {
            "started_at": now.isoformat(),
            "finished_at": (now - timedelta(seconds=1)).isoformat(),
            "environment": "lab",
            "inspected_from": "x",
            "checks": [{"name": "health", "status": "ok", "detail": "", "duration_seconds": 0}],
        }
        response = await ops_client.post("/api/ops/inspections", json=report, headers=operator.headers)
        assert response.status_code == 422
        assert (await ops_client.get("/api/ops/inspections", headers=operator.headers)).json()["total"] == 0
