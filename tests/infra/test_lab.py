"""The two-region lab as real processes: bring-up, DR streaming, unplanned failover, teardown.

Slow group (``-m lab``, about 75 s): the module fixture runs ``lofin-ops lab down --purge`` and
``lofin-ops lab up``, and tears the lab down by PID even when a test fails. Every loop here is
bounded in iterations and seconds. Measurements go to ``var/measurements/lab.json``.
"""

from __future__ import annotations

import base64
import itertools
import json
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import psycopg
import pytest

from infra import processes
from infra.lab import (
    LAB_PROGRAMS,
    Lab,
    all_processes,
    data_dir,
    http_json,
    lab_ports,
    leader_host,
    patroni_cluster,
    patroni_process,
    port_open,
    wait_for,
)
from infra.status import lab_memory, lab_status
from infra.topology import LAB_DIR, PROJECT_ROOT, load

pytestmark = pytest.mark.lab

BRING_UP_LIMIT_S = 60
TEARDOWN_LIMIT_S = 15
MEMORY_LIMIT_MIB = 1536
FAILOVER_LIMIT_S = 30  # ttl 20 s bounds detection; HAProxy needs ~1 s more to route to the new leader
DR_VISIBLE_LIMIT_S = 1.0
# a database-level ceiling; where the 3 s app-level target stands is in docs/operations.md
SWITCHOVER_PAUSE_LIMIT_S = 6.0
MEASUREMENTS = PROJECT_ROOT / "var" / "measurements" / "lab.json"

measured: dict[str, Any] = {}


def lofin_ops(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).with_name("lofin-ops")), "lab", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=PROJECT_ROOT)


def record(**values: Any) -> None:
    measured.update(values)
    MEASUREMENTS.parent.mkdir(parents=True, exist_ok=True)
    MEASUREMENTS.write_text(json.dumps(measured, indent=2), encoding="utf-8")


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    lofin_ops("down", "--purge", timeout=60)
    try:
        started = time.monotonic()
        result = lofin_ops("up", timeout=BRING_UP_LIMIT_S + 120)  # ≤ 60 s is asserted below, not here
        record(bring_up_seconds=round(time.monotonic() - started, 1))
        assert result.returncode == 0, result.stdout + result.stderr
        yield Lab.load()
    finally:
        lofin_ops("down", "--purge", timeout=60)


def basic_auth(lab: Lab) -> str:
    token = base64.b64encode(f"patroni:{lab.secrets['restapi_password']}".encode()).decode()
    return f"Basic {token}"


def rw(lab: Lab) -> tuple[str, int]:
    return lab.haproxy_of(lab.primary_region).address, lab.env.ports["haproxy_rw"]


def connect(lab: Lab, address: str, port: int) -> psycopg.Connection[Any]:
    return psycopg.connect(lab.superuser_dsn(address, port), autocommit=True)


@pytest.fixture(scope="module")
def probe_table(lab: Lab) -> str:
    with connect(lab, *rw(lab)) as connection:
        connection.execute(
            "CREATE TABLE IF NOT EXISTS lab_probe (id text PRIMARY KEY, at timestamptz DEFAULT now())"
        )
    return "lab_probe"


class TestBringUp:
    def test_lab_comes_up_within_a_minute(self, lab: Lab) -> None:
        assert measured["bring_up_seconds"] <= BRING_UP_LIMIT_S

    def test_status_shows_both_regions_replicating_and_a_backup(self, lab: Lab) -> None:
        result = lofin_ops("status", "--json", timeout=60)
        assert result.returncode == 0, result.stderr
        status = json.loads(result.stdout)
        daejeon, gwangju = status["regions"]["daejeon"], status["regions"]["gwangju"]
        assert sorted(m["role"] for m in daejeon["members"]) == ["leader", "replica", "sync_standby"]
        assert len(daejeon["sync_standby"]) == 1
        assert sorted(m["role"] for m in gwangju["members"]) == ["replica", "standby_leader"]
        assert all(m["state"] in ("running", "streaming") for m in daejeon["members"] + gwangju["members"])
        assert {m["timeline"] for m in daejeon["members"] + gwangju["members"]} == {1}
        assert all(m["lag_bytes"] is not None for m in gwangju["members"])
        assert status["last_backup"]["type"] == "full"

    def test_data_checksums_are_on(self, lab: Lab) -> None:
        with connect(lab, *rw(lab)) as connection:
            assert connection.execute("SHOW data_checksums").fetchone() == ("on",)
            assert connection.execute("SHOW synchronous_standby_names").fetchone() != ("",)

    def test_app_instances_answer_through_haproxy(self, lab: Lab) -> None:
        for host in lab.region_hosts("app"):
            status, body = http_json(f"http://{host.address}:{lab.env.ports['app']}/health/ready", timeout=5)
            assert status == 200, (host.name, body)
            expected = "ready" if host.region == "daejeon" else "read-only"
            assert body["status"] == expected, (host.name, body)

    def test_lab_fits_in_its_memory_budget(self, lab: Lab) -> None:
        memory = lab_memory(lab)
        record(lab_memory=memory)
        assert memory["rss_mib"] < MEMORY_LIMIT_MIB, memory

    def test_up_again_is_harmless(self, lab: Lab) -> None:
        before = {p.name: processes.running_pid(p) for group in all_processes(lab).values() for p in group}
        started = time.monotonic()
        result = lofin_ops("up", timeout=60)
        assert result.returncode == 0, result.stdout + result.stderr
        after = {p.name: processes.running_pid(p) for group in all_processes(lab).values() for p in group}
        assert after == before
        assert None not in after.values()
        record(second_up_seconds=round(time.monotonic() - started, 1))


