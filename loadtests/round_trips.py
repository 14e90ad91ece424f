"""The database round trips of one payment-order path (create → approve → pay), from PostgreSQL's log.

    .venv/bin/python -m loadtests.round_trips

Starts a throw-away PostgreSQL and ``lofin serve`` (one worker; both stopped by PID at the end),
prepares three approved expenditure resolutions through the API, runs two paths to warm the caches,
then turns on ``log_statement = 'all'`` and prints every statement the third path sends, per request.
The count per request is what the payment-order benchmark's CPU per order follows
(``docs/benchmarks.md``).
"""

from __future__ import annotations

import asyncio
import re
import tempfile
from pathlib import Path

import httpx
import psycopg

from loadtests.bench_payment_orders import (
    APPROVER,
    FINANCE,
    MAKER,
    BenchConfig,
    bearer,
    prepare_resolutions,
    roomiest_lines,
)
from tests.support.postgres import PostgresServer
from tests.support.server import LofinServer

STATEMENT = re.compile(r"\[(\d+)\].*?(?:statement|execute [^:]*): (.*)$")


def _statements(log: str) -> list[str]:
    """The statements of the backend that began the request's transaction (the default log prefix
    names each line's backend PID), so nothing another connection logged meanwhile is counted."""
    found = [(m.group(1), m.group(2)) for line in log.splitlines() if (m := STATEMENT.search(line))]
    backend = next((pid for pid, statement in found if statement == "BEGIN"), None)
    return [statement for pid, statement in found if pid == backend]


async def count(server: LofinServer, postgres: PostgresServer, database_url: str) -> dict[str, list[str]]:
    """The statements of each request of the third path."""
    async with httpx.AsyncClient(base_url=server.base_url, timeout=30) as client:
        maker, approver = await bearer(client, MAKER), await bearer(client, APPROVER)
        line = (await roomiest_lines(client, maker, 1, 10_000))[0]
        config = BenchConfig(orders=3, concurrency=1)
        resolutions = await prepare_resolutions(client, config, maker, approver, [line["id"]])
        seen: dict[str, list[str]] = {}
        for number, resolution in enumerate(resolutions):
            measured = number == len(resolutions) - 1
            if measured:
                with psycopg.connect(database_url, autocommit=True) as admin:
                    admin.execute("ALTER SYSTEM SET log_statement = 'all'")
                    admin.execute("SELECT pg_reload_conf()")
                await asyncio.sleep(0.5)
            mark = postgres.log_file.stat().st_size
            body = {"resolution_id": resolution, "idempotency_key": f"round-trips-{resolution}"}
            order = (await client.post(f"{FINANCE}/payment-orders", headers=maker, json=body)).json()
            steps = {
                "create": None,
                "approve": (f"{FINANCE}/payment-orders/{order['id']}/approve", approver),
                "pay": (f"{FINANCE}/payment-orders/{order['id']}/pay", maker),
            }
            for step, request in steps.items():
                if request is not None:
                    answered = await client.post(request[0], headers=request[1])
                    answered.raise_for_status()
                if measured:
                    await asyncio.sleep(0.3)  # the log is written by another process
                    seen[step] = _statements(postgres.log_file.read_bytes()[mark:].decode(errors="replace"))
                    mark = postgres.log_file.stat().st_size
        return seen


def measure() -> dict[str, list[str]]:
    """Serve, count, stop: the statements of each request of one path."""
    postgres = PostgresServer()
    server: LofinServer | None = None
    try:
        postgres.start()
        url = postgres.create_database("round_trips")
        server = LofinServer(url, Path(tempfile.mkdtemp(prefix="lofin-round-trips-")), workers=1)
        server.prepare_database()
        server.start()
        return asyncio.run(count(server, postgres, url.replace("postgresql+psycopg", "postgresql")))
    finally:
        if server is not None:
            server.stop()
        postgres.stop()


def main() -> None:
    seen = measure()
    for step, statements in seen.items():
        print(f"{step}: {len(statements)} round trips")
        for statement in statements:
            print(f"    {statement[:140]}")
    print(f"whole path: {sum(len(s) for s in seen.values())} round trips")


if __name__ == "__main__":
    main()
