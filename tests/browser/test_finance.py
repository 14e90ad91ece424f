"""e-Hojo+ in the browser: the approver decides from the inbox, officials read what is available, per government."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_shell import sign_in
from tests.support.server import LofinServer

pytestmark = pytest.mark.browser


class TestFinancePages:
    def test_approver_approves_a_commitment_and_the_line_shows_what_is_left(
        self, page: Page, demo_server: LofinServer, artifacts_dir: Path
    ) -> None:
        sign_in(page, demo_server, "approver.jongno")
        page.goto(f"{demo_server.base_url}/finance/inbox")
        expect(page.get_by_role("heading", name="결재함")).to_be_visible()
        row = page.get_by_role("row").filter(has_text="복사용지 구매")
        expect(row).to_contain_text("지출원인행위")
        expect(row).to_contain_text("3,200,000")
        expect(page.get_by_role("row").filter(has_text="3월 청사 전기요금")).to_contain_text("지출결의")
        page.screenshot(path=str(artifacts_dir / "finance-inbox-ko.png"), full_page=True)

        row.get_by_role("button", name="승인: 복사용지 구매").click()
        expect(page.get_by_role("status")).to_have_text("승인했습니다.")
        expect(page.get_by_role("row").filter(has_text="복사용지 구매")).to_have_count(0)

        page.get_by_role("navigation", name="e호조+ 메뉴").get_by_role(
            "link", name="예산과목별 집행 현황"
        ).click()
        expect(page.get_by_role("heading", name="예산과목별 집행 현황")).to_be_visible()
        office = page.get_by_role("row").filter(has_text="사무관리비")
        expect(office).to_contain_text("120,000,000")
        expect(office).to_contain_text("44,800,000")
        facilities = page.get_by_role("row").filter(has_text="시설비")
        expect(facilities).to_contain_text("95,000,000")
        page.screenshot(path=str(artifacts_dir / "finance-budget-lines-ko.png"), full_page=True)

    def test_another_government_sees_its_own_lines_and_none_of_jongnos(
        self, page: Page, demo_server: LofinServer
    ) -> None:
        sign_in(page, demo_server, "official.suwon")
        page.goto(f"{demo_server.base_url}/finance/budget-lines")
        expect(page.get_by_role("row").filter(has_text="망포역 연결도로 개설")).to_have_count(2)
        expect(page.get_by_role("row").filter(has_text="청사 시설 유지관리")).to_have_count(0)
        expect(page.get_by_role("row").filter(has_text="120,000,000")).to_have_count(0)
