"""The 243 local governments as of 2024."""

from __future__ import annotations

from collections import Counter

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.platform.governments import (
    GovernmentKind,
    list_governments,
    load_reference_governments,
    read_reference_file,
)


class TestReferenceFile:
    def test_counts_by_level_and_kind(self) -> None:
        rows = read_reference_file()
        kinds = Counter(r.kind for r in rows)
        assert len(rows) == 243
        assert sum(1 for r in rows if r.kind.is_upper_level) == 17
        assert sum(1 for r in rows if not r.kind.is_upper_level) == 226
        assert kinds[GovernmentKind.CITY] == 75
        assert kinds[GovernmentKind.COUNTY] == 82
        assert kinds[GovernmentKind.AUTONOMOUS_DISTRICT] == 69
        assert kinds[GovernmentKind.SPECIAL_CITY] == 1
        assert kinds[GovernmentKind.METROPOLITAN_CITY] == 6
        assert kinds[GovernmentKind.SPECIAL_SELF_GOVERNING_CITY] == 1
        assert kinds[GovernmentKind.PROVINCE] == 6
        assert kinds[GovernmentKind.SPECIAL_SELF_GOVERNING_PROVINCE] == 3

    def test_codes_are_unique_and_parents_are_upper_level(self) -> None:
        rows = read_reference_file()
        by_code = {r.code: r for r in rows}
        assert len(by_code) == len(rows)
        for row in rows:
            assert row.code.isdigit() and len(row.code) == 5
            if row.kind.is_upper_level:
                assert row.parent_code is None
            else:
                parent = by_code[row.parent_code or ""]
                assert parent.kind.is_upper_level
                assert row.code[:2] == parent.code[:2]

    def test_2023_2024_reorganisations(self) -> None:
        by_name = {(r.name_ko, r.parent_code): r for r in read_reference_file()}
        assert by_name[("강원특별자치도", None)].code == "51000"
        assert by_name[("전북특별자치도", None)].code == "52000"
        assert by_name[("군위군", "27000")].code == "27720"
        assert ("군위군", "47000") not in by_name


class TestLoading:
    async def test_loading_twice_changes_nothing(self, session: AsyncSession) -> None:
        assert await load_reference_governments(session) == 0
        assert len(await list_governments(session)) == 243


class TestGovernmentApi:
    async def test_list_is_public(self, client: AsyncTestClient[Litestar]) -> None:
        response = await client.get("/api/governments")
        assert response.status_code == 200
        body = response.json()
        assert len(body) == 243
        assert body[0]["level"] == "upper"

    async def test_one_and_unknown(self, client: AsyncTestClient[Litestar]) -> None:
        response = await client.get("/api/governments/27720")
        assert response.json()["name_ko"] == "군위군"
        assert response.json()["parent_code"] == "27000"
        missing = await client.get("/api/governments/99999")
        assert missing.status_code == 404
        assert missing.headers["content-type"].startswith("application/problem+json")
        malformed = await client.get("/api/governments/abc")
        assert malformed.status_code == 400
