"""Bulk payment metrics: batch sizes, and the lines the treasury banks paid or failed."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

BATCH_LINES = Histogram(
    "lofin_bulk_batch_lines",
    "Payees per requested bulk payment batch.",
    buckets=(10, 100, 1_000, 5_000, 10_000, 50_000, 100_000, 150_000),
)
LINES_PAID = Counter("lofin_bulk_lines_paid", "Bulk payment lines the treasury bank reported paid.")
LINES_FAILED = Counter(
    "lofin_bulk_lines_failed", "Bulk payment lines the treasury bank reported failed, by reason.", ["reason"]
)
