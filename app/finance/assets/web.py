"""Route handlers of this e-Hojo+ area (API controllers and pages), registered by ``app.main``."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from app.finance.assets.controllers import ASSET_CONTROLLERS
from app.finance.assets.pages import AssetPagesRouter

ROUTE_HANDLERS: list[ControllerRouterHandler] = [*ASSET_CONTROLLERS, AssetPagesRouter]
