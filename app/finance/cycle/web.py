"""Route handlers of this e-Hojo+ area (API controllers and pages), registered by ``app.main``."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from app.finance.cycle.controllers import CarryOverController, SettlementController, TransferController
from app.finance.cycle.pages import CyclePages

ROUTE_HANDLERS: list[ControllerRouterHandler] = [
    TransferController,
    CarryOverController,
    SettlementController,
    CyclePages,
]
