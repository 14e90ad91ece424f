"""The lofin application: one ``create_app()`` that assembles every service, plugin and handler."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.static_files import create_static_files_router

import app.tasks  # noqa: F401 - registers every background task, so handlers can enqueue them
from app.finance.assets.web import ROUTE_HANDLERS as ASSET_ROUTES
from app.finance.bulk.web import ROUTE_HANDLERS as BULK_ROUTES
from app.finance.controllers import FINANCE_CONTROLLERS
from app.finance.cycle.web import ROUTE_HANDLERS as CYCLE_ROUTES
from app.finance.pages import FinancePages
from app.finance.revenue.web import ROUTE_HANDLERS as REVENUE_ROUTES
from app.ops.web import ROUTE_HANDLERS as OPS_ROUTES
from app.platform.audit_controllers import AuditController
from app.platform.auth.controllers import AuthController, UserAdminController
from app.platform.auth.middleware import AuthenticationMiddleware
from app.platform.db import Database, TransactionIntentMiddleware, provide_db_session
from app.platform.errors import EXCEPTION_HANDLERS, SQLALCHEMY_EXCEPTION_HANDLERS
from app.platform.failover import Availability, FailoverMiddleware, check_database_at_start
from app.platform.government_controllers import GovernmentController
from app.platform.health import HealthController
from app.platform.i18n import LocaleMiddleware
from app.platform.logging import configure_logging
from app.platform.metrics import MetricsController, instrument_pool, prometheus_config
from app.platform.pages import SERVICE_PAGES, AdminPages, ShellPages
from app.platform.requestid import RequestIdMiddleware
from app.platform.settings import Settings, get_settings
from app.platform.web import STATIC_DIR, template_config

API_VERSION = "0.1.0"


def create_app(settings: Settings | None = None, database: Database | None = None) -> Litestar:
    """Build the ASGI application.

    ``database`` lets tests hand in sessions bound to a transaction they roll back; normally the app
    opens the database named by the settings and refuses to start if its schema is not current.
    """
    settings = settings or get_settings()
    configure_logging(settings.log_level, settings.log_json)
    owns_database = database is None
    database = database or Database.from_settings(settings)
    availability = Availability(database)

    @asynccontextmanager
    async def database_lifespan(_app: Litestar) -> AsyncGenerator[None, None]:
        if not await check_database_at_start(database):
            availability.enter_read_only("no writable primary at start-up")
        if owns_database:
            instrument_pool(database.engine)
        try:
            yield
        finally:
            await availability.close()
            if owns_database:
                await database.dispose()

    metrics = prometheus_config()
    return Litestar(
        route_handlers=[
            HealthController,
            MetricsController,
            AuthController,
            UserAdminController,
            AuditController,
            GovernmentController,
            *FINANCE_CONTROLLERS,
            ShellPages,
            AdminPages,
            *SERVICE_PAGES,
            FinancePages,
            *CYCLE_ROUTES,
            *REVENUE_ROUTES,
            *BULK_ROUTES,
            *ASSET_ROUTES,
            *OPS_ROUTES,
            create_static_files_router(path="/static", directories=[STATIC_DIR], include_in_schema=False),
        ],
        dependencies={"db_session": Provide(provide_db_session)},
        middleware=[
            RequestIdMiddleware(),
            metrics.middleware,
            LocaleMiddleware(secure_cookies=settings.secure_cookies),
            FailoverMiddleware(availability, settings.write_retry_seconds),
            TransactionIntentMiddleware(),
            AuthenticationMiddleware(),
        ],
        exception_handlers={**SQLALCHEMY_EXCEPTION_HANDLERS, **EXCEPTION_HANDLERS},
        template_config=template_config(),
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="lofin_csrf",
            cookie_secure=settings.secure_cookies,
            cookie_httponly=True,
            exclude=["^/api", "^/health", "^/metrics", "^/schema", "^/static"],
        ),
        openapi_config=OpenAPIConfig(
            title="lofin API",
            version=API_VERSION,
            description="Local finance platform for Korea's 243 local governments.",
            path="/schema",
            render_plugins=[JsonRenderPlugin()],
        ),
        lifespan=[database_lifespan],
        request_max_body_size=settings.max_body_bytes,
        state=State({"settings": settings, "database": database, "availability": availability}),
        logging_config=None,
    )
