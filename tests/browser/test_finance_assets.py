"""Assets in the browser: the finance officer registers equipment (a wrong form first), runs the year's
depreciation, sees the book value fall and the balance sheet carry it; then a bond's schedule is read
and its next instalment repaid."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.test_shell import sign_in
from tests.support.server import LofinServer

pytestmark = pytest.mark.browser

YEAR = "2018"  # before the demo's first depreciation run, so this test's run is the year's only one


def amount_row(page: Page, table: str, account: str) -> Locator:
    return (
        page.locator(f"#{table}")
        .get_by_role("row")
        .filter(has=page.get_by_role("rowheader", name=account, exact=True))
    )


class TestAssetPages:
    def test_register_depreciate_and_see_it_on_the_balance_sheet(
        self, page: Page, demo_server: LofinServer, artifacts_dir: Path
    ) -> None:
        sign_in(page, demo_server, "finance.jongno")
        page.goto(f"{demo_server.base_url}/finance/assets")
        expect(page.get_by_role("heading", name=re.compile("공유재산대장"))).to_be_visible()
        expect(page.get_by_role("row").filter(has_text="종로구청 부지")).to_contain_text("38,500,000,000")
        page.screenshot(path=str(artifacts_dir / "assets-register-ko.png"), full_page=True)

        page.get_by_role("link", name="재산 취득 등록").click()
        page.get_by_label("취득가액(원)").fill("1200만")
        page.get_by_role("button", name="취득 등록").click()
        expect(page.get_by_role("alert")).to_be_visible()
        expect(page.get_by_label("취득가액(원)")).to_have_attribute("aria-invalid", "true")
        page.screenshot(path=str(artifacts_dir / "assets-acquisition-form-errors-ko.png"), full_page=True)

        page.get_by_label("구분").select_option("equipment")
        page.get_by_label("재산명").fill("브라우저 시험용 영상장비")
        page.get_by_label("소재지").fill("서울특별시 종로구 삼봉로 43")
        page.get_by_label("관리부서").fill("홍보과")
        page.get_by_label("취득일").fill(f"{YEAR}-07-01")
        page.get_by_label("취득가액(원)").fill("12,000,000")
        page.get_by_label("내용연수(년)").fill("5")
        page.get_by_label("취득 재원").select_option("cash")
        page.get_by_role("button", name="취득 등록").click()
        expect(page.get_by_role("status")).to_have_text("공유재산대장에 등록하고 취득을 분개했습니다.")
        expect(page.locator("dl.facts")).to_contain_text("12,000,000")
        detail_url = page.url.split("?")[0]

        page.get_by_role("navigation", name="자산과 부채").get_by_role("link", name="감가상각").click()
        page.get_by_label("연도").fill(YEAR)
        page.get_by_label("월").select_option("")
        page.get_by_role("button", name="감가상각 실행").click()
        expect(page.get_by_role("status")).to_have_text("해당 기간의 감가상각을 분개했습니다.")
        run = page.get_by_role("row").filter(has_text=f"{YEAR}-01-01 ~ {YEAR}-12-31")
        expect(run).to_contain_text("1,200,000")  # 12,000,000 over 60 months, July to December
        page.screenshot(path=str(artifacts_dir / "assets-depreciation-ko.png"), full_page=True)

        page.goto(detail_url)
        expect(page.locator("dl.facts")).to_contain_text("10,800,000")
        expect(page.get_by_role("row").filter(has_text=f"감가상각 {YEAR}-07~{YEAR}-12")).to_contain_text(
            "1,200,000"
        )
        page.screenshot(path=str(artifacts_dir / "assets-property-detail-ko.png"), full_page=True)

        page.goto(f"{demo_server.base_url}/finance/statements?year={YEAR}")
        expect(page.get_by_role("table", name="재정상태표")).to_be_visible()
        expect(amount_row(page, "balance-sheet", "기계장비")).to_contain_text("12,000,000")
        expect(amount_row(page, "balance-sheet", "감가상각누계액")).to_contain_text("(1,200,000)")
        expect(amount_row(page, "operating-statement", "감가상각비")).to_contain_text("1,200,000")
        expect(page.get_by_text("자산총계는 부채와 순자산의 합계와 같습니다.")).to_be_visible()
        page.screenshot(path=str(artifacts_dir / "assets-statements-ko.png"), full_page=True)
        page.emulate_media(media="print")
        expect(page.get_by_role("navigation", name="자산과 부채")).to_be_hidden()
        page.screenshot(path=str(artifacts_dir / "assets-statements-print.png"), full_page=True)
        page.emulate_media(media="screen")

        page.goto(f"{demo_server.base_url}/finance/statements?year={YEAR}&lang=en")
        expect(page.get_by_role("table", name=re.compile("Balance sheet"))).to_be_visible()
        page.screenshot(path=str(artifacts_dir / "assets-statements-en.png"), full_page=True)

    def test_bond_schedule_and_repayment(
        self, page: Page, demo_server: LofinServer, artifacts_dir: Path
    ) -> None:
        sign_in(page, demo_server, "finance.jongno")
        page.goto(f"{demo_server.base_url}/finance/bonds")
        expect(page.get_by_role("heading", name=re.compile("지방채"))).to_be_visible()
        page.get_by_role("link", name="2026년 도로건설 지방채").click()
        schedule = page.get_by_role("table", name="상환 일정")
        expect(schedule.get_by_role("row")).to_have_count(12)  # header, 10 instalments, total
        expect(schedule.locator("tr.total-row")).to_contain_text("3,000,000,000")
        page.screenshot(path=str(artifacts_dir / "assets-bond-schedule-ko.png"), full_page=True)
        heading = page.get_by_role("heading", name=re.compile(r"제\d+회 상환"))
        number = re.search(r"제(\d+)회", heading.inner_text())
        assert number is not None
        page.get_by_role("button", name="상환 기록").click()
        expect(page.get_by_role("status")).to_have_text("상환을 분개했습니다.")
        paid = schedule.get_by_role("row").filter(
            has=page.get_by_role("rowheader", name=number.group(1), exact=True)
        )
        expect(paid).to_contain_text("상환")

    def test_holdings_redemption(self, page: Page, demo_server: LofinServer, artifacts_dir: Path) -> None:
        sign_in(page, demo_server, "finance.jongno")
        page.goto(f"{demo_server.base_url}/finance/holdings")
        expect(page.get_by_role("row").filter(has_text="국고채권 3년물")).to_contain_text("600,000,000")
        page.get_by_role("link", name="국고채권 3년물").click()
        page.get_by_label("변동", exact=True).select_option("redeem")
        page.get_by_label("금액(원)").fill("100,000,000")
        page.get_by_label("회수 현금(원)").fill("99,500,000")
        page.get_by_role("button", name="변동 기록").click()
        expect(page.get_by_role("status")).to_have_text("변동을 분개했습니다.")
        expect(page.locator("dl.facts")).to_contain_text("500,000,000")
        page.screenshot(path=str(artifacts_dir / "assets-holding-ko.png"), full_page=True)
