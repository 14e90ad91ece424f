"""Route handlers of the control center (API and pages), registered by ``app.main``."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

import app.ops.metrics  # noqa: F401 - registers the drill and inspection gauges' scrape refreshers
from app.ops.controllers import AlertWebhookController, OpsApiController
from app.ops.pages import OpsPages

ROUTE_HANDLERS: list[ControllerRouterHandler] = [AlertWebhookController, OpsApiController, OpsPages]
