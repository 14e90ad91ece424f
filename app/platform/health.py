"""Liveness and readiness probes for load balancers, HAProxy and the control center."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Controller, Response, get
from litestar.datastructures import State
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.platform.auth.guards import public_route
from app.platform.db import Database, revision_on

READINESS_TIMEOUT_SECONDS = 3.0


async def probe_database(database: Database) -> dict[str, Any]:
    """Whether the database answers, and whether it takes writes (primary) or not (replica)."""
    async with database.sessionmaker() as session:
        connection = await session.connection()
        await connection.execute(text("SELECT 1"))
        if database.dialect == "postgresql":
            in_recovery = bool((await connection.execute(text("SELECT pg_is_in_recovery()"))).scalar())
            read_only = (await connection.execute(text("SHOW transaction_read_only"))).scalar() == "on"
            writable = not in_recovery and not read_only
            role = "replica" if in_recovery else "primary"
        else:
            query_only = (await connection.execute(text("PRAGMA query_only"))).scalar()
            writable, role = not query_only, "embedded"
        revision = await revision_on(connection)
    return {
        "reachable": True,
        "writable": writable,
        "role": role,
        "dialect": database.dialect,
        "schema_revision": revision,
    }


class HealthController(Controller):
    """``/health/live`` (the process answers) and ``/health/ready`` (it can serve requests)."""

    path = "/health"
    guards = [public_route]  # noqa: RUF012 - Litestar reads this class attribute
    tags = ["health"]  # noqa: RUF012

    @get("/live", summary="Liveness: the process answers")
    async def live(self) -> dict[str, str]:
        """Never touches the database: a slow database must not get healthy processes restarted."""
        return {"status": "ok"}

    @get("/ready", summary="Readiness: the database answers; says whether it is writable")
    async def ready(self, state: State) -> Response[dict[str, Any]]:
        """503 when the database cannot be reached in time."""
        try:
            database = await asyncio.wait_for(probe_database(state.database), READINESS_TIMEOUT_SECONDS)
        except (TimeoutError, SQLAlchemyError, OSError) as exc:
            body = {"status": "unavailable", "database": {"reachable": False, "error": type(exc).__name__}}
            return Response(body, status_code=503, headers={"Retry-After": "5"})
        status = "ready" if database["writable"] else "read-only"
        return Response({"status": status, "database": database}, status_code=200)
