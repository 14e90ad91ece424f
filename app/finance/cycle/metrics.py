"""Budget-cycle metrics: won moved by approved transfers and carried over, by kind."""

from __future__ import annotations

from prometheus_client import Counter

TRANSFERRED_WON = Counter(
    "lofin_finance_transferred_won",
    "Won moved between budget lines by approved transfers (전용/이용), by kind.",
    ["kind"],
)
CARRIED_OVER_WON = Counter(
    "lofin_finance_carried_over_won",
    "Won carried over (이월) into the next fiscal year by approved carry-overs, by kind.",
    ["kind"],
)
