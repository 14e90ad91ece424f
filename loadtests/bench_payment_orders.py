"""Issue 3's payment-order benchmark: create → approve → pay through the HTTP API on PostgreSQL 15.

    .venv/bin/python -m loadtests.bench_payment_orders [--seconds 20 --concurrency 32 --workers 2] [--profile]

Starts its own throw-away PostgreSQL and ``lofin serve`` (stopped by PID at the end, also on error
or Ctrl-C), prepares approved expenditure resolutions through the API before the clock starts,
measures the ``/health/live`` baseline and then the payment-order path at the same concurrency for
the same duration, verifies that every completed order was paid exactly once with balanced journal
entries, prints a Markdown table and writes the numbers as JSON. While measuring it counts the CPU
time of the app's workers, of PostgreSQL and of itself (per completed order: where the cores go), and
samples what the app's database sessions wait for; ``--profile`` also records the workers with
py-spy and sums the samples by package.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg

from tests.support.postgres import PostgresServer
from tests.support.server import LofinServer, run_lofin

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = PROJECT_ROOT / "var" / "benchmarks" / "payment-orders.json"
DEMO_PASSWORD = "lofin-demo-2026"  # noqa: S105 - the README's published demo password
MAKER = "finance.jongno"  # a finance officer: issues orders and records the treasury's payment
APPROVER = "approver.jongno"  # four-eyes: approves what the maker issued
GOVERNMENT = "11110"  # 종로구, whose demo 2026 budget year `lofin seed --demo` creates
FISCAL_YEAR = 2026
ORDER_AMOUNT = 1_000  # won per order: small, so one demo line has room for every prepared order
REQUEST_TIMEOUT_SECONDS = 30
TARGET_ORDERS_PER_SECOND = 300
TARGET_P99_MS = 100
PATH_STEPS = ("create", "approve", "pay")
FINANCE = "/api/finance"


@dataclass(frozen=True, slots=True)
class BenchConfig:
    """The knobs of one run; ``orders`` bounds the measured phase in count, ``seconds`` in time."""

    seconds: float = 20.0
    concurrency: int = 32
    workers: int = 2
    lines: int = 1  # budget lines the orders are spread over: one line's row lock serialises its payments
    orders: int = 0  # 0: enough for the target rate over the whole duration
    output: Path = DEFAULT_OUTPUT
    profile: bool = False  # py-spy on the app's workers while measuring

    @property
    def prepared_orders(self) -> int:
        """How many approved resolutions to prepare: the count bound of the measured phase."""
        return self.orders or int(self.seconds * TARGET_ORDERS_PER_SECOND)


@dataclass(slots=True)
class Recorder:
    """Latencies in seconds per request type, and failures by HTTP status (or transport error)."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)

    def add(self, kind: str, seconds: float) -> None:
        self.latencies.setdefault(kind, []).append(seconds)


class PathFailedError(Exception):
    """A request answered with an unexpected status; the path stops there and counts as an error."""

    def __init__(self, step: str, status: str) -> None:
        super().__init__(f"{step}: {status}")
        self.status = status


