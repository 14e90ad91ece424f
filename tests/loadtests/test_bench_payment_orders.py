"""The payment-order benchmark of issue 3, in a tiny configuration, so that it cannot rot."""

from __future__ import annotations

import json
import os
from pathlib import Path

from loadtests.bench_payment_orders import (
    BenchConfig,
    cpu_used_between,
    markdown_table,
    process_tree_cpu,
    run_benchmark,
    summarise_profile,
)
from loadtests.round_trips import measure


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
        assert measured["cpu"]["ms_per_order"]["app"] > 0
        assert measured["cpu"]["ms_per_order"]["postgresql"] > 0
        table = markdown_table(result)
        assert "| payment order, whole path" in table
        assert "CPU ms per completed order: app " in table


class TestWhereTheTimeGoes:
    def test_cpu_of_a_process_tree_includes_this_process(self) -> None:
        tree = process_tree_cpu(os.getppid())
        assert tree[os.getpid()] > 0

    def test_cpu_used_counts_new_processes_whole_and_never_goes_negative(self) -> None:
        before = {1: 5.0, 2: 1.0}
        after = {1: 7.5, 3: 0.5}  # 2 ended, 3 is new
        assert cpu_used_between(before, after) == 3.0

    def test_profile_samples_are_summed_by_package(self, tmp_path: Path) -> None:
        collapsed = tmp_path / "stacks.txt"
        worker = (
            'process 7:"python -c from multiprocessing.spawn import spawn_main; spawn_main(tracker_fd=9)"'
        )
        collapsed.write_text(
            f"{worker};run (asyncio/base_events.py:1);record_payment (app/finance/services.py:9);"
            "execute (sqlalchemy/orm/session.py:3) 3\n"
            f"{worker};run (asyncio/base_events.py:1);_run (/usr/lib/python3.11/asyncio/events.py:2) 1\n"
        )
        summary = summarise_profile(collapsed)
        assert summary["samples"] == 4
        assert summary["self_share_by_package"] == {"sqlalchemy": 0.75, "python stdlib": 0.25}
        assert summary["self_share_by_function"]["execute (sqlalchemy/orm/session.py:3)"] == 0.75
        assert summary["share_with_lofin_module_on_stack"] == {"app.finance": 0.75}


class TestRoundTrips:
    def test_one_payment_order_path_costs_no_more_round_trips_than_measured(self) -> None:
        """The app's CPU per order follows its round trips (docs/benchmarks.md): adding one fails here."""
        seen = measure()
        assert {step: len(statements) for step, statements in seen.items()} == {
            "create": 7,
            "approve": 5,
            "pay": 9,
        }, seen
        for statements in seen.values():
            assert statements[0] == "BEGIN" and statements[-1] == "COMMIT"
            assert (
                sum(s.startswith("SELECT users.") for s in statements) == 1
            )  # the token, in the same transaction
