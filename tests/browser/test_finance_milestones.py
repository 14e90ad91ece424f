"""A contract paid by milestones, in the browser: schedule → commitment on a milestone → the payment
order refused before the inspection → inspection by another official → the payment order issued.

It works on 종로구's 공공운영비 line (201-02), which the other browser tests do not read figures of.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_finance_walk import Walk
from tests.support.server import LofinServer

pytestmark = pytest.mark.browser

SUPPLIER = "가온설비"
LINE = "201-02"


def _shot(walk: Walk, name: str) -> None:
    walk.page.screenshot(path=str(walk.artifacts_dir / f"finance-milestones-{name}.png"), full_page=True)


class TestContractMilestones:
    def test_a_milestone_is_paid_after_its_inspection(
        self, page: Page, demo_server: LofinServer, artifacts_dir: Path
    ) -> None:
        walk = Walk(page, demo_server, artifacts_dir)

        # 공무원: the contract and its schedule (선금 then 준공).
        walk.as_user("official.jongno", "/finance/contracts/new")
        page.get_by_label("계약명").fill("민원실 공조설비 정비 용역")
        page.get_by_label("계약방법").select_option(label="수의계약")
        page.get_by_label("계약상대자").fill(SUPPLIER)
        page.get_by_label("사업자등록번호").fill("220-81-62517")
        page.get_by_label("계약금액(원)").fill("9,000,000")
        page.get_by_label("시작일").fill("2026-05-01")
        page.get_by_label("종료일").fill("2026-09-30")
        page.get_by_role("button", name="계약 등록").click()
        walk.notice("계약을 등록했습니다.")
        contract_url = page.url.split("?")[0]
        add = walk.form("이행 단계 추가")
        add.get_by_label("구분").select_option(label="선금")
        add.get_by_label("이행 단계").fill("선금")
        add.get_by_label("이행 기한").fill("2026-05-15")
        add.get_by_label("금액(원)").fill("3,000,000")
        add.get_by_role("button", name="이행 단계 추가").click()
        walk.notice("이행 단계를 계약에 추가했습니다.")
        add = walk.form("이행 단계 추가")
        expect(add.get_by_label("금액(원)")).to_have_value("6,000,000")  # what is left of the contract
        add.get_by_label("구분").select_option(label="준공")
        add.get_by_label("이행 단계").fill("준공")
        add.get_by_label("이행 기한").fill("2026-04-30")
        add.get_by_role("button", name="이행 단계 추가").click()
        expect(page.get_by_role("alert")).to_contain_text("계약 기간")
        add.get_by_label("이행 기한").fill("2026-09-30")
        add.get_by_role("button", name="이행 단계 추가").click()
        walk.notice("이행 단계를 계약에 추가했습니다.")
        expect(page.get_by_text("이행 단계 계획이 완성되었습니다")).to_be_visible()
        expect(walk.form("이행 단계 추가")).to_have_count(0)
        _shot(walk, "01-schedule")

        # 공무원: a commitment against the advance (the form comes with the contract and milestone chosen).
        page.get_by_role("link", name="1단계 지출원인행위").click()
        line = page.get_by_label("예산과목")
        value = line.locator("option", has_text=LINE).get_attribute("value")
        assert value
        line.select_option(value)
        page.get_by_label("금액(원)").fill("3,000,001")
        page.get_by_label("내용").fill("민원실 공조설비 정비 선금")
        page.get_by_role("button", name="지출원인행위 요청").click()
        expect(page.get_by_role("alert")).to_contain_text("3,000,000원")
        page.get_by_label("금액(원)").fill("3,000,000")
        page.get_by_role("button", name="지출원인행위 요청").click()
        walk.notice("지출원인행위를 요청했습니다. 금액은 예산과목에 미리 확보되었습니다.")

        walk.as_user("approver.jongno", "/finance/inbox")
        walk.approve("지출원인행위", "민원실 공조설비 정비 선금")

        walk.as_user("official.jongno", "/finance/commitments?status=approved")
        page.get_by_role("link", name="민원실 공조설비 정비 선금").click()
        expect(page.get_by_text("1. 선금 (선금)")).to_contain_text("원인행위 완료")
        page.get_by_role("link", name="지출결의 요청").click()
        expect(page.get_by_label("채권자")).to_have_value(SUPPLIER)
        page.get_by_role("button", name="지출결의 요청").click()
        walk.notice("지출결의를 요청했습니다. 결재권자가 결정합니다.")

        walk.as_user("approver.jongno", "/finance/inbox")
        walk.approve("지출결의", SUPPLIER)

        # 공무원: the payment order waits for the inspection (지방계약법: 검사 후 대가 지급).
        walk.as_user("official.jongno", "/finance/resolutions?status=approved")
        page.get_by_role("link", name=SUPPLIER).click()
        resolution_url = page.url.split("?")[0]
        page.get_by_role("button", name="지급명령 발행").click()
        expect(page.get_by_role("alert")).to_contain_text("검사·검수가 아직 완료되지 않았습니다")
        _shot(walk, "02-payment-refused")
        # Whoever registered the contract may not record its inspection.
        walk.go(contract_url.removeprefix(demo_server.base_url))
        advance = page.get_by_role("row").filter(has_text="선금").filter(has_text="3,000,000").first
        advance.get_by_label("검사일").fill("2026-05-14")
        advance.get_by_label("검사자").fill("이검수")
        advance.get_by_role("button", name="1단계 검사·검수 기록").click()
        expect(page.get_by_role("alert")).to_contain_text("상호 확인 원칙")

        # 재무관: the inspection.
        walk.as_user("finance.jongno", contract_url.removeprefix(demo_server.base_url))
        advance = page.get_by_role("row").filter(has_text="선금").filter(has_text="3,000,000").first
        expect(advance).to_contain_text("원인행위 완료")
        _shot(walk, "03-inspection-form")
        advance.get_by_label("검사일").fill("2026-05-14")
        advance.get_by_label("검사자").fill("이검수")
        advance.get_by_role("button", name="1단계 검사·검수 기록").click()
        walk.notice("검사·검수를 기록했습니다. 이제 이 단계의 지급명령을 낼 수 있습니다.")
        expect(page.get_by_role("row").filter(has_text="2026-05-14, 검사자 이검수")).to_contain_text(
            "검사·검수 완료"
        )
        _shot(walk, "04-inspected")
        page.goto(f"{contract_url}?lang=en")
        expect(
            page.get_by_role("heading", name="Milestones (advance, progress and completion payments)")
        ).to_be_visible()
        expect(page.get_by_role("row").filter(has_text="inspected by 이검수")).to_contain_text(
            "Inspected and accepted"
        )
        _shot(walk, "05-inspected-en")
        page.goto(f"{contract_url}?lang=ko")

        # 공무원: now the payment order goes out.
        walk.as_user("official.jongno", resolution_url.removeprefix(demo_server.base_url))
        page.get_by_role("button", name="지급명령 발행").click()
        walk.notice("지급명령을 발행했습니다. 결재권자가 결정합니다.")
        _shot(walk, "06-order-issued")
