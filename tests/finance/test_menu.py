"""The e-Hojo+ menu: grouped the way the work flows, with the page the official is on marked."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.finance.conftest import FinanceWorld
from tests.finance.test_pages import _sign_in

Client = AsyncTestClient[Litestar]


def _menu(page: str) -> str:
    start = page.index('class="finance-menu"')
    return page[start : page.index("</nav>", start)]


async def test_menu_groups_every_page_and_marks_the_current_one(client: Client, world: FinanceWorld) -> None:
    await _sign_in(client, world.staff.official.user.username)
    menu = _menu((await client.get("/finance/budget-lines")).text)
    assert re.findall(r'<p class="finance-menu-title"[^>]*>([^<]+)</p>', menu) == [
        "예산",
        "지출",
        "세입",
        "회계·재산",
        "결산",
    ]
    assert len(re.findall(r"<li><a href=", menu)) == 25
    assert re.findall(r'<a href="([^"]+)" aria-current="page"', menu) == ["/finance/budget-lines"]

    nested = _menu((await client.get("/finance/revenue/settlement")).text)
    assert re.findall(r'<a href="([^"]+)" aria-current="page"', nested) == ["/finance/revenue/settlement"]

    english = _menu((await client.get("/finance/contracts?lang=en")).text)
    assert "Accounting and assets" in english
    assert re.findall(r'<a href="([^"]+)" aria-current="page"', english) == ["/finance/contracts"]
