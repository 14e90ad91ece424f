"""Probes, request ids, structured errors and metrics, in-process and with a multi-worker server."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.support.server import LofinServer, serving_demo


class TestProbes:
    async def test_live_does_not_need_the_database(self, client: AsyncTestClient[Litestar]) -> None:
        response = await client.get("/health/live")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}

    async def test_ready_reports_a_writable_primary(
        self, client: AsyncTestClient[Litestar], backend: str
    ) -> None:
        body = (await client.get("/health/ready")).json()
        assert body["status"] == "ready"
        assert body["database"]["writable"] is True
        assert body["database"]["role"] == ("primary" if backend == "postgresql" else "embedded")
        assert body["database"]["schema_revision"]

    async def test_request_id_is_echoed_or_generated(self, client: AsyncTestClient[Litestar]) -> None:
        mine = await client.get("/health/live", headers={"X-Request-ID": "trace-12345678"})
        assert mine.headers["x-request-id"] == "trace-12345678"
        forged = await client.get("/health/live", headers={"X-Request-ID": "bad id with spaces\n"})
        assert re.fullmatch(r"[0-9a-f]{32}", forged.headers["x-request-id"])

    async def test_unknown_page_is_a_readable_korean_page(self, client: AsyncTestClient[Litestar]) -> None:
        response = await client.get("/no/such/page")
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert "요청 번호" in response.text

    async def test_unknown_api_route_is_problem_json(self, client: AsyncTestClient[Litestar]) -> None:
        response = await client.get("/api/no/such/thing")
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LofinServer]:
    """A two-worker server on its own SQLite database."""
    with serving_demo(tmp_path_factory.mktemp("served"), LOFIN_LOG_LEVEL="INFO") as server:
        yield server


def _counter(metrics: str, path: str) -> float:
    pattern = re.compile(r"^lofin_requests_total\{(.*)\} (\S+)$", re.MULTILINE)
    return sum(
        float(value)
        for labels, value in pattern.findall(metrics)
        if f'path="{path}"' in labels and 'status_code="200"' in labels
    )


class TestMultiWorkerMetrics:
    def test_counts_from_every_worker_are_aggregated(self, served: LofinServer) -> None:
        metrics_dir = Path(served.env["LOFIN_METRICS_DIR"])
        # Which worker accepts a connection is up to the kernel: send parallel requests (bounded)
        # until both workers have served some, then check that the sum over workers is exact.
        with ThreadPoolExecutor(max_workers=8) as pool:
            for _ in range(20):
                if len(list(metrics_dir.glob("counter_*.db"))) >= 2:
                    break
                list(pool.map(lambda _: httpx.get(f"{served.base_url}/health/live"), range(40)))
        assert len(list(metrics_dir.glob("counter_*.db"))) >= 2, "both workers answered and wrote samples"
        with httpx.Client(base_url=served.base_url) as http:
            before = _counter(http.get("/metrics").text, "/api/governments/{code}")
        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = list(
                pool.map(
                    lambda _: httpx.get(f"{served.base_url}/api/governments/11110").status_code, range(60)
                )
            )
        assert statuses == [200] * 60
        metrics = httpx.get(f"{served.base_url}/metrics").text
        assert _counter(metrics, "/api/governments/{code}") - before == 60
        assert "lofin_request_duration_seconds_bucket" in metrics
        assert "lofin_requests_in_progress" in metrics
        assert "lofin_db_pool_connections_in_use" in metrics

    def test_route_templates_not_raw_paths_label_the_metrics(self, served: LofinServer) -> None:
        with httpx.Client(base_url=served.base_url) as http:
            http.get("/api/governments/26110")
            metrics = http.get("/metrics").text
        assert 'path="/api/governments/26110"' not in metrics

    def test_logs_are_json_lines_with_request_ids(self, served: LofinServer) -> None:
        with httpx.Client(base_url=served.base_url) as http:
            request_id = http.get("/health/live").headers["x-request-id"]
        lines = [
            json.loads(line)
            for line in Path(served.log_path).read_text().splitlines()
            if line.startswith("{")
        ]
        assert any(line.get("request_id") == request_id for line in lines)
        assert all("timestamp" in line and "level" in line for line in lines)
