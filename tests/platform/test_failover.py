"""The app across a primary failover, on a real PostgreSQL reached through a proxy the test cuts.

The proxy stands for HAProxy's read-write port: cutting it is the primary going away, restoring it
is Patroni promoting a new one. Reads have a replica endpoint (the server itself, directly).
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import AsyncGenerator
from dataclasses import dataclass

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.main import create_app
from app.platform.db import SchemaNotCurrentError, create_engine
from app.platform.failover import RETRIED_REQUESTS
from app.platform.seed import DEMO_PASSWORD
from app.platform.settings import Settings
from tests.conftest import make_settings
from tests.support.database import migrate_and_seed
from tests.support.postgres import PostgresServer
from tests.support.tcpproxy import CuttableProxy

pytestmark = pytest.mark.postgres
RETRY_SECONDS = 3.0


@dataclass
class Cluster:
    client: AsyncTestClient[Litestar]
    proxy: CuttableProxy
    admin_headers: dict[str, str]


@dataclass
class Site:
    """A migrated database, reachable directly (the replica endpoint) and through a cuttable proxy."""

    proxy: CuttableProxy
    settings: Settings


@pytest.fixture
async def site(postgres_server: PostgresServer) -> AsyncGenerator[Site, None]:
    direct_url = postgres_server.create_database(f"lofin_failover_{uuid.uuid4().hex[:8]}")
    engine = create_engine(direct_url, make_settings(direct_url))
    await migrate_and_seed(engine, demo_accounts=True)
    await engine.dispose()
    proxy = CuttableProxy(postgres_server.port)
    proxy.start()
    primary_url = direct_url.replace(f":{postgres_server.port}/", f":{proxy.port}/")
    yield Site(
        proxy, make_settings(primary_url, database_readonly_url=direct_url, write_retry_seconds=RETRY_SECONDS)
    )
    proxy.close()


@pytest.fixture
async def cluster(site: Site) -> AsyncGenerator[Cluster, None]:
    proxy, app_settings = site.proxy, site.settings
    async with AsyncTestClient(app=create_app(app_settings)) as client:
        token = await client.post(
            "/api/auth/token", json={"username": "admin.mois", "password": DEMO_PASSWORD}
        )
        assert token.status_code == 201
        yield Cluster(client, proxy, {"Authorization": f"Bearer {token.json()['token']}"})


def _new_account(name: str) -> dict[str, str]:
    return {
        "username": name,
        "display_name": "장애 조치 시험",
        "role": "official",
        "password": "failover-password-1",
        "government_code": "30000",
    }


class TestFailover:
    async def test_a_short_outage_is_only_a_slower_answer(self, cluster: Cluster) -> None:
        cluster.proxy.cut()
        primary_returns = threading.Timer(1.0, cluster.proxy.start)
        primary_returns.start()
        started = time.monotonic()
        response = await cluster.client.post(
            "/api/admin/users", json=_new_account("failover.short"), headers=cluster.admin_headers
        )
        primary_returns.join()
        assert response.status_code == 201, response.text
        assert 0.9 <= time.monotonic() - started < RETRY_SECONDS + 1
        users = (await cluster.client.get("/api/admin/users?limit=200", headers=cluster.admin_headers)).json()
        assert [u["username"] for u in users["items"]].count("failover.short") == 1

    async def test_pooled_connections_of_the_old_primary_cost_a_retry_not_an_error(
        self, cluster: Cluster
    ) -> None:
        """No pre-ping: the first write after a failover meets dead pooled connections and is re-run."""
        for _ in range(3):  # fill the pool with connections to the "old primary"
            listed = await cluster.client.get("/api/admin/users?limit=1", headers=cluster.admin_headers)
            assert listed.status_code == 200
        retried_before = RETRIED_REQUESTS.labels("POST")._value.get()
        cluster.proxy.cut()  # every pooled connection breaks …
        cluster.proxy.start()  # … and a new primary answers at once
        response = await cluster.client.post(
            "/api/admin/users", json=_new_account("failover.pooled"), headers=cluster.admin_headers
        )
        assert response.status_code == 201, response.text
        users = (await cluster.client.get("/api/admin/users?limit=200", headers=cluster.admin_headers)).json()
        assert [u["username"] for u in users["items"]].count("failover.pooled") == 1
        assert RETRIED_REQUESTS.labels("POST")._value.get() == retried_before + 1

    async def test_a_long_outage_enters_read_only_mode_and_leaves_it(self, cluster: Cluster) -> None:
        cluster.proxy.cut()
        write = await cluster.client.post(
            "/api/admin/users",
            json=_new_account("failover.long"),
            headers={**cluster.admin_headers, "Accept-Language": "ko"},
        )
        assert write.status_code == 503
        assert write.headers["content-type"].startswith("application/problem+json")
        assert int(write.headers["retry-after"]) > 0
        assert "저장되지 않았습니다" in write.json()["detail"]

        ready = (await cluster.client.get("/health/ready")).json()
        assert ready["status"] == "read-only"
        assert ready["read_only_mode"] is True
        governments = await cluster.client.get("/api/governments/30000")
        assert governments.status_code == 200, "reads keep working from the replica"
        me = await cluster.client.get("/api/auth/me", headers=cluster.admin_headers)
        assert me.status_code == 200, "signed-in users stay signed in"
        page = await cluster.client.get("/")
        assert page.status_code == 200

        started = time.monotonic()
        refused = await cluster.client.post(
            "/api/admin/users", json=_new_account("failover.fast"), headers=cluster.admin_headers
        )
        assert refused.status_code == 503
        assert time.monotonic() - started < 1.0, "in read-only mode writes are refused at once"

        cluster.proxy.start()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if (await cluster.client.get("/health/ready")).json()["status"] == "ready":
                break
            await asyncio.sleep(0.2)
        else:
            pytest.fail("the app did not leave read-only mode within 10 s of the primary's return")
        again = await cluster.client.post(
            "/api/admin/users", json=_new_account("failover.after"), headers=cluster.admin_headers
        )
        assert again.status_code == 201
        metrics = (await cluster.client.get("/metrics")).text
        assert "lofin_read_only_mode 0.0" in metrics
        assert "lofin_failover_retried_requests_total" in metrics


async def _until_ready(client: AsyncTestClient[Litestar], within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if (await client.get("/health/ready")).json()["status"] == "ready":
            return
        await asyncio.sleep(0.2)
    pytest.fail(f"the app did not leave read-only mode within {within:.0f} s of the primary's return")


class TestDrSiteStart:
    """A DR instance starts while its region has no primary yet, and takes writes once one appears."""

    async def test_starts_read_only_then_follows_the_promotion(self, site: Site) -> None:
        site.proxy.cut()
        async with AsyncTestClient(app=create_app(site.settings)) as client:
            ready = (await client.get("/health/ready")).json()
            assert ready["status"] == "read-only"
            assert (await client.get("/api/governments/30000")).status_code == 200
            token = await client.post(
                "/api/auth/token", json={"username": "admin.mois", "password": DEMO_PASSWORD}
            )
            assert token.status_code == 503, (
                "signing in writes (a session, an audit event): refused while read-only"
            )
            site.proxy.start()
            await _until_ready(client, 10)
            token = await client.post(
                "/api/auth/token", json={"username": "admin.mois", "password": DEMO_PASSWORD}
            )
            assert token.status_code == 201

    async def test_an_unmigrated_replica_still_refuses_to_start(
        self, postgres_server: PostgresServer
    ) -> None:
        empty_url = postgres_server.create_database(f"lofin_empty_{uuid.uuid4().hex[:8]}")
        settings = make_settings(
            empty_url.replace(f":{postgres_server.port}/", ":9/"), database_readonly_url=empty_url
        )
        with pytest.RaisesGroup(pytest.RaisesExc(SchemaNotCurrentError, match="lofin db upgrade")):
            async with AsyncTestClient(app=create_app(settings)):
                pass
