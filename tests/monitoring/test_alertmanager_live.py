"""A real Alertmanager with the rendered lab config: the inhibition rules hold back what they should, only that."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def alertmanager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of an Alertmanager started on a free loopback port with the lab config, stopped afterwards."""
    workdir = tmp_path_factory.mktemp("alertmanager")
    rendered = subprocess.run(
        [sys.executable, "-m", "monitoring.build", "render", "--env", "lab", "--out", str(workdir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert rendered.returncode == 0, rendered.stderr
    url = f"http://127.0.0.1:{free_port()}"
    process = subprocess.Popen(
        [
            "prometheus-alertmanager",
            f"--config.file={workdir / 'alertmanager.yml'}",
            f"--storage.path={workdir / 'data'}",
            f"--web.listen-address={url.removeprefix('http://')}",
            "--cluster.listen-address=",  # a single instance: no gossip port
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                if httpx.get(f"{url}/-/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, "Alertmanager exited at start-up"
            assert time.monotonic() < deadline, "Alertmanager not ready within 15 s"
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def alert(name: str, **labels: str) -> dict[str, object]:
    return {"labels": {"alertname": name, **labels}, "startsAt": datetime.now(UTC).isoformat()}


def test_region_down_inhibits_node_and_cluster_alerts_of_its_region_only(alertmanager: str) -> None:
    posted = httpx.post(
        f"{alertmanager}/api/v2/alerts",
        json=[
            alert("RegionDown", region="daejeon", severity="page", level="region"),
            alert("EtcdMemberDown", region="daejeon", severity="ticket", level="node", node="daejeon-db1"),
            alert(
                "PatroniNoLeader", region="daejeon", severity="page", level="cluster", scope="lofin-daejeon"
            ),
            alert("EtcdMemberDown", region="gwangju", severity="ticket", level="node", node="gwangju-db1"),
        ],
        timeout=5,
    )
    assert posted.status_code == 200, posted.text
    deadline = time.monotonic() + 10
    while True:
        states = {
            (a["labels"]["alertname"], a["labels"]["region"]): a["status"]["state"]
            for a in httpx.get(
                f"{alertmanager}/api/v2/alerts?filter=level%21%3D%22service%22", timeout=5
            ).json()
        }
        if states.get(("EtcdMemberDown", "daejeon")) == "suppressed" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert states == {
        ("RegionDown", "daejeon"): "active",
        ("EtcdMemberDown", "daejeon"): "suppressed",
        ("PatroniNoLeader", "daejeon"): "suppressed",
        ("EtcdMemberDown", "gwangju"): "active",
    }


def test_a_budget_page_holds_back_the_same_services_budget_ticket(alertmanager: str) -> None:
    slo_labels = {"region": "gwangju", "slo": "availability", "level": "service"}
    posted = httpx.post(
        f"{alertmanager}/api/v2/alerts",
        json=[
            alert("AvailabilityBudgetBurnPage", severity="page", service="finance", **slo_labels),
            alert("AvailabilityBudgetBurnTicket", severity="ticket", service="finance", **slo_labels),
            alert("AvailabilityBudgetBurnTicket", severity="ticket", service="policy", **slo_labels),
        ],
        timeout=5,
    )
    assert posted.status_code == 200, posted.text
    deadline = time.monotonic() + 10
    while True:
        states = {
            (a["labels"]["alertname"], a["labels"]["service"]): a["status"]["state"]
            for a in httpx.get(
                f"{alertmanager}/api/v2/alerts?filter=slo%3D%22availability%22", timeout=5
            ).json()
        }
        if (
            states.get(("AvailabilityBudgetBurnTicket", "finance")) == "suppressed"
            or time.monotonic() > deadline
        ):
            break
        time.sleep(0.2)
    assert states == {
        ("AvailabilityBudgetBurnPage", "finance"): "active",
        ("AvailabilityBudgetBurnTicket", "finance"): "suppressed",
        ("AvailabilityBudgetBurnTicket", "policy"): "active",
    }
