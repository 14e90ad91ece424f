"""Route handlers of the control center (API and pages), registered by ``app.main``."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

ROUTE_HANDLERS: list[ControllerRouterHandler] = []
