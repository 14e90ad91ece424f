"""The budget cycle in the browser: a 전용 is requested, refused while too large, approved by another
person, and the budget-vs-actual dashboard and the settlement show the moved budget.

It works on 부산광역시's demo year so that 종로구's figures, which other browser tests read, stay as
the demo made them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_shell import sign_in
from tests.support.server import LofinServer

pytestmark = pytest.mark.browser

MENU = "e호조+ 메뉴"


def _choose(page: Page, select_id: str, text: str) -> None:
    value = page.locator(f"#{select_id} option", has_text=text).first.get_attribute("value")
    assert value
    page.locator(f"#{select_id}").select_option(value)


class TestBudgetCyclePages:
    def test_transfer_request_approval_dashboard_and_settlement(
        self, page: Page, demo_server: LofinServer, artifacts_dir: Path
    ) -> None:
        sign_in(page, demo_server, "finance.busan")
        page.goto(f"{demo_server.base_url}/finance/carry-over")
        expect(page.get_by_role("heading", name="이월 — 2026")).to_be_visible()
        supervision = page.get_by_role("row").filter(has_text="401-02 감리비")
        expect(supervision).to_contain_text("400,000,000")  # committed, not yet paid: the 사고이월 candidate
        expect(supervision.get_by_label("이월액(원): 감리비")).to_have_value("400,000,000")
        page.screenshot(path=str(artifacts_dir / "finance-cycle-carry-over-ko.png"), full_page=True)

        page.get_by_role("navigation", name=MENU).get_by_role("link", name="예산과목별 집행 현황").click()
        page.get_by_role("navigation", name=MENU).get_by_role("link", name="예산 전용·이용").click()
        expect(page.get_by_role("heading", name="예산 전용·이용")).to_be_visible()
        page.get_by_role("link", name="전용·이용 요청").click()

        _choose(page, "source_line_id", "401-02 감리비")
        _choose(page, "target_line_id", "401-01 시설비")
        page.get_by_label("금액(원)").fill("99,000,000,000")
        page.get_by_label("법적 근거").fill("지방재정법 제49조")
        page.get_by_label("사유").fill("감리비 집행잔액을 시설비로 전용")
        page.get_by_role("button", name="요청하기").click()
        expect(page.get_by_role("alert")).to_contain_text("넘습니다")
        expect(page.get_by_label("금액(원)")).to_have_attribute("aria-invalid", "true")
        page.screenshot(path=str(artifacts_dir / "finance-cycle-transfer-refused-ko.png"), full_page=True)

        page.get_by_label("금액(원)").fill("100,000,000")
        page.get_by_role("button", name="요청하기").click()
        expect(page.get_by_role("status")).to_have_text("요청을 등록했습니다. 다른 결재권자가 결정합니다.")
        expect(page.get_by_role("button", name="승인")).to_have_count(0)  # the requester cannot decide

        page.context.clear_cookies()
        sign_in(page, demo_server, "approver.busan")
        page.goto(f"{demo_server.base_url}/finance/transfers")
        page.get_by_role("region", name="결재할 건").get_by_role(
            "link", name="감리비 집행잔액을 시설비로 전용"
        ).click()
        page.screenshot(path=str(artifacts_dir / "finance-cycle-transfer-detail-ko.png"), full_page=True)
        page.get_by_role("button", name="승인", exact=True).click()
        expect(page.get_by_role("status")).to_have_text("승인했습니다.")
        expect(page.get_by_role("row").filter(has_text="받는 과목")).to_contain_text("42,100,000,000")

        page.get_by_role("navigation", name=MENU).get_by_role("link", name="예산 대비 집행").click()
        expect(page.get_by_role("heading", name="예산 대비 집행 — 2026")).to_be_visible()
        facilities = page.get_by_role("row").filter(has_text="401-01 시설비")
        expect(facilities).to_contain_text("42,100,000,000")
        expect(facilities).to_contain_text("3,850,000,000")  # paid
        expect(page.get_by_role("row").filter(has_text="401-02 감리비")).to_contain_text("1,580,000,000")
        page.screenshot(path=str(artifacts_dir / "finance-cycle-budget-vs-actual-ko.png"), full_page=True)

        page.get_by_role("navigation", name=MENU).get_by_role("link", name="세출결산").click()
        expect(page.get_by_role("heading", name="세출결산 — 2026")).to_be_visible()
        line = (
            page.get_by_role("table", name="예산과목별").get_by_role("row").filter(has_text="401-01 시설비")
        )
        expect(line).to_contain_text("100,000,000")
        expect(page.get_by_role("link", name="CSV 내려받기(엑셀)")).to_be_visible()
        page.emulate_media(media="print")
        page.screenshot(path=str(artifacts_dir / "finance-cycle-settlement-print-ko.png"), full_page=True)
        page.emulate_media(media="screen")

        page.goto(f"{demo_server.base_url}/finance/budget-vs-actual?lang=en")
        expect(page.get_by_role("heading", name="Budget vs actual — 2026")).to_be_visible()
        page.screenshot(path=str(artifacts_dir / "finance-cycle-budget-vs-actual-en.png"), full_page=True)
