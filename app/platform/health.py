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
from app.platform.failover import Availability

READINESS_TIMEOUT_SECONDS = 3.0


async def probe_database(database: Database, *, replica: bool = False) -> dict[str, Any]:
    """Whether the database answers, and whether it takes writes (primary) or not (replica)."""
    async with database.sessions_for(replica=replica)() as session:
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
        """200 ``ready`` or ``read-only`` (reads still served), 503 when no database answers in time."""
        availability: Availability = state.availability
        try:
            database = await asyncio.wait_for(
                probe_database(state.database, replica=availability.read_only), READINESS_TIMEOUT_SECONDS
            )
        except (TimeoutError, SQLAlchemyError, OSError) as exc:
            unavailable = {
                "status": "unavailable",
                "database": {"reachable": False, "error": type(exc).__name__},
            }
            return Response(unavailable, status_code=503, headers={"Retry-After": "5"})
        writable = database["writable"] and not availability.read_only
        database["writable"] = writable
        body: dict[str, Any] = {
            "status": "ready" if writable else "read-only",
            "read_only_mode": availability.read_only,
            "database": database,
        }
        return Response(body, status_code=200)
