"""Paging of lists: the arithmetic and the pager pages show."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.platform.audit import record_event
from app.platform.auth.models import Role
from app.platform.paging import PAGE_SIZE, page_count, page_offset
from app.platform.tenancy import Actor
from tests.conftest import TEST_PASSWORD, Accounts


def test_page_arithmetic() -> None:
    assert [page_count(n) for n in (0, 1, PAGE_SIZE, PAGE_SIZE + 1)] == [1, 1, 1, 2]
    assert [page_offset(p) for p in (1, 2, 3)] == [0, PAGE_SIZE, 2 * PAGE_SIZE]


async def test_admin_page_pages_through_the_audit_trail(
    client: AsyncTestClient[Litestar], session: AsyncSession, accounts: Accounts
) -> None:
    auditor = await accounts.make(Role.AUDITOR, "29110")
    actor = Actor(user_id=None, username="pager-test", role=Role.ADMIN, government_code="29110")
    for n in range(PAGE_SIZE + 5):
        await record_event(
            session, actor, "test.page", target_type="thing", target_id=str(n), government_code="29110"
        )
    await session.flush()
    form = await client.get("/login")
    csrf = re.search(r'name="_csrf_token" value="([^"]+)"', form.text)
    assert csrf
    await client.post(
        "/login",
        data={"username": auditor.user.username, "password": TEST_PASSWORD, "_csrf_token": csrf.group(1)},
    )
    first = await client.get("/admin/")
    assert "1 / 2" in first.text
    assert 'href="/admin?page=2"' in first.text
    second = await client.get("/admin/?page=2")
    assert "2 / 2" in second.text
    assert 'href="/admin?page=1"' in second.text
    assert second.text.count("<code>") < first.text.count("<code>")
    # the pager keeps whatever else the request asked for (filters, repeated keys, the language)
    kept = await client.get("/admin/?page=2&lang=en&tag=a&tag=b%20c")
    assert 'href="/admin?lang=en&amp;tag=a&amp;tag=b+c&amp;page=1"' in kept.text