class TestDisasterRecoveryStandby:
    def test_gwangju_sees_a_daejeon_write_within_a_second(self, lab: Lab, probe_table: str) -> None:
        standby_leader = leader_host(lab, lab.regions_by_name("gwangju"))
        assert standby_leader is not None
        delays = []
        with (
            connect(lab, *rw(lab)) as primary,
            connect(lab, standby_leader.address, lab.env.ports["postgres"]) as standby,
        ):
            for _ in range(20):  # light load: one write every ~100 ms, each followed until gwangju has it
                row = uuid.uuid4().hex
                primary.execute("INSERT INTO lab_probe (id) VALUES (%s)", (row,))
                written = time.monotonic()
                for _poll in range(200):  # at most 200 × 10 ms
                    if standby.execute("SELECT 1 FROM lab_probe WHERE id = %s", (row,)).fetchone():
                        break
                    time.sleep(0.01)
                delays.append(time.monotonic() - written)
                time.sleep(0.1)
        record(
            dr_visible_seconds_max=round(max(delays), 3),
            dr_visible_seconds_median=round(sorted(delays)[10], 3),
        )
        assert max(delays) < DR_VISIBLE_LIMIT_S, delays


class Acknowledged(NamedTuple):
    """One write the database acknowledged: when it was sent, when its commit returned, its id."""

    began: float
    done: float
    row: str


@dataclass
class Writer:
    """Writes one row at a time through HAProxy rw; remembers which ids were acknowledged and when."""

    lab: Lab
    stop_after_s: float
    acknowledged: list[Acknowledged] = field(default_factory=list)
    failures: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        deadline = time.monotonic() + self.stop_after_s
        connection: psycopg.Connection[Any] | None = None
        while not self.stop.is_set() and time.monotonic() < deadline:
            row, began = uuid.uuid4().hex, time.monotonic()
            try:
                if connection is None:
                    connection = connect(self.lab, *rw(self.lab))
                connection.execute("INSERT INTO lab_probe (id) VALUES (%s)", (row,))
                self.acknowledged.append(Acknowledged(began, time.monotonic(), row))
            except psycopg.Error:
                self.failures += 1
                if connection is not None:
                    connection.close()
                connection = None
            time.sleep(0.05)
        if connection is not None:
            connection.close()


