"""The payment-order benchmark of issue 3, in a tiny configuration, so that it cannot rot."""

from __future__ import annotations

import json
from pathlib import Path

from loadtests.bench_payment_orders import BenchConfig, markdown_table, run_benchmark


class TestPaymentOrderBenchmark:
    def test_a_tiny_run_pays_orders_without_errors_and_verifies(self, tmp_path: Path) -> None:
        output = tmp_path / "payment-orders.json"
        result = run_benchmark(BenchConfig(seconds=3, concurrency=4, workers=1, orders=60, output=output))

        measured = result["payment_orders"]
        assert measured["completed"] > 0
        assert measured["errors"] == {}
        assert result["baseline"]["count"] > 0
        assert result["baseline"]["errors"] == {}
        assert result["verified"], result["verification"]
        assert json.loads(output.read_text())["payment_orders"]["completed"] == measured["completed"]
        assert "| payment order, whole path" in markdown_table(result)
