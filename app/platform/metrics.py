"""Prometheus metrics: per-route request counts and latency, in-flight requests and database pool use.

With several server workers each process writes its samples to ``PROMETHEUS_MULTIPROC_DIR`` (set by
``lofin serve`` before the workers start) and ``/metrics`` aggregates them, so a scrape sees the
whole server, not whichever worker answered.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from litestar import Request
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from prometheus_client import Gauge
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from app.platform.auth.guards import public_route
from app.platform.db import Database

logger = structlog.get_logger("lofin.metrics")

# Buckets around the latency targets (p99 < 100 ms for the payment path, < 1 s for pages).
LATENCY_BUCKETS: list[str | float] = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0]

DB_POOL_CHECKED_OUT = Gauge(
    "lofin_db_pool_connections_in_use",
    "Database connections currently checked out of the pool.",
    multiprocess_mode="livesum",
)
DB_POOL_CONNECTIONS = Gauge(
    "lofin_db_pool_connections_open",
    "Database connections currently open (idle or in use).",
    multiprocess_mode="livesum",
)


def prometheus_config() -> PrometheusConfig:
    """Request metrics labelled by route template (``/api/users/{user_id}``), never by raw path."""
    return PrometheusConfig(
        app_name="lofin",
        prefix="lofin",
        group_path=True,
        buckets=LATENCY_BUCKETS,
        exclude=["/metrics", "/static"],
        exclude_unhandled_paths=True,
    )


ScrapeRefresher = Callable[[Database], Awaitable[None]]
_SCRAPE_REFRESHERS: list[ScrapeRefresher] = []


def refresh_on_scrape(refresher: ScrapeRefresher) -> ScrapeRefresher:
    """Register a function that sets gauges from the database just before ``/metrics`` answers.

    For values that would cost every write request a query (and its locks) if kept up to date
    there; the refresher bounds its own cost (cache, timeout).
    """
    _SCRAPE_REFRESHERS.append(refresher)
    return refresher


async def _refresh_before_scrape(request: Request[Any, Any, Any]) -> None:
    """Run the scrape refreshers; one that fails leaves its gauges as they were, never fails the scrape."""
    database: Database = request.app.state.database
    for refresher in _SCRAPE_REFRESHERS:
        try:
            await refresher(database)
        except Exception as exc:  # a stale gauge is better than no metrics at all
            logger.warning("scrape_refresh_failed", refresher=refresher.__qualname__, error=repr(exc))


class MetricsController(PrometheusController):
    """``/metrics`` for Prometheus; it is reachable only from the operations network in production."""

    guards = [public_route]  # noqa: RUF012 - Litestar reads this class attribute
    include_in_schema = False
    before_request = staticmethod(_refresh_before_scrape)


def instrument_pool(engine: AsyncEngine) -> None:
    """Track checked-out and open connections of ``engine``'s pool."""
    pool_events = engine.sync_engine.pool

    @event.listens_for(pool_events, "checkout")
    def _checkout(*_args: object) -> None:
        DB_POOL_CHECKED_OUT.inc()

    @event.listens_for(pool_events, "checkin")
    def _checkin(*_args: object) -> None:
        DB_POOL_CHECKED_OUT.dec()

    @event.listens_for(pool_events, "connect")
    def _connect(*_args: object) -> None:
        DB_POOL_CONNECTIONS.inc()

    @event.listens_for(pool_events, "close")
    def _close(*_args: object) -> None:
        DB_POOL_CONNECTIONS.dec()
