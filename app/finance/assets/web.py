"""Route handlers of this e-Hojo+ area (API controllers and pages), registered by ``app.main``."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from app.finance.assets.controllers import ASSET_CONTROLLERS

ROUTE_HANDLERS: list[ControllerRouterHandler] = [*ASSET_CONTROLLERS]
