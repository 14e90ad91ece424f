"""Bulk payments in the browser: a bad line is reported in Korean, the fixed file is approved and downloaded."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_shell import sign_in
from tests.support.server import LofinServer

pytestmark = pytest.mark.browser

HEADER = "예금주,은행코드,계좌번호,금액,적요,실명번호"
GOOD = [
    "김민지,004,123-45-6789012,350000,주거급여 11월분,",
    "이서준,088,110-222-333444,350000,주거급여 11월분,850315-1234567",
    "박지우,020,1002-555-666777,280000,주거급여 11월분,",
]
BAD_LINE = "최하은,999,3333-01-7777777,280000,주거급여 11월분,"


def payee_file(lines: list[str]) -> dict[str, object]:
    """The file as Korean spreadsheets save it: CP949."""
    return {
        "name": "주거급여.csv",
        "mimeType": "text/csv",
        "buffer": "\r\n".join([HEADER, *lines]).encode("cp949"),
    }


def upload(page: Page, server: LofinServer, lines: list[str]) -> None:
    page.goto(f"{server.base_url}/finance/bulk/new")
    page.get_by_label("지급할 예산과목").select_option(
        label=page.locator("option", has_text="사회보장적수혜금").inner_text()
    )
    page.get_by_label("제목").fill("11월 주거급여")
    page.get_by_label("지급 대상 파일(CSV)").set_input_files(payee_file(lines))  # type: ignore[arg-type]
    page.get_by_role("button", name="검증 후 요청").click()


class TestBulkPayments:
    def test_bad_line_reported_then_fixed_approved_and_downloaded(
        self, page: Page, demo_server: LofinServer, artifacts_dir: Path
    ) -> None:
        sign_in(page, demo_server, "official.jongno")
        page.goto(f"{demo_server.base_url}/finance/bulk/")
        expect(page.get_by_role("heading", name="일괄지급")).to_be_visible()
        expect(page.get_by_role("row").filter(has_text="11월 긴급 생계비 지원")).to_contain_text("6,740,000")
        page.screenshot(path=str(artifacts_dir / "finance-bulk-list-ko.png"), full_page=True)

        upload(page, demo_server, [*GOOD[:2], BAD_LINE, GOOD[2]])
        report = page.get_by_role("alert")
        expect(report).to_contain_text("파일 전체가 거부되었습니다")
        bad = report.get_by_role("row").filter(has_text="알 수 없는 은행코드입니다.")
        expect(bad.get_by_role("rowheader")).to_have_text("4")
        expect(bad).to_contain_text("bank_code_unknown")
        page.screenshot(path=str(artifacts_dir / "finance-bulk-refused-ko.png"), full_page=True)

        upload(page, demo_server, GOOD)
        expect(page.get_by_role("status")).to_contain_text("다른 사람의 승인을 기다립니다")
        expect(page.get_by_role("row").filter(has_text="이서준")).to_contain_text("850315-1******")
        batch_url = page.url.split("?")[0]

        page.context.clear_cookies()
        sign_in(page, demo_server, "approver.jongno")
        page.goto(batch_url)
        page.get_by_role("button", name="승인").click()
        expect(page.get_by_role("status")).to_contain_text("승인되었습니다")
        with page.expect_download() as download_info:
            page.get_by_role("link", name="이체 파일 내려받기").click()
        bank_file = Path(download_info.value.path()).read_bytes().decode()
        assert bank_file.startswith("H,LOFIN-TB,1,BP")
        assert bank_file.endswith("T,3,980000\r\n")
        page.screenshot(path=str(artifacts_dir / "finance-bulk-approved-ko.png"), full_page=True)

        page.goto(f"{batch_url}?lang=en")
        expect(page.get_by_role("link", name="Download the bank file")).to_be_visible()
        page.screenshot(path=str(artifacts_dir / "finance-bulk-approved-en.png"), full_page=True)
