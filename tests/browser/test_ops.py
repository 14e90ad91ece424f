"""The control center in the browser: readable with Patroni and Prometheus down, alerts from a real Alertmanager."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_shell import sign_in
from tests.ops.test_live import drill_report, start_alertmanager, stop
from tests.support.postgres import free_port
from tests.support.server import LofinServer, serving_demo

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def ops_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LofinServer]:
    """The demo app whose Patroni and Prometheus do not answer, with a real Alertmanager holding two alerts."""
    workdir = tmp_path_factory.mktemp("ops-browser")
    am_url = f"http://127.0.0.1:{free_port()}"
    alertmanager = start_alertmanager(
        workdir, am_url, "route:\n  receiver: none\nreceivers:\n  - name: none\n"
    )
    drill_report(workdir / "drills")
    dead = f"http://127.0.0.1:{free_port()}"
    try:
        now = datetime.now(UTC).isoformat()
        alerts = [
            {
                "labels": {
                    "alertname": "PatroniNoSynchronousStandby",
                    "region": "daejeon",
                    "severity": "page",
                },
                "annotations": {
                    "summary": "lofin-daejeon has no synchronous standby.",
                    "runbook_url": "runbooks/primary-failover.md",
                },
                "startsAt": now,
            },
            {
                "labels": {"alertname": "DRStandbyLagging", "region": "gwangju", "severity": "ticket"},
                "annotations": {
                    "summary": "The DR standby is 12 s behind.",
                    "runbook_url": "runbooks/dr-activation.md",
                },
                "startsAt": now,
            },
        ]
        assert httpx.post(f"{am_url}/api/v2/alerts", json=alerts, timeout=5).status_code == 200
        with serving_demo(
            workdir,
            workers=1,
            LOFIN_OPS_PATRONI_URLS=f"daejeon={dead};gwangju={dead}",
            LOFIN_OPS_ALERTMANAGER_URL=am_url,
            LOFIN_OPS_PROMETHEUS_URL=dead,
            LOFIN_OPS_SOURCE_TIMEOUT_SECONDS="1",
            LOFIN_DRILL_REPORTS_DIR=str(workdir / "drills"),
        ) as server:
            submit_inspection(server)
            yield server
    finally:
        stop(alertmanager)


def submit_inspection(server: LofinServer) -> None:
    token = httpx.post(
        f"{server.base_url}/api/auth/token",
        json={"username": "operator.center", "password": "lofin-demo-2026"},
        timeout=10,
    ).json()["token"]
    started = datetime.now(UTC) - timedelta(minutes=5)
    report = {
        "started_at": started.isoformat(),
        "finished_at": (started + timedelta(seconds=14)).isoformat(),
        "environment": "lab",
        "inspected_from": "ops-host",
        "checks": [
            {
                "name": "page /finance/",
                "category": "services",
                "status": "ok",
                "detail": "/finance/ 200 in 21 ms",
                "duration_seconds": 0.02,
            },
            {
                "name": "newest backup",
                "category": "backup",
                "status": "ok",
                "detail": "newest backup 20261127-010000F, 6.5 h old",
                "duration_seconds": 0.4,
            },
            {
                "name": "time sync",
                "category": "time",
                "status": "warn",
                "detail": "unknown: timedatectl cannot tell",
                "duration_seconds": 0.01,
            },
        ],
    }
    response = httpx.post(
        f"{server.base_url}/api/ops/inspections",
        json=report,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 201, response.text


class TestControlCenter:
    def test_readable_with_sources_down_in_korean_then_english(
        self, page: Page, ops_server: LofinServer, artifacts_dir: Path
    ) -> None:
        sign_in(page, ops_server, "operator.center")
        page.get_by_role("navigation", name="주 메뉴").get_by_role("link", name="통합관제").click()
        expect(page.get_by_role("heading", name="통합관제", exact=True)).to_be_visible()
        # both regions are shown, and saying that they do not answer, in words as well as colour
        expect(page.get_by_role("heading", name="daejeon")).to_be_visible()
        expect(page.get_by_role("heading", name="gwangju")).to_be_visible()
        expect(page.get_by_role("alert")).to_contain_text("patroni:daejeon — 응답 없음")
        expect(page.get_by_role("alert")).to_contain_text("prometheus — 응답 없음")
        firing = page.get_by_role("row").filter(has_text="PatroniNoSynchronousStandby")
        expect(firing).to_contain_text("장애")
        expect(firing).to_contain_text("lofin-daejeon has no synchronous standby.")
        expect(page.get_by_role("row").filter(has_text="DRStandbyLagging")).to_contain_text("주의")
        expect(page.get_by_role("row").filter(has_text="Primary crash")).to_contain_text("12.5 s")
        expect(page.get_by_text("실패 0건, 주의 1건").first).to_be_visible()
        page.screenshot(path=str(artifacts_dir / "ops-control-center-ko.png"), full_page=True)

        # the panel replaces itself (htmx) without a page load: the time stamp moves on
        stamp = page.locator("#ops-panel time").first.get_attribute("datetime")
        expect(page.locator("#ops-panel time").first).not_to_have_attribute(
            "datetime", stamp or "", timeout=15000
        )

        page.goto(f"{ops_server.base_url}/ops/?lang=en")
        expect(page.get_by_role("heading", name="Control center", exact=True)).to_be_visible()
        expect(page.get_by_role("alert")).to_contain_text("unreachable")
        page.screenshot(path=str(artifacts_dir / "ops-control-center-en.png"), full_page=True)

    def test_other_roles_do_not_see_it(self, page: Page, ops_server: LofinServer) -> None:
        sign_in(page, ops_server, "official.jongno")
        expect(page.get_by_role("link", name="통합관제")).to_have_count(0)
        response = page.goto(f"{ops_server.base_url}/ops/")
        assert response is not None and response.status == 403

    def test_a_lost_connection_is_said_not_hidden(self, page: Page, ops_server: LofinServer) -> None:
        """Last in the module: it stops the server."""
        sign_in(page, ops_server, "operator.center")
        page.goto(f"{ops_server.base_url}/ops/")
        banner = page.get_by_role("alert").filter(has_text="연결이 끊겼습니다")
        expect(banner).to_be_hidden()
        ops_server.stop()
        expect(banner).to_be_visible(timeout=15000)
        expect(page.get_by_role("heading", name="센터와 데이터베이스 노드")).to_be_visible()
