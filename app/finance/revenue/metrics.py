"""Revenue metrics: won assessed, collected and refunded, by government type.

Counters count whole won; with several server workers each process writes its own samples and
``/metrics`` sums them (the same convention as :mod:`app.finance.metrics`).
"""

from __future__ import annotations

from prometheus_client import Counter

ASSESSED_WON = Counter(
    "lofin_revenue_assessed_won",
    "Won assessed (부과), by government type; reductions are counted by lofin_revenue_reduced_won.",
    ["government_kind"],
)
REDUCED_WON = Counter(
    "lofin_revenue_reduced_won",
    "Won taken off assessments by reduction or cancellation (감액·부과 취소), by government type.",
    ["government_kind"],
)
COLLECTED_WON = Counter(
    "lofin_revenue_collected_won",
    "Won received by the treasury banks (수납), overpayments included, by government type.",
    ["government_kind"],
)
REFUNDED_WON = Counter(
    "lofin_revenue_refunded_won",
    "Won refunded to payers (과오납 환급), by government type.",
    ["government_kind"],
)
