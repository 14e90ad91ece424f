"""e-Hojo+ metrics: won committed and paid by government type, payment orders awaiting payment.

The counters count whole won. With several server workers every process writes its own samples and
``/metrics`` sums them; the pending gauge is set from a database count after each change, so the most
recent value written by any worker is the right one (``mostrecent``).
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge

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
PAYMENT_ORDERS_PENDING = Gauge(
    "lofin_finance_payment_orders_pending",
    "Payment orders requested or approved but not yet paid, by government.",
    ["government_code"],
    multiprocess_mode="mostrecent",
)
