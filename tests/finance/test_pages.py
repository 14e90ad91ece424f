"""Officials' pages: budget lines with what is available, the approver inbox, Korean first, demo data."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.finance import services
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
        assert re.findall(r"<td>([\d,]+)</td>", row)[:5] == [
            "120,000,000",
            "48,000,000",
            "3,200,000",
            "0",
            "0",
        ]
        assert "<strong>44,800,000</strong>" in row

    async def test_another_government_sees_none_of_them(
        self, client: Client, world: FinanceWorld, accounts: Accounts
    ) -> None:
        line = await world.line(budget=1_000, allocated=1_000)
        suwon = await accounts.make(Role.OFFICIAL, "41110")
        await _sign_in(client, suwon.user.username)
        page = (await client.get("/finance/budget-lines")).text
        assert line.statistics_name not in page
        assert "아직 예산과목이 없습니다." in page

    async def test_residents_are_refused(self, client: Client, accounts: Accounts) -> None:
        resident = await accounts.make(Role.RESIDENT, None)
        await _sign_in(client, resident.user.username)
        assert (await client.get("/finance/budget-lines")).status_code == 403


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
        after = await client.get(response.headers["location"])
        assert "승인했습니다." in after.text
        assert "복사용지 구매" not in after.text
        stored = await services.get_commitment(world.session, world.staff.maker, commitment.id)
        assert stored.decided_by == world.staff.approver.user.id

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
        assert sum(x.paid_amount for x in lines) == 95_000_000
        inbox = await services.approver_inbox(session, jongno.approver_actor)
        assert sorted(i.kind for i in inbox) == ["commitment", "expenditure_resolution"]

        suwon = await make_staff(accounts, "41110")
        lines, _total = await services.list_budget_lines(session, suwon.maker, limit=50, offset=0)
        assert sum(x.budget_amount for x in lines) == 33_410_000_000
        assert sum(x.paid_amount for x in lines) == 2_310_000_000 + 48_320_000
        inbox = await services.approver_inbox(session, suwon.approver_actor)
        assert sorted(i.kind for i in inbox) == ["allocation", "budget_version", "commitment", "payment_order"]

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
                str(m.id)
                for m in read_po(handle)
                if m.id and any("finance" in path for path, _line in m.locations)
            }
        assert "Approval inbox" in finance
        with (LOCALE_DIR / "ko" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            korean = {m.id: m.string for m in read_po(handle, locale="ko") if m.id}
        assert sorted(i for i in finance if not korean.get(i)) == []
