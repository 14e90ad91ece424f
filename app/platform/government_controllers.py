"""Reference data API: the 243 local governments (public)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, get
from litestar.params import PathParameter

from app.platform.auth.guards import public_route
from app.platform.db import DbSession
from app.platform.errors import NotFoundError
from app.platform.governments import GovernmentKind, LocalGovernment, get_government, list_governments


class GovernmentOut(msgspec.Struct):
    """A local government."""

    code: str
    name_ko: str
    name_en: str
    kind: GovernmentKind
    level: str
    parent_code: str | None


def government_out(government: LocalGovernment) -> GovernmentOut:
    """The API shape of a government."""
    return GovernmentOut(
        code=government.code,
        name_ko=government.name_ko,
        name_en=government.name_en,
        kind=government.kind,
        level="upper" if government.kind.is_upper_level else "basic",
        parent_code=government.parent_code,
    )


class GovernmentController(Controller):
    """The 243 local governments with their administrative codes."""

    path = "/api/governments"
    guards = [public_route]  # noqa: RUF012
    tags = ["reference"]  # noqa: RUF012

    @get("/", summary="All local governments, upper-level first")
    async def list_all(self, db_session: DbSession) -> list[GovernmentOut]:
        """17 upper-level and 226 basic governments."""
        return [government_out(g) for g in await list_governments(db_session)]

    @get("/{code:str}", summary="One local government by its 5-digit code")
    async def get_one(
        self, db_session: DbSession, code: Annotated[str, PathParameter(pattern=r"^\d{5}$")]
    ) -> GovernmentOut:
        """404 for unknown codes."""
        government = await get_government(db_session, code)
        if government is None:
            raise NotFoundError("No local government has the code {code}.", code=code)
        return government_out(government)
