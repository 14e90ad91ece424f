"""Issue 3's walk in the browser: budget → allocation → contract → commitment → resolution → payment
order → approval → paid, each step by the person whose step it is (the approver is never the
requester), ending on the budget-vs-actual dashboard, which shows the payment on the new line.

종로구's officials add a line for 행사운영비 to the demo year, pass it in a supplementary budget and
spend on it; the demo's other lines are left as the other browser tests expect them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.test_shell import sign_in
from tests.support.server import LofinServer

pytestmark = pytest.mark.browser

LINE = "201-03"
AMOUNT = "24,000,000"


class Walk:
    """The browser, the server, and numbered screenshots of every step."""

    def __init__(self, page: Page, server: LofinServer, artifacts_dir: Path) -> None:
        self.page = page
        self.server = server
        self.artifacts_dir = artifacts_dir
        self.step = 0

    def as_user(self, username: str, path: str) -> None:
        sign_in(self.page, self.server, username)
        expect(self.page.get_by_role("button", name="로그아웃")).to_be_visible()
        self.go(path)

    def go(self, path: str) -> None:
        self.page.goto(f"{self.server.base_url}{path}")

    def shot(self, name: str) -> None:
        self.step += 1
        path = self.artifacts_dir / f"finance-walk-{self.step:02d}-{name}.png"
        self.page.screenshot(path=str(path), full_page=True)

    def notice(self, text: str) -> None:
        expect(self.page.get_by_role("status")).to_have_text(text)

    def form(self, name: str) -> Locator:
        return self.page.get_by_role("form", name=name)

    def choose_line(self, select: Locator) -> None:
        """Pick the walk's line in a select whose option texts also carry amounts."""
        value = select.locator("option", has_text=LINE).get_attribute("value")
        assert value
        select.select_option(value)

    def inbox_row(self, kind: str, text: str) -> Locator:
        self.go("/finance/inbox")
        return self.page.get_by_role("row").filter(has_text=kind).filter(has_text=text)

    def approve(self, kind: str, text: str) -> None:
        row = self.inbox_row(kind, text)
        expect(row).to_have_count(1)
        row.get_by_role("button", name=re.compile("^승인")).click()
        self.notice("승인했습니다.")


