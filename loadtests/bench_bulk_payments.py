"""Issue 3's bulk-payment benchmark: a 100,000-line batch uploaded and approved through the HTTP API on PostgreSQL.

    .venv/bin/python -m loadtests.bench_bulk_payments [--lines 100000 --workers 2]

Starts its own throw-away PostgreSQL and ``lofin serve`` (stopped by PID at the end, also on error
or Ctrl-C), measures the ``/health/live`` baseline in the same run, then times upload (every line
validated, the batch and its lines written) and approval (four-eyes, budget consumed, journal
posted) — the target is both within 30 s — and, beyond the target, the bank-file download and the
reconciliation of a bank result with 1 % failed lines. It verifies the result in SQL, prints a
Markdown table and writes the numbers as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import os
import platform
import signal
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg

from loadtests.bench_payment_orders import (
    APPROVER,
    MAKER,
    BenchConfig,
    _raise_keyboard_interrupt,
    _stop_postgres,
    bearer,
    expect,
    libpq_url,
    machine_load,
    measure_baseline,
    roomiest_lines,
)
from tests.support.postgres import PostgresServer
from tests.support.server import LofinServer, run_lofin

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = PROJECT_ROOT / "var" / "benchmarks" / "bulk-payments.json"
TARGET_SECONDS = 30.0
BULK = "/api/finance/bulk"
REQUEST_TIMEOUT_SECONDS = 120
FAILED_EVERY = 100  # one line in a hundred comes back failed from the bank


@dataclass(frozen=True, slots=True)
class BulkBenchConfig:
    """The knobs of one run."""

    lines: int = 100_000
    workers: int = 2
    baseline_seconds: float = 5.0
    baseline_concurrency: int = 8
    output: Path = DEFAULT_OUTPUT


def payee_file(lines: int, amount: int) -> bytes:
    """A realistic payee CSV (UTF-8 with BOM, Korean header) of ``lines`` distinct payees."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["예금주", "은행코드", "계좌번호", "금액", "적요", "실명번호"])
    banks = ("004", "088", "020", "011", "081")
    for n in range(1, lines + 1):
        writer.writerow(
            [
                f"수급자{n:06d}",
                banks[n % len(banks)],
                f"{100 + n % 900:03d}-{n // 1000:04d}-{n % 1000:03d}{n % 7:01d}0",
                amount,
                "기초연금 11월분",
                f"{500101 + n % 28:06d}-{1 + n % 2}{n % 1_000_000:06d}",
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def result_file_for(bank_file: str) -> bytes:
    """The treasury bank's answer to ``bank_file``: every line paid except one in ``FAILED_EVERY``."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    counts = [0, 0, 0, 0, 0, 0]
    for record in csv.reader(io.StringIO(bank_file, newline="")):
        if record[0] == "H":
            writer.writerow(
                ["H", "LOFIN-TBR", "1", record[3], record[4], f"{datetime.now(UTC):%Y%m%d%H%M%S}"]
            )
        elif record[0] == "D":
            sequence, amount = int(record[1]), int(record[5])
            paid = sequence % FAILED_EVERY != 0
            writer.writerow(
                ["D", sequence, record[2], record[3], amount, "P" if paid else "F", "" if paid else "E01"]
            )
            side = 2 if paid else 4
            counts[0] += 1
            counts[1] += amount
            counts[side] += 1
            counts[side + 1] += amount
    writer.writerow(["T", *counts])
    return out.getvalue().encode("utf-8")


async def timed(request: Any, status: int, step: str) -> tuple[httpx.Response, float]:
    began = time.perf_counter()
    response: httpx.Response = await request
    seconds = time.perf_counter() - began
    if response.status_code != status:
        raise RuntimeError(f"{step}: {response.status_code} {response.text[:500]}")
    return response, seconds


async def exercise(config: BulkBenchConfig, server: LofinServer) -> dict[str, Any]:
    """Baseline, then upload → approve (timed against the target), download and reconcile, verify."""
    async with httpx.AsyncClient(base_url=server.base_url, timeout=REQUEST_TIMEOUT_SECONDS) as client:
        maker, approver = await bearer(client, MAKER), await bearer(client, APPROVER)
        (line,) = await roomiest_lines(client, maker, 1, config.lines)
        amount = min(300_000, line["available"] // config.lines)
        content = payee_file(config.lines, amount)
        baseline = await measure_baseline(
            client, BenchConfig(seconds=config.baseline_seconds, concurrency=config.baseline_concurrency)
        )
        upload, upload_seconds = await timed(
            client.post(
                f"{BULK}/batches",
                params={"budget_line_id": line["id"], "title": f"벤치마크 {config.lines:,}건"},
                content=content,
                headers={**maker, "content-type": "text/csv"},
            ),
            201,
            "upload",
        )
        batch = upload.json()
        approve, approve_seconds = await timed(
            client.post(f"{BULK}/batches/{batch['id']}/approve", headers=approver), 200, "approve"
        )
        download, download_seconds = await timed(
            client.get(f"{BULK}/batches/{batch['id']}/bank-file", headers=maker), 200, "bank file"
        )
        result = result_file_for(download.text)
        settle, settle_seconds = await timed(
            client.post(
                f"{BULK}/batches/{batch['id']}/result",
                content=result,
                headers={**maker, "content-type": "text/csv"},
            ),
            201,
            "result",
        )
        again, again_seconds = await timed(
            client.post(
                f"{BULK}/batches/{batch['id']}/result",
                content=result,
                headers={**maker, "content-type": "text/csv"},
            ),
            200,
            "result again",
        )
        line_after = await expect(
            client.get(f"/api/finance/budget-lines/{line['id']}", headers=maker), 200, "line"
        )
    settled = settle.json()["batch"]
    failed_lines = config.lines // FAILED_EVERY
    checks = verify_in_database(server.env["LOFIN_DATABASE_URL"], batch["id"], config.lines)
    checks.update(
        {
            "batch_approved": approve.json()["status"] == "approved",
            "bank_file_has_every_line": download.text.count("\r\nD,") == config.lines,
            "result_settles_paid_and_failed": (settled["paid_count"], settled["failed_count"])
            == (config.lines - failed_lines, failed_lines),
            "same_result_again_records_nothing": again.json()["recorded"] is False,
            "failed_lines_back_on_the_budget_line": line["available"] - line_after["available"]
            == (config.lines - failed_lines) * amount,
        }
    )
    audit = run_lofin("audit", "verify", env=server.env, check=False)
    checks["audit_trail_verifies"] = audit.returncode == 0
    within = upload_seconds + approve_seconds
    return {
        "budget_line": {"id": line["id"], "statistics_name": line["statistics_name"]},
        "amount_per_line_won": amount,
        "upload_bytes": len(content),
        "baseline": baseline,
        "bulk": {
            "lines": config.lines,
            "upload_seconds": round(upload_seconds, 2),
            "approve_seconds": round(approve_seconds, 2),
            "upload_and_approve_seconds": round(within, 2),
            "lines_per_second": round(config.lines / within, 1),
            "bank_file_seconds": round(download_seconds, 2),
            "bank_file_bytes": len(download.content),
            "result_seconds": round(settle_seconds, 2),
            "result_again_seconds": round(again_seconds, 2),
        },
        "verification": checks,
        "verified": all(checks.values()),
        "target": {"seconds": TARGET_SECONDS, "met": within <= TARGET_SECONDS},
    }


def verify_in_database(database_url: str, batch_id: str, lines: int) -> dict[str, bool]:
    """SQL: every line stored once, every journal entry balances, three postings for the batch."""
    with psycopg.connect(libpq_url(database_url)) as connection:

        def value(query: str, *params: object) -> Any:
            row = connection.execute(query, params).fetchone()
            if row is None:
                raise RuntimeError(f"no row from: {query}")
            return row[0]

        stored = value("SELECT count(*) FROM fin_bulk_lines WHERE batch_id = %s", batch_id)
        unbalanced = value(
            "SELECT count(*) FROM (SELECT entry_id FROM fin_journal_lines"
            " GROUP BY entry_id HAVING sum(debit) <> sum(credit)) AS unbalanced"
        )
        entries = value("SELECT count(*) FROM fin_journal_entries WHERE source_id = %s", batch_id)
        clear_numbers = value(
            "SELECT count(*) FROM fin_bulk_lines WHERE batch_id = %s AND id_number_masked NOT LIKE '%%*%%'",
            batch_id,
        )
    return {
        "every_line_stored_once": stored == lines,
        "every_journal_entry_balances": unbalanced == 0,
        "one_entry_each_for_approval_payment_and_failures": entries == 3,
        "no_id_number_stored_in_clear": clear_numbers == 0,
    }


@contextmanager
def served(workers: int, workdir: Path) -> Iterator[LofinServer]:
    """A throw-away PostgreSQL 15 with the demo data and ``lofin serve`` on it, both stopped by PID."""
    with ExitStack() as cleanup:
        postgres = PostgresServer()
        cleanup.callback(_stop_postgres, postgres)
        postgres.start()
        server = LofinServer(postgres.create_database("lofin_bench_bulk"), workdir, workers=workers)
        cleanup.callback(server.stop)
        server.prepare_database()
        server.start()
        yield server


def run_benchmark(config: BulkBenchConfig) -> dict[str, Any]:
    """One whole run (servers started and stopped here); returns what is also written as JSON."""
    load_before = machine_load()
    with (
        tempfile.TemporaryDirectory(prefix="lofin-bench-bulk-") as workdir,
        served(config.workers, Path(workdir)) as server,
    ):
        outcome = asyncio.run(exercise(config, server))
    result = {
        "benchmark": "bulk payments: 100,000-line batch, upload → approve through the HTTP API (issue 3)",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "host": platform.node(),
            "cpus": os.cpu_count(),
            "load_before": load_before,
            "load_after": machine_load(),
        },
        "config": {
            "lines": config.lines,
            "workers": config.workers,
            "baseline_seconds": config.baseline_seconds,
            "baseline_concurrency": config.baseline_concurrency,
            "database": "PostgreSQL 15 (throw-away, fsync=off, synchronous_commit=off)",
        },
        **outcome,
    }
    config.output.parent.mkdir(parents=True, exist_ok=True)
    config.output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return result


def markdown_table(result: dict[str, Any]) -> str:
    """The result as the Markdown that goes into docs/benchmarks.md."""
    bulk, baseline, machine = result["bulk"], result["baseline"], result["machine"]
    rows = [
        "| step | time | notes |",
        "|---|---|---|",
        f"| `POST /api/finance/bulk/batches` ({bulk['lines']:,} lines, {result['upload_bytes'] / 1e6:.1f} MB CSV) "
        f"| {bulk['upload_seconds']:.2f} s | every line validated in one pass, lines written with COPY |",
        f"| `POST …/batches/{{id}}/approve` | {bulk['approve_seconds']:.2f} s | four-eyes, budget consumed, one journal entry |",
        f"| **upload + approve** | **{bulk['upload_and_approve_seconds']:.2f} s** "
        f"| {bulk['lines_per_second']:,.0f} lines/s; target ≤ {TARGET_SECONDS:.0f} s: "
        f"{'met' if result['target']['met'] else 'NOT met'} |",
        f"| `GET …/bank-file` | {bulk['bank_file_seconds']:.2f} s | {bulk['bank_file_bytes'] / 1e6:.1f} MB |",
        f"| `POST …/result` (1 % failed) | {bulk['result_seconds']:.2f} s | paid → cash, failed → back to the line |",
        f"| the same result again | {bulk['result_again_seconds']:.2f} s | idempotent: nothing recorded |",
        f"| `GET /health/live` (baseline, same run) | p50 {baseline['p50_ms']} ms, p99 {baseline['p99_ms']} ms "
        f"| {baseline['requests_per_second']:,.1f} req/s at concurrency {result['config']['baseline_concurrency']} |",
        "",
        f"- {result['config']['workers']} worker(s); verification: "
        f"{'all checks hold' if result['verified'] else result['verification']}",
        f"- load before: `{machine['load_before']['uptime']}`",
        f"- load after: `{machine['load_after']['uptime']}`",
    ]
    return "\n".join(rows)


def parse_args(argv: list[str] | None) -> BulkBenchConfig:
    parser = argparse.ArgumentParser(
        prog="python -m loadtests.bench_bulk_payments", description=(__doc__ or "").splitlines()[0]
    )
    parser.add_argument("--lines", type=int, default=100_000, help="payees in the batch (at most 150,000)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers of lofin serve")
    parser.add_argument(
        "--baseline-seconds", type=float, default=5.0, help="duration of the /health/live baseline"
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where the JSON goes")
    args = parser.parse_args(argv)
    return BulkBenchConfig(args.lines, args.workers, args.baseline_seconds, output=args.output)


def main(argv: list[str] | None = None) -> int:
    """Run and print the table; exit 1 if the verification does not hold or the target is missed."""
    config = parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)  # so the servers are stopped on kill too
    result = run_benchmark(config)
    print(markdown_table(result))
    print(f"\nJSON: {config.output}")
    return 0 if result["verified"] and result["target"]["met"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
