"""Revenue in the browser: an official assesses, the finance officer resolves and records the receipt,
and the receivables and the settlement show what is still outstanding."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_shell import sign_in
from tests.support.server import LofinServer

pytestmark = pytest.mark.browser


class TestRevenuePages:
    def test_assess_receive_and_read_the_receivables(
        self, page: Page, demo_server: LofinServer, artifacts_dir: Path
    ) -> None:
        sign_in(page, demo_server, "official.jongno")
        page.goto(f"{demo_server.base_url}/finance/revenue/assessments")
        expect(page.get_by_role("heading", name="부과 내역")).to_be_visible()
        expect(page.get_by_role("row").filter(has_text="김종로")).to_contain_text("780315-1******")
        page.screenshot(path=str(artifacts_dir / "revenue-assessments-ko.png"), full_page=True)
        page.get_by_role("link", name="새 부과").click()

        page.get_by_role("button", name="부과", exact=True).click()
        expect(page.get_by_role("alert")).to_contain_text("아래 표시된 항목을 고쳐 주세요")
        expect(page.get_by_text("금액을 0보다 큰 원 단위 숫자로만 입력하세요.")).to_be_visible()
        page.screenshot(path=str(artifacts_dir / "revenue-assessment-form-errors-ko.png"), full_page=True)

        page.get_by_label("세입과목").select_option(label="110-01 재산세")
        page.get_by_label("납부자 구분").select_option("person")
        page.get_by_label("납부자 성명").fill("정브라우저")
        page.get_by_label("주민등록번호 또는 사업자등록번호").fill("880808-1234567")
        page.get_by_label("내용").fill("재산세 2기분 (주택)")
        page.get_by_label("금액(원)").fill("2,400,000")
        page.get_by_label("부과일").fill("2026-09-10")
        page.get_by_label("납기").fill("2026-09-30")
        page.get_by_role("button", name="부과", exact=True).click()
        expect(page.get_by_role("status")).to_have_text("저장했습니다.")
        expect(page.get_by_role("heading", level=2, name=re.compile("정브라우저"))).to_be_visible()
        detail_url = page.url.split("?")[0]

        sign_in(page, demo_server, "finance.jongno")
        page.goto(detail_url)
        page.get_by_role("button", name="징수결의", exact=True).click()
        expect(page.get_by_role("status")).to_have_text("저장했습니다.")
        page.get_by_label("금액(원)").fill("400000")
        page.get_by_label("수납 경로").select_option("giro")
        page.get_by_label("금고 수납 번호").fill("GIRO-BROWSER-0001")
        page.get_by_role("button", name="수납 등록", exact=True).click()
        expect(page.get_by_role("row").filter(has_text="GIRO-BROWSER-0001")).to_contain_text("400,000")
        expect(page.locator("dl")).to_contain_text("일부 수납")
        outstanding = page.get_by_role("row").filter(
            has=page.get_by_role("rowheader", name="미수납액", exact=True)
        )
        expect(outstanding).to_contain_text("2,000,000")
        page.screenshot(path=str(artifacts_dir / "revenue-assessment-detail-ko.png"), full_page=True)

        page.get_by_role("navigation", name="e호조+ 메뉴").get_by_role("link", name="미수납액").click()
        expect(page.get_by_role("heading", name=re.compile("미수납액"))).to_be_visible()
        page.get_by_label("기준일").fill("2026-11-27")
        page.get_by_role("button", name="보기", exact=True).click()
        property_tax = page.get_by_role("row").filter(has_text="재산세")
        # 김종로's 840,000 and 이사직's 3,260,000 were there; 정브라우저 adds 2,000,000, 58 days overdue.
        expect(property_tax).to_contain_text("6,100,000")
        page.screenshot(path=str(artifacts_dir / "revenue-receivables-ko.png"), full_page=True)

        page.get_by_label("집계 기준").select_option("payer")
        page.get_by_role("button", name="보기", exact=True).click()
        expect(page.get_by_role("row").filter(has_text="정브라우저")).to_contain_text("880808-1******")
        expect(page.get_by_text("880808-1234567")).to_have_count(0)

        page.goto(f"{demo_server.base_url}/finance/revenue/settlement?fiscal_year=2026&lang=en")
        expect(page.get_by_role("heading", name=re.compile("Revenue settlement 2026"))).to_be_visible()
        expect(page.get_by_role("row").filter(has_text="재산세")).to_contain_text("20,000,000")
        page.screenshot(path=str(artifacts_dir / "revenue-settlement-en.png"), full_page=True)

    def test_the_approver_pays_back_a_double_payment(
        self, page: Page, demo_server: LofinServer, artifacts_dir: Path
    ) -> None:
        sign_in(page, demo_server, "approver.jongno")
        page.goto(f"{demo_server.base_url}/finance/revenue/refunds")
        pending = page.get_by_role("row").filter(has_text="같은 고지서를 두 번 납부")
        expect(pending).to_contain_text("40,000")
        page.screenshot(path=str(artifacts_dir / "revenue-refunds-ko.png"), full_page=True)
        pending.get_by_role("link", name="최주차").click()
        page.get_by_role("button", name="승인", exact=True).click()
        expect(page.get_by_role("status")).to_have_text("저장했습니다.")
        expect(page.get_by_role("row").filter(has_text="같은 고지서를 두 번 납부")).to_contain_text("승인")
        overpaid = page.get_by_role("row").filter(
            has=page.get_by_role("rowheader", name="과납액(미환급)", exact=True)
        )
        expect(overpaid).to_contain_text("0")
