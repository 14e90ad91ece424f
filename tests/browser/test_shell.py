"""A person's first minutes: home page, sign-in, role-aware navigation, language switch."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from app.platform.seed import DEMO_PASSWORD
from tests.support.server import LofinServer

pytestmark = pytest.mark.browser


def sign_in(page: Page, server: LofinServer, username: str) -> None:
    page.goto(f"{server.base_url}/login")
    page.get_by_label("아이디").fill(username)
    page.get_by_label("비밀번호").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="로그인").click()


class TestShell:
    def test_login_home_and_language_switch(
        self, page: Page, demo_server: LofinServer, artifacts_dir: Path
    ) -> None:
        page.goto(demo_server.base_url)
        expect(page.locator("html")).to_have_attribute("lang", "ko")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "243개 지방자치단체의 재정을 하나의 플랫폼에서"
        )
        expect(page.locator(".card")).to_have_count(6)
        page.screenshot(path=str(artifacts_dir / "home-ko.png"), full_page=True)

        page.get_by_role("link", name="로그인").first.click()
        expect(page).to_have_url(f"{demo_server.base_url}/login")
        page.get_by_label("아이디").fill("admin.jongno")
        page.get_by_label("비밀번호").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="로그인").click()

        expect(page.get_by_text("종로구 시스템관리자")).to_be_visible()
        nav = page.get_by_role("navigation", name="주 메뉴")
        expect(nav.get_by_role("link", name="관리")).to_be_visible()
        expect(nav.get_by_role("link", name="차세대 e호조+")).to_be_visible()
        expect(nav.get_by_role("link", name="통합관제")).to_have_count(0)

        page.get_by_role("link", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "One platform for the finances of 243 local governments"
        )
        page.screenshot(path=str(artifacts_dir / "home-en-signed-in.png"), full_page=True)
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Administration").click()
        expect(page.get_by_role("heading", name="Accounts")).to_be_visible()
        page.screenshot(path=str(artifacts_dir / "admin-en.png"), full_page=True)

        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_role("link", name="Sign in").first).to_be_visible()

    def test_wrong_password_is_announced_and_keeps_the_username(
        self, page: Page, demo_server: LofinServer
    ) -> None:
        page.goto(f"{demo_server.base_url}/login")
        page.get_by_label("아이디").fill("official.jongno")
        page.get_by_label("비밀번호").fill("wrong-password")
        page.get_by_role("button", name="로그인").click()
        expect(page.get_by_role("alert")).to_contain_text("아이디 또는 비밀번호가 맞지 않거나")
        expect(page.get_by_label("아이디")).to_have_value("official.jongno")
        expect(page.get_by_label("아이디")).to_have_attribute("aria-invalid", "true")

    def test_keyboard_user_can_skip_to_content(self, page: Page, demo_server: LofinServer) -> None:
        page.goto(demo_server.base_url)
        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="본문 바로가기")
        expect(skip).to_be_focused()
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{demo_server.base_url}/#main")

    def test_resident_sees_only_public_services_and_gets_a_readable_refusal(
        self, page: Page, demo_server: LofinServer, artifacts_dir: Path
    ) -> None:
        sign_in(page, demo_server, "resident.kim")
        nav = page.get_by_role("navigation", name="주 메뉴")
        expect(nav.get_by_role("link", name="주민e참여")).to_be_visible()
        expect(nav.get_by_role("link", name="차세대 e호조+")).to_have_count(0)
        page.goto(f"{demo_server.base_url}/finance/")
        expect(page.get_by_role("alert")).to_contain_text("권한이 없습니다")
        page.screenshot(path=str(artifacts_dir / "forbidden-ko.png"), full_page=True)

    def test_pages_use_no_outside_assets(self, page: Page, demo_server: LofinServer) -> None:
        requested: list[str] = []
        page.on("request", lambda request: requested.append(request.url))
        page.goto(demo_server.base_url)
        page.wait_for_load_state("networkidle")
        assert requested
        assert all(url.startswith(demo_server.base_url) for url in requested), requested

    def test_mobile_layout_keeps_navigation_reachable(
        self, page: Page, demo_server: LofinServer, artifacts_dir: Path
    ) -> None:
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(demo_server.base_url)
        expect(
            page.get_by_role("navigation", name="주 메뉴").get_by_role("link", name="지방재정365")
        ).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, "no horizontal scrolling on a phone"
        page.screenshot(path=str(artifacts_dir / "home-mobile.png"), full_page=True)
