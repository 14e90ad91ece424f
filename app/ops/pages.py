"""The control-center page: one screen for the room, refreshed by htmx every few seconds."""

from __future__ import annotations

from litestar import Controller, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.response import Template

from app.ops.controllers import require_operator
from app.ops.state import collect_state
from app.platform.auth.guards import ActingActor, OptionalUser, provide_actor, provide_current_user
from app.platform.db import DbSession

REFRESH_SECONDS = 5


class OpsPages(Controller):
    """``/ops/`` (the whole page) and ``/ops/panel`` (the part that refreshes)."""

    path = "/ops"
    include_in_schema = False
    guards = [require_operator]  # noqa: RUF012
    dependencies = {  # noqa: RUF012
        "current_user": Provide(provide_current_user),
        "actor": Provide(provide_actor),
    }

    @get("/")
    async def control_center(
        self, current_user: OptionalUser, actor: ActingActor, db_session: DbSession, state: State
    ) -> Template:
        """Everything at once; the panel inside replaces itself every few seconds."""
        ops = await collect_state(state.settings, db_session, actor)
        return Template(
            "ops/center.html",
            context={"current_user": current_user, "ops": ops, "refresh_seconds": REFRESH_SECONDS},
        )

    @get("/panel")
    async def panel(self, actor: ActingActor, db_session: DbSession, state: State) -> Template:
        """The refreshing part alone (htmx swaps it in)."""
        ops = await collect_state(state.settings, db_session, actor)
        return Template("ops/_panel.html", context={"ops": ops, "refresh_seconds": REFRESH_SECONDS})