class TestFinanceWalk:
    def test_budget_to_paid_through_the_pages(
        self, page: Page, demo_server: LofinServer, artifacts_dir: Path
    ) -> None:
        walk = Walk(page, demo_server, artifacts_dir)

        # 재무관: a new budget line under the existing detail programme of 2026.
        walk.as_user("finance.jongno", "/finance/years")
        page.get_by_role("link", name="2026", exact=True).click()
        expect(page.get_by_role("heading", name="2026 회계연도")).to_be_visible()
        line_form = walk.form("예산과목 추가")
        line_form.get_by_label("세부사업").select_option(label="D111 청사 시설 유지관리")
        line_form.get_by_label("회계", exact=True).select_option(label="100 일반회계")
        line_form.get_by_label("편성목 그룹").select_option(label="물건비")
        line_form.get_by_label("편성목 코드").fill("201")
        line_form.get_by_label("편성목명").fill("일반운영비")
        line_form.get_by_label("통계목 코드").fill("201-3")
        line_form.get_by_label("통계목명").fill("행사운영비")
        line_form.get_by_role("button", name="예산과목 추가").click()
        expect(page.get_by_role("alert")).to_contain_text("201-01 형식으로 입력하세요.")
        expect(walk.form("예산과목 추가").get_by_label("통계목 코드")).to_have_attribute(
            "aria-invalid", "true"
        )
        walk.shot("line-form-error")
        walk.form("예산과목 추가").get_by_label("통계목 코드").fill(LINE)
        walk.form("예산과목 추가").get_by_role("button", name="예산과목 추가").click()
        walk.notice("예산과목을 추가했습니다.")
        expect(page.get_by_role("row").filter(has_text=f"{LINE} 행사운영비")).to_be_visible()

        # 공무원: the first supplementary budget gives the line 30,000,000; the others keep theirs.
        walk.as_user("official.jongno", "/finance/budget-versions")
        page.get_by_role("link", name="2026년도 예산안 작성").click()
        page.get_by_label("제목").fill("2026년도 종로구 제1회 추가경정예산")
        page.get_by_role("row").filter(has_text=LINE).get_by_role("textbox").fill("30,000,000")
        walk.shot("version-draft")
        page.get_by_role("button", name="예산안 저장").click()
        walk.notice("예산안을 저장했습니다.")
        page.get_by_role("button", name="의회에 제출").click()
        walk.notice("예산안을 의회에 제출했습니다. 이제 금액은 바뀌지 않습니다.")
        expect(page.get_by_role("row").filter(has_text=LINE)).to_contain_text("+30,000,000")
        walk.shot("version-submitted")

        # 결재권자 (another person): the council's approval with its resolution number.
        walk.as_user("approver.jongno", "/finance/inbox")
        row = walk.inbox_row("예산안", "제1회 추가경정예산")
        row.get_by_label("의회 의결 번호").fill("종로구의회 제326회 제1차 본회의 의결")
        walk.shot("inbox-council")
        row.get_by_role("button", name=re.compile("^가결 기록")).click()
        walk.notice("의회 의결(가결)을 기록했습니다. 각 예산과목에 이 예산안의 금액이 반영되었습니다.")

        # 공무원: second-quarter allocation of the new line.
        walk.as_user("official.jongno", "/finance/budget-lines")
        page.get_by_role("link", name=re.compile(f"{LINE} 행사운영비")).click()
        expect(page.get_by_role("row").filter(has_text="제1회 추가경정예산")).to_contain_text("30,000,000")
        page.get_by_role("link", name="예산배정 요청").click()
        page.get_by_label("분기").select_option(label="2분기")
        page.get_by_label("금액(원)").fill("30,000,000")
        page.get_by_role("button", name="배정 요청").click()
        walk.notice("예산배정을 요청했습니다. 결재권자가 결정합니다.")

        walk.as_user("approver.jongno", "/finance/inbox")
        walk.approve("예산배정", "2분기 배정")

        # 공무원: the contract (a wrong business registration number first), then the commitment.
        walk.as_user("official.jongno", "/finance/contracts/new")
        page.get_by_label("계약명").fill("구민의 날 행사 대행 용역")
        page.get_by_label("계약방법").select_option(label="수의계약")
        page.get_by_label("계약상대자").fill("종로문화기획")
        page.get_by_label("사업자등록번호").fill("101-86-42138")
        page.get_by_label("계약금액(원)").fill(AMOUNT)
        page.get_by_label("시작일").fill("2026-04-01")
        page.get_by_label("종료일").fill("2026-05-31")
        page.get_by_role("button", name="계약 등록").click()
        expect(page.get_by_role("alert")).to_contain_text("올바른 사업자등록번호가 아닙니다.")
        expect(page.get_by_label("사업자등록번호")).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_label("계약명")).to_have_value("구민의 날 행사 대행 용역")
        walk.shot("contract-error")
        page.set_viewport_size({"width": 390, "height": 844})
        walk.shot("contract-error-mobile")
        page.set_viewport_size({"width": 1280, "height": 900})
        page.get_by_label("사업자등록번호").fill("101-86-42137")
        page.get_by_role("button", name="계약 등록").click()
        walk.notice("계약을 등록했습니다.")
        page.get_by_role("link", name="이 계약으로 지출원인행위 요청").click()
        walk.choose_line(page.get_by_label("예산과목"))
        page.get_by_label("금액(원)").fill(AMOUNT)
        page.get_by_label("내용").fill("구민의 날 행사 대행")
        page.get_by_role("button", name="지출원인행위 요청").click()
        walk.notice("지출원인행위를 요청했습니다. 금액은 예산과목에 미리 확보되었습니다.")
        walk.shot("commitment")

        walk.as_user("approver.jongno", "/finance/inbox")
        walk.approve("지출원인행위", "구민의 날 행사 대행")

        # 공무원: the expenditure resolution under the commitment (its form is filled in from it).
        walk.as_user("official.jongno", "/finance/commitments?status=approved")
        page.get_by_role("link", name="구민의 날 행사 대행").click()
        page.get_by_role("link", name="지출결의 요청").click()
        expect(page.get_by_label("채권자")).to_have_value("종로문화기획")
        page.get_by_label("내용").fill("행사 대행 용역 대가")
        page.get_by_role("button", name="지출결의 요청").click()
        walk.notice("지출결의를 요청했습니다. 결재권자가 결정합니다.")

        walk.as_user("approver.jongno", "/finance/inbox")
        walk.approve("지출결의", "종로문화기획: 행사 대행 용역 대가")

        # 공무원: the payment order, sent with a double click: one order.
        walk.as_user("official.jongno", "/finance/resolutions?status=approved")
        page.get_by_role("link", name="종로문화기획").click()
        page.get_by_role("button", name="지급명령 발행").dblclick()
        walk.notice("지급명령을 발행했습니다. 결재권자가 결정합니다.")
        walk.go("/finance/payment-orders")
        expect(page.get_by_role("row").filter(has_text="종로문화기획")).to_have_count(1)

        walk.as_user("approver.jongno", "/finance/inbox")
        walk.approve("지급명령", "종로문화기획: 행사 대행 용역 대가")

        # 재무관 (지출원): the treasury bank paid.
        walk.as_user("finance.jongno", "/finance/payment-orders?status=approved")
        page.get_by_role("link", name="종로문화기획").click()
        page.get_by_role("button", name="금고 지급 기록").click()
        walk.notice("금고의 지급을 기록했습니다.")
        expect(page.get_by_role("heading", level=2)).to_contain_text("지급 완료")
        walk.shot("paid")
        page.goto(f"{page.url.split('?')[0]}?lang=en")
        expect(page.get_by_role("heading", level=2)).to_contain_text("Payment order")
        expect(page.get_by_role("heading", level=2)).to_contain_text("Payment made")
        expect(page.get_by_role("button", name="Record the treasury payment")).to_have_count(0)
        walk.shot("paid-en")

        # The line shows the payment, on its own page and on the budget-vs-actual dashboard.
        walk.go("/finance/budget-lines?lang=ko")
        line_row = page.get_by_role("row").filter(has_text=f"{LINE} 행사운영비")
        expect(line_row).to_contain_text("30,000,000")
        expect(line_row.locator("td").nth(4)).to_have_text(AMOUNT)
        walk.go("/finance/budget-vs-actual")
        dashboard_row = page.get_by_role("row").filter(has_text=f"{LINE} 행사운영비")
        expect(dashboard_row.locator("td").nth(4)).to_have_text(AMOUNT)
        walk.shot("budget-vs-actual")
        walk.go("/finance/journal")
        expect(page.get_by_role("rowgroup").filter(has_text="지급 종로문화기획")).to_contain_text(AMOUNT)
        walk.go("/finance/trial-balance")
        expect(page.locator("tfoot")).to_contain_text("차대 일치")
        walk.shot("trial-balance")
