"""e-Hojo+ metrics: payment orders paid, won committed and paid by government type, orders pending.

The counters count whole won (or orders) and are labelled by government type (8 values, not 243).
With several server workers every process writes its own samples and ``/metrics`` sums them.

The pending gauge is not maintained by the write path: counting a government's pending orders in
every create, approve and pay request made those requests wait for each other. ``/metrics`` recounts
every government when it is scraped instead (:func:`refresh_pending_orders`, at most every
:data:`PENDING_REFRESH_SECONDS` per process, on the read-only replica when one is configured); the
most recent value written by any worker is the right one (``mostrecent``).
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Sequence

from prometheus_client import Counter, Gauge
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.finance.models import PENDING_PAYMENT_STATUSES, PaymentOrder
from app.platform.db import Database
from app.platform.governments import LocalGovernment
from app.platform.metrics import refresh_on_scrape

PENDING_REFRESH_SECONDS = 5.0
"""How long one process reuses its last count: scrapes come every 15 s per Prometheus, two of them."""
PENDING_REFRESH_TIMEOUT_SECONDS = 2.0
"""A count that takes longer is abandoned (the last values stay); ``/metrics`` must answer."""

COMMITTED_WON = Counter(
    "lofin_finance_committed_won",
    "Won of approved commitments (지출원인행위), by government type.",
    ["government_kind"],
)
PAID_WON = Counter(
    "lofin_finance_paid_won",
    "Won paid by the treasury banks on payment orders, by government type.",
    ["government_kind"],
)
PAYMENT_ORDERS_PAID = Counter(
    "lofin_payment_orders_paid",
    "Payment orders (지급명령) recorded as paid by the treasury bank, by government type.",
    ["government_kind"],
)
PAYMENT_ORDERS_PENDING = Gauge(
    "lofin_finance_payment_orders_pending",
    "Payment orders requested or approved but not yet paid, by government.",
    ["government_code"],
    multiprocess_mode="mostrecent",
)

_last_refresh: weakref.WeakKeyDictionary[Database, float] = weakref.WeakKeyDictionary()


async def count_pending_payment_orders(
    session: AsyncSession, government_codes: Sequence[str] | None = None
) -> dict[str, int]:
    """Pending (requested or approved) payment orders per government; every government, zeros included.

    One index range scan per government on ``(government_code, status)``, so the cost follows the
    pending orders, not the millions of paid ones.
    """
    pending = (
        select(func.count())
        .select_from(PaymentOrder)
        .where(
            PaymentOrder.government_code == LocalGovernment.code,
            PaymentOrder.status.in_(PENDING_PAYMENT_STATUSES),
        )
        .correlate(LocalGovernment)
        .scalar_subquery()
    )
    query = select(LocalGovernment.code, pending)
    if government_codes is not None:
        query = query.where(LocalGovernment.code.in_(government_codes))
    return dict((await session.execute(query)).all())


@refresh_on_scrape
async def refresh_pending_orders(database: Database) -> None:
    """Set every government's pending gauge from a fresh count, unless this process counted just now."""
    now = time.monotonic()
    if now - _last_refresh.get(database, float("-inf")) < PENDING_REFRESH_SECONDS:
        return
    async with (
        asyncio.timeout(PENDING_REFRESH_TIMEOUT_SECONDS),
        database.sessions_for(replica=True)() as session,
    ):
        counts = await count_pending_payment_orders(session)
    for code, count in counts.items():
        PAYMENT_ORDERS_PENDING.labels(code).set(count)
    _last_refresh[database] = now
