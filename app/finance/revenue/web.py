"""Route handlers of this e-Hojo+ area (API controllers and pages), registered by ``app.main``."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from app.finance.revenue.controllers import RevenueController
from app.finance.revenue.pages import RevenuePages

ROUTE_HANDLERS: list[ControllerRouterHandler] = [RevenueController, RevenuePages]