def percentile_ms(samples: list[float], fraction: float) -> float | None:
    """Nearest-rank percentile of ``samples`` (seconds) in milliseconds."""
    if not samples:
        return None
    ordered = sorted(samples)
    rank = max(1, int(-(-fraction * len(ordered) // 1)))  # ceil without floats drifting
    return round(ordered[rank - 1] * 1000, 2)


def latency_summary(samples: list[float]) -> dict[str, Any]:
    """Count and p50/p95/p99 in milliseconds."""
    return {
        "count": len(samples),
        "p50_ms": percentile_ms(samples, 0.50),
        "p95_ms": percentile_ms(samples, 0.95),
        "p99_ms": percentile_ms(samples, 0.99),
    }


def machine_load() -> dict[str, Any]:
    """What ``uptime`` says, for the record: other work on the machine lowers the numbers."""
    uptime = subprocess.run(["/usr/bin/uptime"], capture_output=True, text=True, check=False).stdout.strip()
    return {"uptime": uptime, "loadavg": [round(x, 2) for x in os.getloadavg()]}


def process_tree_cpu(root_pid: int) -> dict[int, float]:
    """User + system CPU seconds used so far by ``root_pid`` and each live descendant (from ``/proc``)."""
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    ticks = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # the fields after the command name in parentheses: state, ppid, …, utime (12th), stime (13th)
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        used[pid] = (int(fields[11]) + int(fields[12])) / ticks
    tree, frontier = {root_pid}, [root_pid]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    return {pid: used[pid] for pid in tree if pid in used}


def cpu_used_between(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds the processes alive at the end used since ``before`` (new ones: all of theirs).

    Processes that ended in between (PostgreSQL's autovacuum workers) are left out, so this can
    only undercount, never go negative.
    """
    return sum(max(0.0, seconds - before.get(pid, 0.0)) for pid, seconds in after.items())


@dataclass(frozen=True, slots=True)
class Served:
    """The app server and the PID of the PostgreSQL postmaster behind it."""

    server: LofinServer
    postgres_pid: int


# --- the servers ---------------------------------------------------------------------------------


@contextmanager
def served_on_postgres(workers: int, workdir: Path) -> Iterator[Served]:
    """A throw-away PostgreSQL 15 with the demo data and ``lofin serve`` on it, both stopped by PID."""
    with ExitStack() as cleanup:
        postgres = PostgresServer()
        cleanup.callback(_stop_postgres, postgres)
        postgres.start()
        server = LofinServer(postgres.create_database("lofin_bench"), workdir, workers=workers)
        cleanup.callback(server.stop)
        server.prepare_database()
        server.start()
        assert postgres.pid is not None  # noqa: S101 - start() recorded it
        yield Served(server, postgres.pid)


def _stop_postgres(postgres: PostgresServer) -> None:
    """Also stops a server interrupted while starting, before it recorded its PID."""
    pid_file = postgres.data_dir / "postmaster.pid"
    if postgres.pid is None and pid_file.exists():
        postgres.pid = int(pid_file.read_text().splitlines()[0])
    postgres.stop()


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


# --- the API calls -------------------------------------------------------------------------------


async def bearer(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    """Authorization headers of a demo account."""
    response = await client.post(
        "/api/auth/token",
        json={"username": username, "password": DEMO_PASSWORD, "label": "bench-payment-orders"},
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['token']}"}


async def expect(response: Awaitable[httpx.Response], status: int, step: str) -> dict[str, Any]:
    """The JSON body, or a :class:`PathFailedError` naming the status that came instead."""
    try:
        answered = await response
    except httpx.TransportError as exc:
        raise PathFailedError(step, type(exc).__name__) from exc
    if answered.status_code != status:
        raise PathFailedError(step, str(answered.status_code))
    body: dict[str, Any] = answered.json()
    return body


async def roomiest_lines(
    client: httpx.AsyncClient, maker: dict[str, str], count: int, needed_each: int
) -> list[dict[str, Any]]:
    """The ``count`` demo budget lines with the most available; refuses if one has not ``needed_each`` won."""
    page = await expect(client.get(f"{FINANCE}/budget-lines?limit=200", headers=maker), 200, "lines")
    lines = sorted(page["items"], key=lambda x: x["available"], reverse=True)[:count]
    if len(lines) < count or lines[-1]["available"] < needed_each:
        raise RuntimeError(f"not {count} budget line(s) with {needed_each:,} won available each")
    return lines


async def run_bounded(
    concurrency: int, deadline: float | None, items: list[Any], work: Callable[[Any], Awaitable[None]]
) -> None:
    """``work`` on each item with at most ``concurrency`` in flight; no new item after ``deadline``."""
    queue = iter(items)

    async def worker() -> None:
        for item in queue:
            if deadline is not None and time.perf_counter() >= deadline:
                return
            await work(item)

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def prepare_resolutions(
    client: httpx.AsyncClient,
    config: BenchConfig,
    maker: dict[str, str],
    approver: dict[str, str],
    line_ids: list[str],
) -> list[str]:
    """Approved expenditure resolutions (지출결의), round robin over ``line_ids``: the payment-order path's input."""
    resolutions: list[str] = []

    async def prepare(number: int) -> None:
        resolution = await expect(
            client.post(
                f"{FINANCE}/expenditure-resolutions",
                headers=maker,
                json={
                    "budget_line_id": line_ids[number % len(line_ids)],
                    "amount": ORDER_AMOUNT,
                    "payee_name": f"벤치마크 수취인 {number:05d}",
                    "description": "지급명령 벤치마크",
                },
            ),
            201,
            "prepare resolution",
        )
        await expect(
            client.post(f"{FINANCE}/expenditure-resolutions/{resolution['id']}/approve", headers=approver),
            200,
            "approve resolution",
        )
        resolutions.append(resolution["id"])

    await run_bounded(config.concurrency, None, list(range(config.prepared_orders)), prepare)
    return resolutions


async def measure_baseline(client: httpx.AsyncClient, config: BenchConfig) -> dict[str, Any]:
    """``GET /health/live`` at the benchmark's concurrency for its duration."""
    recorder = Recorder()
    started = time.perf_counter()
    deadline = started + config.seconds

    async def probe() -> None:
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            try:
                response = await client.get("/health/live")
            except httpx.TransportError as exc:
                recorder.errors[type(exc).__name__] += 1
                continue
            if response.status_code == 200:
                recorder.add("live", time.perf_counter() - began)
            else:
                recorder.errors[str(response.status_code)] += 1

    await asyncio.gather(*(probe() for _ in range(config.concurrency)))
    elapsed = time.perf_counter() - started
    samples = recorder.latencies.get("live", [])
    return {
        "seconds": round(elapsed, 2),
        "requests_per_second": round(len(samples) / elapsed, 1),
        **latency_summary(samples),
        "errors": dict(recorder.errors),
    }


async def measure_payment_orders(
    client: httpx.AsyncClient,
    config: BenchConfig,
    maker: dict[str, str],
    approver: dict[str, str],
    resolutions: list[str],
) -> tuple[dict[str, Any], list[str]]:
    """create (idempotency key) → approve → pay for each resolution until they or the time run out."""
    recorder = Recorder()
    completed: list[str] = []
    run_id = uuid.uuid4().hex[:8]

    async def timed(step: str, request: Awaitable[httpx.Response], status: int) -> dict[str, Any]:
        began = time.perf_counter()
        body = await expect(request, status, step)
        recorder.add(step, time.perf_counter() - began)
        return body

    async def pay_one(resolution_id: str) -> None:
        began = time.perf_counter()
        try:
            order = await timed(
                "create",
                client.post(
                    f"{FINANCE}/payment-orders",
                    headers=maker,
                    json={
                        "resolution_id": resolution_id,
                        "idempotency_key": f"bench-{run_id}-{resolution_id}",
                    },
                ),
                201,
            )
            await timed(
                "approve",
                client.post(f"{FINANCE}/payment-orders/{order['id']}/approve", headers=approver),
                200,
            )
            paid = await timed(
                "pay", client.post(f"{FINANCE}/payment-orders/{order['id']}/pay", headers=maker), 200
            )
        except PathFailedError as failure:
            recorder.errors[failure.status] += 1
            return
        if paid["status"] != "paid":
            recorder.errors[f"status {paid['status']}"] += 1
            return
        recorder.add("path", time.perf_counter() - began)
        completed.append(order["id"])

    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    await run_bounded(config.concurrency, started + config.seconds, resolutions, pay_one)
    elapsed = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    client_cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    result = {
        "seconds": round(elapsed, 2),
        "prepared": len(resolutions),
        "completed": len(completed),
        "orders_per_second": round(len(completed) / elapsed, 1),
        "path": latency_summary(recorder.latencies.get("path", [])),
        "requests": {step: latency_summary(recorder.latencies.get(step, [])) for step in PATH_STEPS},
        "errors": dict(recorder.errors),
        "inputs_ran_out": elapsed < config.seconds,
        "client_cpu_share_of_one_core": round(client_cpu / elapsed, 2),
        "run_id": run_id,
    }
    return result, completed


WAIT_SAMPLE_SECONDS = 0.05


def libpq_url(database_url: str) -> str:
    """The SQLAlchemy URL of the app as psycopg takes it."""
    return database_url.replace("postgresql+psycopg://", "postgresql://")


async def sample_backend_states(database_url: str, stop: asyncio.Event) -> dict[str, float]:
    """What the app's database sessions are doing, sampled every 50 ms: average sessions per state.

    ``active: Lock/advisory`` waits for the audit chain's lock, ``active: Lock/transactionid`` for a
    row lock (the budget line, the order), ``idle in transaction: Client/ClientRead`` is a transaction
    waiting for the app to send its next statement.
    """
    counts: Counter[str] = Counter()
    samples = 0
    async with await psycopg.AsyncConnection.connect(libpq_url(database_url), autocommit=True) as connection:
        while not stop.is_set():
            cursor = await connection.execute(
                "SELECT state, wait_event_type, wait_event FROM pg_stat_activity"
                " WHERE datname = current_database() AND backend_type = 'client backend'"
                " AND pid <> pg_backend_pid() AND state <> 'idle'"
            )
            for state, wait_type, wait_event in await cursor.fetchall():
                counts[f"{state}: {wait_type}/{wait_event}" if wait_type else f"{state}: on CPU"] += 1
            samples += 1
            with suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), WAIT_SAMPLE_SECONDS)
    return {state: round(count / max(samples, 1), 2) for state, count in counts.most_common()}


PY_SPY = Path(sys.executable).parent / "py-spy"
PROFILE_RATE = 50  # samples per second per worker: enough for shares, light on 2 cores


def start_profile(server_pid: int, seconds: float, output: Path) -> subprocess.Popen[bytes]:
    """py-spy on the server and its workers for ``seconds``, as collapsed stacks (one line per stack)."""
    return subprocess.Popen(  # noqa: S603 - our own py-spy, our own numbers as arguments
        [
            str(PY_SPY),
            "record",
            "--pid",
            str(server_pid),
            "--subprocesses",
            "--nonblocking",
            "--rate",
            str(PROFILE_RATE),
            "--duration",
            str(max(1, round(seconds))),
            "--format",
            "raw",
            "--output",
            str(output),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def finish_profile(profiler: subprocess.Popen[bytes], output: Path, seconds: float) -> dict[str, Any]:
    """Wait for py-spy to write its stacks (killed by PID if it hangs) and summarise them."""
    try:
        profiler.wait(seconds + 30)
    except subprocess.TimeoutExpired:
        profiler.kill()
        profiler.wait(5)
    if not output.exists():
        return {"error": f"py-spy wrote nothing (exit {profiler.returncode})"}
    return summarise_profile(output) | {"collapsed_stacks": str(output)}


def package_of(frame: str) -> str:
    """``execute (sqlalchemy/orm/session.py:12)`` → ``sqlalchemy``; lofin's code by service (``app.finance``)."""
    if frame.startswith(
        ("process ", " ")
    ):  # py-spy's frame for the process (its command line may hold a ";")
        return "(process)"
    location = frame.rsplit(" (", 1)[-1].split(":", 1)[0]
    parts = Path(location).parts
    if "site-packages" in parts:
        parts = parts[parts.index("site-packages") + 1 :]
    elif location.startswith("/"):
        return "python stdlib"
    if not parts:
        return location
    if parts[0] == "app" and len(parts) > 1:
        return f"app.{parts[1].removesuffix('.py')}"
    return parts[0].removesuffix(".py")


def summarise_profile(collapsed: Path, top: int = 10) -> dict[str, Any]:
    """Shares of the samples: by the package and the function on CPU (self), and by lofin module on the stack."""
    by_package: Counter[str] = Counter()
    by_function: Counter[str] = Counter()
    with_lofin: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        frames = stack.split(";")
        total += samples
        by_package[package_of(frames[-1])] += samples
        by_function[frames[-1]] += samples
        for module in {package_of(f) for f in frames} - {"(process)"}:
            if module.startswith("app."):
                with_lofin[module] += samples

    def shares(counter: Counter[str]) -> dict[str, float]:
        return {k: round(v / max(total, 1), 3) for k, v in counter.most_common(top)}

    return {
        "samples": total,
        "self_share_by_package": shares(by_package),
        "self_share_by_function": shares(by_function),
        "share_with_lofin_module_on_stack": shares(with_lofin),
    }


# --- verification --------------------------------------------------------------------------------


async def current_lines(
    client: httpx.AsyncClient, maker: dict[str, str], lines: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The lines as they are now."""
    return [
        await expect(client.get(f"{FINANCE}/budget-lines/{x['id']}", headers=maker), 200, "line")
        for x in lines
    ]


async def verify_through_api(
    client: httpx.AsyncClient,
    maker: dict[str, str],
    lines_before: list[dict[str, Any]],
    measured: dict[str, Any],
    first: str | None,
) -> dict[str, Any]:
    """The line's paid total grew by exactly the completed orders; the trial balance balances; a retry pays nothing."""
    paid_before = sum(line["paid"] for line in lines_before)
    paid_after = sum(line["paid"] for line in await current_lines(client, maker, lines_before))
    trial = await expect(
        client.get(f"{FINANCE}/trial-balance?fiscal_year={FISCAL_YEAR}", headers=maker), 200, "trial balance"
    )
    checks: dict[str, Any] = {
        "line_paid_grew_by_completed_orders": paid_after - paid_before
        == measured["completed"] * ORDER_AMOUNT,
        "trial_balance_balances": trial["total_debit"] == trial["total_credit"],
    }
    if first is not None:
        order = await expect(client.get(f"{FINANCE}/payment-orders/{first}", headers=maker), 200, "order")
        retry = await client.post(
            f"{FINANCE}/payment-orders",
            headers=maker,
            json={"resolution_id": order["resolution_id"], "idempotency_key": order["idempotency_key"]},
        )
        checks["retried_key_returns_the_same_paid_order"] = (
            retry.status_code == 200 and retry.json()["id"] == first and retry.json()["status"] == "paid"
        )
    return checks


def verify_in_database(database_url: str, completed: list[str]) -> dict[str, Any]:
    """SQL: every completed order is paid and has exactly one payment posting; every journal entry balances."""
    ids = [uuid.UUID(x) for x in completed]
    with psycopg.connect(libpq_url(database_url)) as connection:

        def one_row(query: str, *params: object) -> tuple[Any, ...]:
            found = connection.execute(query, params).fetchone()
            if found is None:
                raise RuntimeError(f"no row from: {query}")
            return tuple(found)

        (paid,) = one_row(
            "SELECT count(*) FROM fin_payment_orders"
            " WHERE id = ANY(%s) AND status = 'paid' AND paid_at IS NOT NULL",
            ids,
        )
        postings = one_row(
            "SELECT count(DISTINCT source_id), count(*) FROM fin_journal_entries"
            " WHERE source_type = 'payment_order' AND source_id = ANY(%s)",
            ids,
        )
        (paid_twice,) = one_row(
            "SELECT count(*) FROM (SELECT source_id FROM fin_journal_entries"
            " WHERE source_type = 'payment_order' GROUP BY source_id HAVING count(*) > 1) AS twice"
        )
        (unbalanced,) = one_row(
            "SELECT count(*) FROM (SELECT entry_id FROM fin_journal_lines"
            " GROUP BY entry_id HAVING sum(debit) <> sum(credit)) AS unbalanced"
        )
    return {
        "every_completed_order_is_paid": paid == len(ids),
        "one_payment_posting_per_completed_order": postings == (len(ids), len(ids)),
        "no_order_posted_twice": paid_twice == 0,
        "every_journal_entry_balances": unbalanced == 0,
    }


# --- the run -------------------------------------------------------------------------------------


async def exercise(config: BenchConfig, served: Served) -> dict[str, Any]:
    """Prepare, measure the baseline and the payment orders, verify; the servers run throughout."""
    server = served.server
    assert server.process is not None  # noqa: S101 - served_on_postgres started it
    limits = httpx.Limits(max_connections=config.concurrency, max_keepalive_connections=config.concurrency)
    async with httpx.AsyncClient(
        base_url=server.base_url, limits=limits, timeout=REQUEST_TIMEOUT_SECONDS
    ) as client:
        maker, approver = await bearer(client, MAKER), await bearer(client, APPROVER)
        lines = await roomiest_lines(
            client, maker, config.lines, -(-config.prepared_orders // config.lines) * ORDER_AMOUNT
        )
        prepare_started = time.perf_counter()
        resolutions = await prepare_resolutions(client, config, maker, approver, [x["id"] for x in lines])
        prepare_seconds = time.perf_counter() - prepare_started
        lines = await current_lines(client, maker, lines)
        baseline = await measure_baseline(client, config)
        stop_sampling = asyncio.Event()
        sampling = asyncio.create_task(sample_backend_states(server.env["LOFIN_DATABASE_URL"], stop_sampling))
        profile_path = config.output.with_suffix(".profile.txt")
        profiler = start_profile(server.process.pid, config.seconds, profile_path) if config.profile else None
        cpu_before = (process_tree_cpu(server.process.pid), process_tree_cpu(served.postgres_pid))
        measured, completed = await measure_payment_orders(client, config, maker, approver, resolutions)
        cpu_after = (process_tree_cpu(server.process.pid), process_tree_cpu(served.postgres_pid))
        stop_sampling.set()
        measured["database_sessions_by_state"] = await sampling
        measured["cpu"] = cpu_breakdown(measured, cpu_before, cpu_after)
        if profiler is not None:
            measured["profile"] = await asyncio.to_thread(
                finish_profile, profiler, profile_path, config.seconds
            )
        checks = await verify_through_api(client, maker, lines, measured, completed[0] if completed else None)
    checks.update(verify_in_database(server.env["LOFIN_DATABASE_URL"], completed))
    audit = run_lofin("audit", "verify", env=server.env, check=False)
    checks["audit_trail_verifies"] = audit.returncode == 0
    return {
        "budget_lines": [{"id": x["id"], "statistics_name": x["statistics_name"]} for x in lines],
        "prepare_seconds": round(prepare_seconds, 1),
        "baseline": baseline,
        "payment_orders": measured,
        "verification": checks,
        "verified": all(checks.values()),
    }


def cpu_breakdown(
    measured: dict[str, Any],
    before: tuple[dict[int, float], dict[int, float]],
    after: tuple[dict[int, float], dict[int, float]],
) -> dict[str, Any]:
    """CPU seconds of the app's workers, PostgreSQL and this client while measuring, and per completed order."""
    seconds = measured["seconds"]
    used = {
        "app": cpu_used_between(before[0], after[0]),
        "postgresql": cpu_used_between(before[1], after[1]),
        "client": measured["client_cpu_share_of_one_core"] * seconds,
    }
    orders = max(measured["completed"], 1)
    return {
        "cores_busy": {k: round(v / seconds, 2) for k, v in used.items()},
        "ms_per_order": {k: round(v * 1000 / orders, 2) for k, v in used.items()},
    }


def run_benchmark(config: BenchConfig) -> dict[str, Any]:
    """One whole run (servers started and stopped here); returns the result that is also written as JSON."""
    load_before = machine_load()
    with (
        tempfile.TemporaryDirectory(prefix="lofin-bench-") as workdir,
        served_on_postgres(config.workers, Path(workdir)) as served,
    ):
        outcome = asyncio.run(exercise(config, served))
    result = {
        "benchmark": "payment orders: create → approve → pay (issue 3)",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "host": platform.node(),
            "cpus": os.cpu_count(),
            "load_before": load_before,
            "load_after": machine_load(),
        },
        "config": {
            "seconds": config.seconds,
            "concurrency": config.concurrency,
            "workers": config.workers,
            "budget_lines": config.lines,
            "prepared_orders": config.prepared_orders,
            "order_amount_won": ORDER_AMOUNT,
            "database": "PostgreSQL 15 (throw-away, fsync=off, synchronous_commit=off)",
        },
        **outcome,
    }
    measured = result["payment_orders"]
    result["targets"] = {
        "orders_per_second": TARGET_ORDERS_PER_SECOND,
        "p99_ms": TARGET_P99_MS,
        "met": measured["orders_per_second"] >= TARGET_ORDERS_PER_SECOND
        and measured["path"]["p99_ms"] is not None
        and measured["path"]["p99_ms"] < TARGET_P99_MS,
    }
    config.output.parent.mkdir(parents=True, exist_ok=True)
    config.output.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return result


def markdown_table(result: dict[str, Any]) -> str:
    """The result as the Markdown that goes into docs/benchmarks.md."""
    measured, baseline = result["payment_orders"], result["baseline"]

    def ms(value: float | None) -> str:
        return "–" if value is None else f"{value:.1f} ms"

    rows = [
        "| measure | count | rate | p50 | p95 | p99 |",
        "|---|---|---|---|---|---|",
        f"| payment order, whole path (create → approve → pay) | {measured['completed']:,} "
        f"| {measured['orders_per_second']:,.1f} orders/s | {ms(measured['path']['p50_ms'])} "
        f"| {ms(measured['path']['p95_ms'])} | {ms(measured['path']['p99_ms'])} |",
    ]
    for step, route in (
        ("create", "`POST /api/finance/payment-orders`"),
        ("approve", "`POST …/payment-orders/{id}/approve`"),
        ("pay", "`POST …/payment-orders/{id}/pay`"),
    ):
        summary = measured["requests"][step]
        rows.append(
            f"| {route} | {summary['count']:,} | | {ms(summary['p50_ms'])} | {ms(summary['p95_ms'])} "
            f"| {ms(summary['p99_ms'])} |"
        )
    rows.append(
        f"| `GET /health/live` (baseline, same run) | {baseline['count']:,} | {baseline['requests_per_second']:,.1f} req/s "
        f"| {ms(baseline['p50_ms'])} | {ms(baseline['p95_ms'])} | {ms(baseline['p99_ms'])} |"
    )
    config, machine = result["config"], result["machine"]
    errors = measured["errors"] or {}
    rows += [
        "",
        f"- {config['workers']} worker(s), concurrency {config['concurrency']}, {config['budget_lines']} budget line(s), {measured['seconds']} s measured "
        f"({measured['prepared']:,} resolutions prepared in {result['prepare_seconds']} s); "
        f"client CPU {measured['client_cpu_share_of_one_core']:.2f} of one core",
        "- database sessions of the app, average by state while measuring: "
        + ", ".join(f"{state} {count}" for state, count in measured["database_sessions_by_state"].items()),
        "- CPU while measuring, cores busy: "
        + ", ".join(f"{k} {v}" for k, v in measured["cpu"]["cores_busy"].items())
        + "; CPU ms per completed order: "
        + ", ".join(f"{k} {v}" for k, v in measured["cpu"]["ms_per_order"].items()),
        *(
            [
                "- py-spy, share of the workers' samples by the package on CPU: "
                + ", ".join(f"{k} {v:.0%}" for k, v in measured["profile"]["self_share_by_package"].items())
            ]
            if "self_share_by_package" in measured.get("profile", {})
            else []
        ),
        f"- errors by status: {errors or 'none'}; baseline errors: {baseline['errors'] or 'none'}",
        f"- verification: {'all checks hold' if result['verified'] else result['verification']}",
        f"- targets (≥ {TARGET_ORDERS_PER_SECOND} orders/s, p99 < {TARGET_P99_MS} ms): "
        f"{'met' if result['targets']['met'] else 'NOT met'}",
        f"- load before: `{machine['load_before']['uptime']}`",
        f"- load after: `{machine['load_after']['uptime']}`",
    ]
    return "\n".join(rows)


def parse_args(argv: list[str] | None) -> BenchConfig:
    parser = argparse.ArgumentParser(
        prog="python -m loadtests.bench_payment_orders", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--seconds", type=float, default=20.0, help="duration of the baseline and of the measured phase"
    )
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight (connection limit)")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers of lofin serve")
    parser.add_argument(
        "--orders",
        type=int,
        default=0,
        help="resolutions to prepare (count bound); default: target rate × seconds",
    )
    parser.add_argument(
        "--lines", type=int, default=1, help="spread the orders over this many demo budget lines (1-4)"
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where the JSON goes")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="record the app's workers with py-spy while measuring (collapsed stacks next to the JSON)",
    )
    args = parser.parse_args(argv)
    return BenchConfig(
        args.seconds, args.concurrency, args.workers, args.lines, args.orders, args.output, args.profile
    )


def main(argv: list[str] | None = None) -> int:
    """Run, print the table; exit 1 if a request failed or the verification does not hold."""
    config = parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)  # so the servers are stopped on kill too
    result = run_benchmark(config)
    print(markdown_table(result))
    print(f"\nJSON: {config.output}")
    return 0 if result["verified"] and not result["payment_orders"]["errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
