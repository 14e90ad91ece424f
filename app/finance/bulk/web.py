"""Route handlers of this e-Hojo+ area (API controllers and pages), registered by ``app.main``."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from app.finance.bulk.controllers import BulkPaymentController
from app.finance.bulk.pages import BulkPages

ROUTE_HANDLERS: list[ControllerRouterHandler] = [BulkPaymentController, BulkPages]
