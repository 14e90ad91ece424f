"""Officials' pages: structure, budget versions, allocation, contracts, commitments, resolutions,
payment orders, the ledger and the approver inbox: Korean forms and messages, roles, tenancy, demo data."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from pathlib import Path

from babel.messages.pofile import read_po
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.finance import services
from app.finance.models import ApprovalStatus, BudgetLine, Commitment, Contract, PaymentOrder
from app.platform.auth.models import Role
from app.platform.i18n import LOCALE_DIR
from app.platform.seed import seed_demo_accounts, seed_demo_finance
from tests.conftest import TEST_PASSWORD, Accounts
from tests.finance.conftest import FinanceWorld, make_staff

ROOT = Path(__file__).resolve().parents[2]
PYBABEL = str(Path(sys.executable).parent / "pybabel")
Client = AsyncTestClient[Litestar]


def _csrf(page: str) -> str:
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page)
    assert token, "the page carries a CSRF token"
    return token.group(1)


async def _sign_in(client: Client, username: str) -> None:
    form = await client.get("/login")
    response = await client.post(
        "/login",
        data={"username": username, "password": TEST_PASSWORD, "next": "/", "_csrf_token": _csrf(form.text)},
    )
    assert response.status_code in (200, 303), response.text


async def _submit(client: Client, form_page: str, action: str, data: dict[str, str]) -> object:
    """Post a form the way the browser does: with the CSRF token of the page it was on."""
    page = await client.get(form_page)
    assert page.status_code == 200, page.text
    return await client.post(action, data={**data, "_csrf_token": _csrf(page.text)}, follow_redirects=False)


class TestBudgetLinesPage:
    async def test_lines_with_available_amounts_in_korean(self, client: Client, world: FinanceWorld) -> None:
        line = await world.line(budget=120_000_000, allocated=48_000_000)
        await services.request_commitment(
            world.session, world.staff.maker, budget_line_id=line.id, amount=3_200_000, description="복사용지"
        )
        await _sign_in(client, world.staff.official.user.username)
        page = (await client.get("/finance/budget-lines")).text
        assert "예산과목별 집행 현황" in page
        assert "집행가능액" in page
        row = page[page.index(line.statistics_name) :]
        assert re.findall(r'<td class="num">(?:<strong>)?([\d,]+)', row)[:6] == [
            "120,000,000",
            "48,000,000",
            "3,200,000",
            "0",
            "0",
            "44,800,000",
        ]
        detail = (await client.get(f"/finance/budget-lines/{line.id}")).text
        assert "복사용지" in detail
        assert "제1회 의결" not in detail  # the version's title, not its resolution, names it
        assert "예산" in detail

    async def test_another_government_sees_none_of_them(
        self, client: Client, world: FinanceWorld, accounts: Accounts
    ) -> None:
        line = await world.line(budget=1_000, allocated=1_000)
        suwon = await accounts.make(Role.OFFICIAL, "41110")
        await _sign_in(client, suwon.user.username)
        page = (await client.get("/finance/budget-lines")).text
        assert line.statistics_name not in page
        assert "아직 예산과목이 없습니다." in page
        assert (await client.get(f"/finance/budget-lines/{line.id}")).status_code == 404

    async def test_residents_are_refused(self, client: Client, accounts: Accounts) -> None:
        resident = await accounts.make(Role.RESIDENT, None)
        await _sign_in(client, resident.user.username)
        assert (await client.get("/finance/budget-lines")).status_code == 403


class TestStructurePages:
    async def test_finance_officer_opens_a_year_and_builds_its_structure(
        self, client: Client, world: FinanceWorld
    ) -> None:
        await _sign_in(client, world.staff.officer.user.username)
        wrong = await _submit(client, "/finance/years", "/finance/years", {"year": "twenty"})
        assert wrong.status_code == 422
        assert 'aria-invalid="true"' in wrong.text
        assert "2000부터 2100 사이의 값을 고르세요." in wrong.text
        opened = await _submit(client, "/finance/years", "/finance/years", {"year": "2027"})
        assert opened.status_code == 303
        year_page = opened.headers["location"]
        assert year_page.endswith("?notice=year_created")
        assert "회계연도를 열었습니다." in (await client.get(year_page)).text
        year_path = year_page.split("?")[0]
        done = await _submit(
            client, year_path, f"{year_path}/accounts", {"code": "100", "name": "일반회계", "kind": "general"}
        )
        assert done.status_code == 303
        parent: str | None = None
        for level, code, name in [
            ("field", "010", "일반공공행정"),
            ("sector", "014", "일반행정"),
            ("policy", "P1", "청사 운영"),
            ("unit", "U1", "청사 관리"),
            ("detail", "D1", "청사 시설 유지관리"),
        ]:
            done = await _submit(
                client,
                year_path,
                f"{year_path}/programmes",
                {"level": level, "code": code, "name": name, "parent_id": parent or ""},
            )
            assert done.status_code == 303, done.text
            page = (await client.get(year_path)).text
            parent = re.findall(r'<option value="([0-9a-f-]{36})"[^>]*>[^<]*' + code + " " + name, page)[0]
        orphan = await _submit(
            client, year_path, f"{year_path}/programmes", {"level": "unit", "code": "U9", "name": "고아"}
        )
        assert orphan.status_code == 422
        assert "한 단계 위" in orphan.text
        page = (await client.get(year_path)).text
        account_id = re.findall(r'<option value="([0-9a-f-]{36})">100 일반회계', page)[0]
        line_fields = {
            "programme_id": parent or "",
            "account_id": account_id,
            "object_group": "goods",
            "object_code": "201",
            "object_name": "일반운영비",
            "statistics_code": "202-01",
            "statistics_name": "사무관리비",
        }
        mismatch = await _submit(client, year_path, f"{year_path}/lines", line_fields)
        assert mismatch.status_code == 422
        assert "통계목은 편성목 코드로 시작합니다." in mismatch.text
        added = await _submit(
            client, year_path, f"{year_path}/lines", {**line_fields, "statistics_code": "201-01"}
        )
        assert added.status_code == 303
        assert "201-01 사무관리비" in (await client.get(year_path)).text

    async def test_officials_may_not_change_the_structure(self, client: Client, world: FinanceWorld) -> None:
        await _sign_in(client, world.staff.official.user.username)
        refused = await _submit(client, "/finance/years", "/finance/years", {"year": "2027"})
        assert refused.status_code == 403


class TestBudgetVersionPages:
    async def test_draft_submit_and_council_approval_from_the_inbox(
        self, client: Client, world: FinanceWorld
    ) -> None:
        line = await world.line(budget=100_000_000, allocated=0)
        year = await world.fiscal_year()
        await _sign_in(client, world.staff.official.user.username)
        form_path = f"/finance/years/{year.id}/budget-versions/new"
        form = (await client.get(form_path)).text
        assert 'value="100,000,000"' in form
        empty = await _submit(client, form_path, f"/finance/years/{year.id}/budget-versions", {"title": ""})
        assert empty.status_code == 422
        assert "이 항목을 입력하세요." in empty.text
        drafted = await _submit(
            client,
            form_path,
            f"/finance/years/{year.id}/budget-versions",
            {"title": "제1회 추가경정예산", f"amount_{line.id}": "130,000,000"},
        )
        assert drafted.status_code == 303, drafted.text
        version_path = drafted.headers["location"].split("?")[0]
        submitted = await _submit(client, version_path, f"{version_path}/submit", {})
        assert submitted.status_code == 303
        page = (await client.get(version_path)).text
        assert "의회 제출" in page
        assert "+30,000,000" in page

        await _sign_in(client, world.staff.approver.user.username)
        inbox = await client.get("/finance/inbox")
        assert "제1회 추가경정예산" in inbox.text
        version_id = version_path.rsplit("/", 1)[1]
        without_reference = await client.post(
            f"/finance/budget-versions/{version_id}/decision",
            data={"decision": "approve", "from": "inbox", "_csrf_token": _csrf(inbox.text)},
        )
        assert without_reference.status_code == 422
        approved = await client.post(
            f"/finance/budget-versions/{version_id}/decision",
            data={
                "decision": "approve",
                "council_resolution": "제2회 의결",
                "from": "inbox",
                "_csrf_token": _csrf(inbox.text),
            },
            follow_redirects=False,
        )
        assert approved.headers["location"] == "/finance/inbox?notice=version_approved"
        budget = await world.session.scalar(select(BudgetLine.budget_amount).where(BudgetLine.id == line.id))
        assert budget == 130_000_000
        history = (await client.get(version_path)).text
        assert "제2회 의결" in history
        assert "본예산" in history and "추가경정예산" in history


class TestExecutionPages:
    async def test_allocation_over_the_budget_is_refused_in_korean(
        self, client: Client, world: FinanceWorld
    ) -> None:
        line = await world.line(budget=10_000_000, allocated=4_000_000)
        await _sign_in(client, world.staff.official.user.username)
        refused = await _submit(
            client,
            "/finance/allocations/new",
            "/finance/allocations",
            {"budget_line_id": str(line.id), "quarter": "2", "amount": "7,000,000"},
        )
        assert refused.status_code == 422
        assert "배정할 수 있는 잔액은 6,000,000원입니다." in refused.text
        requested = await _submit(
            client,
            "/finance/allocations/new",
            "/finance/allocations",
            {"budget_line_id": str(line.id), "quarter": "2", "amount": "6,000,000"},
        )
        assert requested.status_code == 303
        assert "2분기" in (await client.get("/finance/allocations?status=requested")).text

    async def test_contract_with_a_wrong_business_number_is_shown_again_in_korean(
        self, client: Client, world: FinanceWorld
    ) -> None:
        await _sign_in(client, world.staff.official.user.username)
        fields = {
            "title": "청사 외벽 도색 공사",
            "method": "restricted_tender",
            "supplier_name": "한빛상사",
            "supplier_registration_number": "220-81-62518",
            "amount": "95,000,000",
            "start_date": "2026-03-02",
            "end_date": "2026-02-01",
        }
        wrong = await _submit(client, "/finance/contracts/new", "/finance/contracts", fields)
        assert wrong.status_code == 422
        assert "올바른 사업자등록번호가 아닙니다" in wrong.text
        assert "계약 기간의 종료일이 시작일보다 앞섭니다." in wrong.text
        assert (
            'id="supplier_registration_number" name="supplier_registration_number" type="text" value="220-81-62518"'
            in wrong.text
        )
        assert wrong.text.count('aria-invalid="true"') == 2
        assert await world.session.scalar(select(func.count()).select_from(Contract)) == 0
        created = await _submit(
            client,
            "/finance/contracts/new",
            "/finance/contracts",
            {**fields, "supplier_registration_number": "220-81-62517", "end_date": "2026-05-29"},
        )
        assert created.status_code == 303
        page = (await client.get(created.headers["location"])).text
        assert "계약을 등록했습니다." in page
        assert "220-81-62517" in page

    async def test_commitment_over_what_is_available_is_refused_then_requested_and_cancelled(
        self, client: Client, world: FinanceWorld
    ) -> None:
        line = await world.line(budget=10_000_000, allocated=5_000_000)
        await _sign_in(client, world.staff.official.user.username)
        refused = await _submit(
            client,
            f"/finance/commitments/new?line={line.id}",
            "/finance/commitments",
            {"budget_line_id": str(line.id), "amount": "5,000,001", "description": "복사기 임차"},
        )
        assert refused.status_code == 422
        assert "집행가능액은 5,000,000원입니다" in refused.text
        committed = await world.session.scalar(
            select(BudgetLine.committed_amount).where(BudgetLine.id == line.id)
        )
        assert committed == 0

        requested = await _submit(
            client,
            f"/finance/commitments/new?line={line.id}",
            "/finance/commitments",
            {"budget_line_id": str(line.id), "amount": "5,000,000", "description": "복사기 임차"},
        )
        assert requested.status_code == 303
        commitment_path = requested.headers["location"].split("?")[0]
        cancelled = await _submit(client, commitment_path, f"{commitment_path}/cancel", {})
        assert cancelled.headers["location"].endswith("?notice=commitment_cancelled")
        page = (await client.get(cancelled.headers["location"])).text
        assert "확보했던 금액이 풀렸습니다." in page
        assert "취소" in page

        neither = await _submit(
            client,
            "/finance/resolutions/new",
            "/finance/resolutions",
            {"amount": "10,000", "payee_name": "한국전력공사", "description": "전기요금"},
        )
        assert neither.status_code == 422
        assert "하나만 고르세요." in neither.text

    async def test_payment_order_form_sent_twice_orders_once_and_the_officer_pays(
        self, client: Client, world: FinanceWorld
    ) -> None:
        line = await world.line(budget=10_000_000, allocated=10_000_000)
        staff = world.staff
        resolution = await services.request_expenditure_resolution(
            world.session,
            staff.maker,
            budget_line_id=line.id,
            amount=1_850_000,
            payee_name="한국전력공사",
            description="3월 전기요금",
        )
        await services.decide_expenditure_resolution(
            world.session, staff.approver_actor, resolution.id, approve=True
        )
        await _sign_in(client, staff.official.user.username)
        page = (await client.get(f"/finance/resolutions/{resolution.id}")).text
        key = re.findall(r'name="idempotency_key" value="([^"]+)"', page)[0]
        data = {"resolution_id": str(resolution.id), "idempotency_key": key, "_csrf_token": _csrf(page)}
        first = await client.post("/finance/payment-orders", data=data, follow_redirects=False)
        second = await client.post("/finance/payment-orders", data=data, follow_redirects=False)
        assert first.status_code == second.status_code == 303
        assert first.headers["location"] == second.headers["location"]
        orders = (await world.session.scalars(select(PaymentOrder))).all()
        assert len(orders) == 1
        order = orders[0]
        official_pay = await client.post(
            f"/finance/payment-orders/{order.id}/pay", data={"_csrf_token": _csrf(page)}
        )
        assert official_pay.status_code == 403
        await services.decide_payment_order(world.session, staff.approver_actor, order.id, approve=True)
        await _sign_in(client, staff.officer.user.username)
        order_page = (await client.get(f"/finance/payment-orders/{order.id}")).text
        paid = await client.post(
            f"/finance/payment-orders/{order.id}/pay",
            data={"_csrf_token": _csrf(order_page)},
            follow_redirects=False,
        )
        assert paid.status_code == 303
        assert "지급을 기록했습니다." in (await client.get(paid.headers["location"])).text
        again = await client.post(
            f"/finance/payment-orders/{order.id}/pay", data={"_csrf_token": _csrf(order_page)}
        )
        assert again.status_code == 409
        lines = (await client.get(f"/finance/budget-lines/{line.id}")).text
        assert re.search(r'data-testid="paid">1,850,000<', lines)
        journal = (await client.get("/finance/journal")).text
        assert "지급 한국전력공사" in journal
        balance = (await client.get("/finance/trial-balance?year=2026")).text
        assert "차대 일치" in balance

    async def test_another_government_gets_not_found_and_english_works(
        self, client: Client, world: FinanceWorld, accounts: Accounts
    ) -> None:
        line = await world.line(budget=1_000_000, allocated=1_000_000)
        commitment = await services.request_commitment(
            world.session, world.staff.maker, budget_line_id=line.id, amount=10_000, description="소모품"
        )
        suwon = await accounts.make(Role.OFFICIAL, "41110")
        await _sign_in(client, suwon.user.username)
        assert (await client.get(f"/finance/commitments/{commitment.id}")).status_code == 404
        assert (await client.get(f"/finance/payment-orders/{uuid.uuid4()}")).status_code == 404
        listed = (await client.get("/finance/commitments")).text
        assert "소모품" not in listed
        english = (await client.get("/finance/contracts/new?lang=en")).text
        assert "Register a contract" in english
        assert "Business registration number" in english


class TestEveryPageOpens:
    async def test_lists_and_forms_for_an_official_and_the_ministry(
        self, client: Client, world: FinanceWorld, accounts: Accounts
    ) -> None:
        line = await world.line(budget=1_000_000, allocated=1_000_000)
        year = await world.fiscal_year()
        paths = [
            "/finance/budget-lines",
            f"/finance/budget-lines/{line.id}",
            "/finance/years",
            f"/finance/years/{year.id}",
            "/finance/budget-versions?status=approved",
            "/finance/allocations?status=approved",
            "/finance/contracts?q=한빛",
            "/finance/commitments",
            "/finance/resolutions",
            "/finance/payment-orders?status=paid",
            "/finance/journal",
            "/finance/trial-balance",
            "/finance/inbox",
        ]
        forms = [
            f"/finance/years/{year.id}/budget-versions/new",
            f"/finance/allocations/new?line={line.id}",
            "/finance/contracts/new",
            f"/finance/commitments/new?line={line.id}",
            f"/finance/resolutions/new?line={line.id}",
        ]
        await _sign_in(client, world.staff.official.user.username)
        for path in paths + forms:
            assert (await client.get(path)).status_code == 200, path
        ministry = await accounts.make(Role.ADMIN, None)
        await _sign_in(client, ministry.user.username)
        for path in paths:
            assert (await client.get(path)).status_code == 200, path
        assert "<td>종로구</td>" in (await client.get("/finance/budget-lines")).text
        assert (await client.get("/finance/contracts/new")).status_code == 403


class TestInboxPage:
    async def test_approver_approves_from_the_inbox(self, client: Client, world: FinanceWorld) -> None:
        line = await world.line(budget=1_000_000, allocated=1_000_000)
        commitment = await services.request_commitment(
            world.session,
            world.staff.maker,
            budget_line_id=line.id,
            amount=250_000,
            description="복사용지 구매",
        )
        await _sign_in(client, world.staff.approver.user.username)
        inbox = await client.get("/finance/inbox")
        assert "복사용지 구매" in inbox.text
        assert "지출원인행위" in inbox.text
        response = await client.post(
            f"/finance/inbox/commitment/{commitment.id}",
            data={"decision": "approve", "_csrf_token": _csrf(inbox.text)},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert response.headers["location"] == "/finance/inbox?notice=approve"
        after = await client.get(response.headers["location"])
        assert "승인했습니다." in after.text
        assert "복사용지 구매" not in after.text
        decided = await world.session.execute(
            select(Commitment.status, Commitment.decided_by).where(Commitment.id == commitment.id)
        )
        assert decided.one() == (ApprovalStatus.APPROVED, world.staff.approver.user.id)

    async def test_official_sees_the_inbox_without_buttons_and_cannot_post(
        self, client: Client, world: FinanceWorld, accounts: Accounts
    ) -> None:
        line = await world.line(budget=1_000, allocated=1_000)
        commitment = await services.request_commitment(
            world.session, world.staff.maker, budget_line_id=line.id, amount=10, description="소모품"
        )
        colleague = await accounts.make(Role.OFFICIAL, "11110")
        await _sign_in(client, colleague.user.username)
        inbox = await client.get("/finance/inbox")
        assert "소모품" in inbox.text
        assert 'value="approve"' not in inbox.text
        response = await client.post(
            f"/finance/inbox/commitment/{commitment.id}",
            data={"decision": "approve", "_csrf_token": _csrf(inbox.text)},
        )
        assert response.status_code == 403
        still = await world.session.scalar(select(Commitment.status).where(Commitment.id == commitment.id))
        assert still is ApprovalStatus.REQUESTED


class TestDemoData:
    async def test_demo_years_are_created_once_with_execution_at_every_stage(
        self, session: AsyncSession, accounts: Accounts
    ) -> None:
        await seed_demo_accounts(session)
        assert await seed_demo_finance(session) == 14
        assert await seed_demo_finance(session) == 0
        jongno = await make_staff(accounts, "11110")
        lines, total = await services.list_budget_lines(session, jongno.maker, limit=50, offset=0)
        assert total == 4
        assert sum(x.paid_amount for x in lines) == 95_000_000 + 9_000_000  # + the milestone demo's 선금
        inbox = await services.approver_inbox(session, jongno.approver_actor)
        assert sorted(i.kind for i in inbox) == ["commitment", "expenditure_resolution"]

        suwon = await make_staff(accounts, "41110")
        lines, _total = await services.list_budget_lines(session, suwon.maker, limit=50, offset=0)
        assert sum(x.budget_amount for x in lines) == 33_410_000_000
        assert sum(x.paid_amount for x in lines) == 2_310_000_000 + 48_320_000
        inbox = await services.approver_inbox(session, suwon.approver_actor)
        assert sorted(i.kind for i in inbox) == [
            "allocation",
            "budget_version",
            "commitment",
            "payment_order",
        ]

        busan = await make_staff(accounts, "26000")
        lines, _total = await services.list_budget_lines(session, busan.maker, limit=50, offset=0)
        assert sum(x.paid_amount for x in lines) == 3_850_000_000 + 22_500_000_000
        assert max(x.budget_amount for x in lines) == 270_000_000_000
        balance = await services.trial_balance(session, busan.maker, fiscal_year=2026)
        assert sum(r.debit for r in balance) == sum(r.credit for r in balance) > 0
        for staff in (jongno, suwon, busan):
            lines, _total = await services.list_budget_lines(session, staff.maker, limit=50, offset=0)
            assert all(x.committed_amount + x.spent_uncommitted_amount <= x.allocated_amount for x in lines)


class TestTranslations:
    def test_every_finance_message_has_korean(self, tmp_path: Path) -> None:
        template = tmp_path / "messages.pot"
        subprocess.run(
            [PYBABEL, "extract", "-F", "babel.cfg", "-k", "_", "-k", "N_", "-o", str(template), "."],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        with template.open("rb") as handle:
            finance = {
                m.id  # a string, or a (singular, plural) pair
                for m in read_po(handle)
                if m.id and any("finance" in path for path, _line in m.locations)
            }
        assert "Approval inbox" in finance
        with (LOCALE_DIR / "ko" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            korean = {m.id: m.string for m in read_po(handle, locale="ko") if m.id and not m.fuzzy}

        def translated(message_id: str | tuple[str, ...]) -> bool:
            text = korean.get(message_id)
            return all(text) if isinstance(text, tuple) else bool(text)

        assert sorted(str(i) for i in finance if not translated(i)) == []
