"""Bulk payment pages: the upload form's Korean line-numbered report, approval, download, result."""

from __future__ import annotations

import re
import uuid

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from app.finance.bulk import services
from app.finance.bulk.models import BulkBatch
from tests.finance.conftest import FinanceWorld
from tests.finance.test_bulk import csv_file, payees, result_for
from tests.finance.test_pages import _csrf, _sign_in

Client = AsyncTestClient[Litestar]


async def _upload(client: Client, line_id: str, content: bytes, title: str = "11월 기초연금") -> object:
    form = await client.get("/finance/bulk/new")
    assert form.status_code == 200, form.text
    return await client.post(
        "/finance/bulk/new",
        data={"budget_line_id": line_id, "title": title, "_csrf_token": _csrf(form.text)},
        files={"file": ("payees.csv", content, "text/csv")},
        follow_redirects=False,
    )


class TestUploadPage:
    async def test_a_bad_file_comes_back_with_every_bad_line_in_korean(
        self, client: Client, world: FinanceWorld
    ) -> None:
        line = await world.line(budget=1_000_000, allocated=1_000_000)
        rows = payees(4)
        rows[0] = ("김하나", "004", "123-45-0000001", "abc", "x", "")
        rows[2] = ("이둘", "777", "123-45-0000003", "1000", "x", "")
        await _sign_in(client, world.staff.official.user.username)
        response = await _upload(client, str(line.id), csv_file(rows, encoding="cp949"))
        assert response.status_code == 422  # type: ignore[attr-defined]
        page = response.text  # type: ignore[attr-defined]
        assert "파일 전체가 거부되었습니다" in page
        assert re.search(r'<th scope="row">2</th>\s*<td>금액은 원 단위 정수여야 합니다.</td>', page)
        assert re.search(r'<th scope="row">4</th>\s*<td>알 수 없는 은행코드입니다.</td>', page)
        assert "11월 기초연금" in page  # the form keeps what was typed
        assert await world.session.scalar(select(func.count()).select_from(BulkBatch)) == 0
        english = await client.get("/finance/bulk/new?lang=en")
        assert "Upload a payee file" in english.text

    async def test_good_file_approve_download_and_result(self, client: Client, world: FinanceWorld) -> None:
        line = await world.line(budget=1_000_000, allocated=1_000_000)
        await _sign_in(client, world.staff.official.user.username)
        response = await _upload(client, str(line.id), csv_file(payees(3)))
        assert response.status_code == 303, response.text  # type: ignore[attr-defined]
        location = response.headers["location"]  # type: ignore[attr-defined]
        detail = await client.get(location)
        assert "다른 사람의 승인" in detail.text
        assert "수급자3" in detail.text
        listing = await client.get("/finance/bulk/?status=requested")
        assert "11월 기초연금" in listing.text
        batch_id = location.split("/")[3].split("?")[0]
        await _sign_in(client, world.staff.approver.user.username)
        page = await client.get(f"/finance/bulk/{batch_id}")
        decided = await client.post(
            f"/finance/bulk/{batch_id}/decision",
            data={"decision": "approve", "_csrf_token": _csrf(page.text)},
            follow_redirects=False,
        )
        assert decided.status_code == 303, decided.text
        bank_file = await client.get(f"/finance/bulk/{batch_id}/bank-file")
        assert bank_file.text.endswith("T,3,30000\r\n")
        await _sign_in(client, world.staff.officer.user.username)
        page = await client.get(f"/finance/bulk/{batch_id}")
        batch = await services.get_batch(world.session, world.staff.officer_actor, uuid.UUID(batch_id))
        content = result_for(batch, await services.batch_transfers(world.session, batch), {2: "E01"})
        wrong = await client.post(
            f"/finance/bulk/{batch_id}/result",
            data={"_csrf_token": _csrf(page.text)},
            files={"file": ("result.csv", content.replace(b"T,3,30000,2", b"T,3,30000,3"), "text/csv")},
        )
        assert wrong.status_code == 422
        assert "끝 레코드의 건수·금액이 상세 레코드와 맞지 않습니다." in wrong.text
        settled = await client.post(
            f"/finance/bulk/{batch_id}/result",
            data={"_csrf_token": _csrf(page.text)},
            files={"file": ("result.csv", content, "text/csv")},
        )
        assert settled.status_code == 200
        assert "계좌 없음" in settled.text
        assert "결과 파일을 대사했습니다" in settled.text or "대사" in settled.text


class TestDetailPage:
    async def test_lines_are_paged_and_the_pager_keeps_the_filter(
        self, client: Client, world: FinanceWorld
    ) -> None:
        line = await world.line(budget=1_000_000, allocated=1_000_000)
        batch = await services.request_batch(
            world.session,
            world.staff.maker,
            budget_line_id=line.id,
            title="51명",
            content=csv_file(payees(51)),
        )
        await _sign_in(client, world.staff.official.user.username)
        first = (await client.get(f"/finance/bulk/{batch.id}?line_status=pending")).text
        assert "<span>1 / 2</span>" in first
        assert f'href="/finance/bulk/{batch.id}?line_status=pending&amp;page=2"' in first
        second = (await client.get(f"/finance/bulk/{batch.id}?line_status=pending&page=2")).text
        assert "수급자51" in second and "수급자50" not in second
        listing = (await client.get("/finance/bulk/?status=settled")).text
        assert "51명" not in listing
        other = await world.line(budget=1_000_000, allocated=1_000_000)
        by_line = (await client.get(f"/finance/bulk/?budget_line_id={line.id}")).text
        assert "51명" in by_line
        assert "51명" not in (await client.get(f"/finance/bulk/?budget_line_id={other.id}")).text
