"""The control center's JSON API under ``/api/ops``: the state, inspections, and Alertmanager's webhook."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import Any

from litestar import Controller, get, post
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from app.ops import services
from app.ops.schemas import (
    InspectionOut,
    InspectionPage,
    InspectionReport,
    OpsState,
    WebhookNotification,
    WebhookReceipt,
)
from app.ops.state import collect_state
from app.platform.auth.guards import ActingActor, provide_actor, require_roles
from app.platform.auth.middleware import CurrentUser
from app.platform.db import DbSession
from app.platform.i18n import gettext
from app.platform.paging import Limit, Offset
from app.platform.settings import Settings

require_operator = require_roles(*services.OPERATOR_ROLES)


def _presented_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


async def require_alert_sender(
    connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler
) -> None:
    """Alertmanager with the webhook token (``http_config.authorization``), or a signed-in operator."""
    user = connection.scope.get("user")
    if isinstance(user, CurrentUser):
        if user.actor.role not in services.OPERATOR_ROLES:
            raise PermissionDeniedException(
                gettext("Only Alertmanager and control-center operators may post alerts.")
            )
        return
    settings: Settings = connection.app.state.settings
    expected = settings.ops_webhook_token
    if not expected or not hmac.compare_digest(_presented_token(connection).encode(), expected.encode()):
        raise NotAuthorizedException(gettext("Present the control center's webhook token as a bearer token."))


require_alert_sender.admitted_roles = services.OPERATOR_ROLES  # type: ignore[attr-defined]  # read by the route tests


class AlertWebhookController(Controller):
    """Alertmanager's webhook receiver: every notification is kept as alert history."""

    path = "/api/ops/alerts"
    tags = ["ops"]  # noqa: RUF012
    guards = [require_alert_sender]  # noqa: RUF012

    @post("/", status_code=HTTP_200_OK, summary="Alertmanager webhook: store a notification")
    async def receive(self, data: JSONBody[WebhookNotification], db_session: DbSession) -> WebhookReceipt:
        """Alertmanager retries on anything but 2xx, so a database outage loses nothing it can resend."""
        stored = await services.store_notification(db_session, data, datetime.now(UTC))
        return WebhookReceipt(stored=stored)


class OpsApiController(Controller):
    """The control center's state and the daily inspections, for operators."""

    path = "/api/ops"
    tags = ["ops"]  # noqa: RUF012
    guards = [require_operator]  # noqa: RUF012
    dependencies = {"actor": Provide(provide_actor)}  # noqa: RUF012

    @get("/state", summary="Both regions, alerts, services, drills, backup and inspection at once")
    async def state(self, db_session: DbSession, actor: ActingActor, state: State) -> OpsState:
        """Sources that do not answer are listed as unreachable; the answer is still 200."""
        return await collect_state(state.settings, db_session, actor)

    @post("/inspections", status_code=HTTP_201_CREATED, summary="Keep a finished daily inspection")
    async def record_inspection(
        self, data: JSONBody[InspectionReport], db_session: DbSession, actor: ActingActor
    ) -> InspectionOut:
        """``lofin-ops inspect`` submits its report here with an operator's token."""
        return services.inspection_out(await services.record_inspection(db_session, actor, data))

    @get("/inspections", summary="Daily inspections, newest first")
    async def list_inspections(
        self, db_session: DbSession, actor: ActingActor, limit: Limit = 20, offset: Offset = 0
    ) -> InspectionPage:
        """With every check of each."""
        rows, total = await services.list_inspections(db_session, actor, limit=limit, offset=offset)
        return InspectionPage(
            items=[services.inspection_out(row) for row in rows], total=total, limit=limit, offset=offset
        )
