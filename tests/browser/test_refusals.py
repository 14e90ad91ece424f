"""A rule the service layer refuses reaches the form in the page's language (issue 3)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_shell import sign_in
from tests.support.server import LofinServer

pytestmark = pytest.mark.browser


class TestRefusalsOnForms:
    def test_opening_a_year_that_exists_is_refused_in_korean_then_in_english(
        self, page: Page, demo_server: LofinServer, artifacts_dir: Path
    ) -> None:
        sign_in(page, demo_server, "finance.jongno")
        page.goto(f"{demo_server.base_url}/finance/years")
        page.get_by_label("회계연도", exact=True).fill("2026")
        page.get_by_role("button", name="회계연도 열기").click()
        summary = page.get_by_role("alert")
        expect(summary).to_contain_text("2026 회계연도는 이미 열려 있습니다.")
        expect(summary).not_to_contain_text("already exists")
        expect(page.get_by_label("회계연도", exact=True)).to_have_value("2026")
        page.screenshot(path=str(artifacts_dir / "refusal-year-exists-ko.png"), full_page=True)

        page.goto(f"{demo_server.base_url}/finance/years?lang=en")
        page.get_by_label("Fiscal year", exact=True).fill("2026")
        page.get_by_role("button", name="Open the year").click()
        expect(page.get_by_role("alert")).to_contain_text("The fiscal year 2026 already exists.")
        page.screenshot(path=str(artifacts_dir / "refusal-year-exists-en.png"), full_page=True)