class TestUnplannedFailover:
    def test_new_leader_after_kill_9_and_no_acknowledged_write_lost(self, lab: Lab, probe_table: str) -> None:
        daejeon = lab.primary_region
        old_leader = leader_host(lab, daejeon)
        assert old_leader is not None
        writer = Writer(lab, stop_after_s=90)
        thread = threading.Thread(target=writer.run, daemon=True)
        thread.start()
        try:
            wait_for("writes before the fault", lambda: len(writer.acknowledged) >= 20, 20)
            patroni_pid = processes.running_pid(patroni_process(lab, old_leader))
            postmaster = processes.postmaster_pid(Path(data_dir(lab.env, old_leader)))
            assert patroni_pid and postmaster
            fault = time.monotonic()
            processes.send([patroni_pid, postmaster], signal.SIGKILL)

            def new_leader() -> str | None:
                leader = leader_host(lab, daejeon)
                return leader.name if leader is not None and leader != old_leader else None

            elected = wait_for("a new daejeon leader", new_leader, FAILOVER_LIMIT_S, 0.2)
            leader_seconds = time.monotonic() - fault
            wait_for(
                "a write acknowledged after the fault",
                lambda: any(write.began > fault for write in writer.acknowledged),
                FAILOVER_LIMIT_S,
                0.1,
            )
            rto = next(write.done for write in writer.acknowledged if write.began > fault) - fault
            wait_for(
                "writes after the failover",
                lambda: sum(write.began > fault for write in writer.acknowledged) >= 20,
                20,
            )
        finally:
            writer.stop.set()
            thread.join(timeout=10)

        acknowledged = {write.row for write in writer.acknowledged}
        with connect(lab, *rw(lab)) as primary:
            present = {row for (row,) in primary.execute("SELECT id FROM lab_probe")}
        lost = acknowledged - present
        record(
            failover_new_leader=elected,
            failover_leader_seconds=round(leader_seconds, 1),
            failover_rto_seconds=round(rto, 1),
            failover_acknowledged_writes=len(acknowledged),
            failover_failed_attempts=writer.failures,
            failover_lost_acknowledged_writes=len(lost),
        )
        assert not lost, f"{len(lost)} acknowledged writes missing"
        assert rto <= FAILOVER_LIMIT_S

    def test_old_leader_rejoins_as_a_replica_on_the_next_up(self, lab: Lab) -> None:
        result = lofin_ops("up", timeout=120)
        assert result.returncode == 0, result.stdout + result.stderr
        status = lab_status()
        daejeon = status["regions"]["daejeon"]["members"]
        assert sorted(m["role"] for m in daejeon) == ["leader", "replica", "sync_standby"]
        assert {m["timeline"] for m in daejeon} == {2}

    def test_dr_standby_follows_the_new_primary(self, lab: Lab, probe_table: str) -> None:
        row = uuid.uuid4().hex
        with connect(lab, *rw(lab)) as primary:
            primary.execute("INSERT INTO lab_probe (id) VALUES (%s)", (row,))
        standby = leader_host(lab, lab.regions_by_name("gwangju"))
        assert standby is not None

        def arrived() -> bool:
            with connect(lab, standby.address, lab.env.ports["postgres"]) as connection:
                return (
                    connection.execute("SELECT 1 FROM lab_probe WHERE id = %s", (row,)).fetchone() is not None
                )

        wait_for("the post-failover write in gwangju", arrived, 30, 0.2)


class TestPlannedSwitchover:
    def test_switchover_pauses_writes_briefly(self, lab: Lab, probe_table: str) -> None:
        daejeon = lab.primary_region
        cluster = patroni_cluster(lab, daejeon) or {}
        old = next(m["name"] for m in cluster["members"] if m["role"] == "leader")
        candidate = next(m["name"] for m in cluster["members"] if m["role"] == "sync_standby")
        writer = Writer(lab, stop_after_s=60)
        thread = threading.Thread(target=writer.run, daemon=True)
        thread.start()
        try:
            wait_for("writes before the switchover", lambda: len(writer.acknowledged) >= 20, 20)
            body = json.dumps({"leader": old, "candidate": candidate}).encode()
            request = urllib.request.Request(
                f"http://{lab.env.host(old).address}:{lab.env.ports['patroni']}/switchover",
                data=body,
                method="POST",
                headers={"Authorization": basic_auth(lab), "Content-Type": "application/json"},
            )
            started = time.monotonic()
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - the lab's own Patroni REST API
                assert response.status == 200
            wait_for(
                f"{candidate} leading",
                lambda: (leader := leader_host(lab, daejeon)) is not None and leader.name == candidate,
                30,
                0.2,
            )
            wait_for(
                "writes after the switchover",
                lambda: sum(write.began > started for write in writer.acknowledged) >= 20,
                20,
            )
        finally:
            writer.stop.set()
            thread.join(timeout=10)
        times = [write.done for write in writer.acknowledged]
        pause = max(later - earlier for earlier, later in itertools.pairwise(times))
        acknowledged = {write.row for write in writer.acknowledged}
        with connect(lab, *rw(lab)) as primary:
            present = {row for (row,) in primary.execute("SELECT id FROM lab_probe")}
        record(
            switchover_write_pause_seconds=round(pause, 2),
            switchover_failed_attempts=writer.failures,
            switchover_lost_acknowledged_writes=len(acknowledged - present),
        )
        assert acknowledged <= present
        assert pause <= SWITCHOVER_PAUSE_LIMIT_S


class TestTeardown:
    def test_down_leaves_no_process_and_no_port(self, lab: Lab) -> None:
        started = time.monotonic()
        result = lofin_ops("down", timeout=60)
        seconds = time.monotonic() - started
        record(teardown_seconds=round(seconds, 1))
        assert result.returncode == 0, result.stdout + result.stderr
        assert seconds <= TEARDOWN_LIMIT_S
        assert [f"{a}:{p}" for a, p in lab_ports(load("lab")) if port_open(a, p)] == []
        assert processes.lab_strays(LAB_PROGRAMS) == []
        left = [p.name for group in all_processes(lab).values() for p in group if processes.running_pid(p)]
        assert left == []
        assert all(
            processes.postmaster_pid(Path(data_dir(lab.env, h))) is None for h in lab.region_hosts("db")
        )
        assert LAB_DIR.exists()  # plain `down` keeps the data for the next `up`
