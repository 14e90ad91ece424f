"""Issue 6's done-when on the real lab: the control center shows both regions, the daily inspection runs
against them, and killing the primary makes PatroniLeaderChanged appear on the page by itself.

Slow group (``-m lab``; run it as ``flock /tmp/lofin-lab.lock .venv/bin/pytest -m lab tests/infra/test_control_center.py``):
the module fixture runs ``lofin-ops lab down --purge`` and ``lab up``, and ``lab down`` at the end even
when a test fails. Screenshots go to ``test-artifacts/control-center-*.png``.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from app.platform.seed import DEMO_PASSWORD
from dr.cluster import wait_until_settled
from infra import processes
from infra.lab import Lab, data_dir, leader_host, patroni_process, wait_for
from infra.topology import PROJECT_ROOT
from tests.browser.conftest import browser  # noqa: F401 - the module's Chromium, as the browser tests get it

pytestmark = pytest.mark.lab

# ttl 20 s until the new leader, a 5 s scrape and evaluation, the push to Alertmanager, a 5 s page refresh
ALERT_ON_PAGE_LIMIT_S = 60
MEASUREMENTS = PROJECT_ROOT / "var" / "measurements" / "control-center.json"
LOFIN_OPS = str(Path(sys.executable).with_name("lofin-ops"))


def lofin_ops(*args: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LOFIN_OPS, *args], capture_output=True, text=True, timeout=timeout, cwd=PROJECT_ROOT
    )


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    lofin_ops("lab", "down", "--purge", timeout=60)
    try:
        result = lofin_ops("lab", "up", timeout=180)
        assert result.returncode == 0, result.stdout + result.stderr
        yield Lab.load()
    finally:
        lofin_ops("lab", "down", timeout=60)


def app_url(lab: Lab) -> str:
    return f"http://{lab.primary_region.with_role('app')[0].address}:{lab.env.ports['app']}"


@pytest.fixture
def page(browser: Browser, lab: Lab) -> Iterator[Page]:  # noqa: F811 - the imported fixture
    context = browser.new_context(locale="ko-KR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{app_url(lab)}/login?next=/ops/")
    page.get_by_label("아이디").fill("operator.center")
    page.get_by_label("비밀번호").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="로그인").click()
    expect(page.get_by_role("heading", name="통합관제", exact=True)).to_be_visible()
    try:
        yield page
    finally:
        context.close()


def test_the_page_shows_both_regions_and_every_member(lab: Lab, page: Page, artifacts_dir: Path) -> None:
    for region in (lab.primary_region, *lab.standby_regions):
        expect(page.get_by_role("heading", name=region.name, exact=True)).to_be_visible()
        table = page.get_by_role("table", name=f"{region.name} 노드")
        for host in region.with_role("db"):
            expect(table.get_by_role("row").filter(has_text=host.name)).to_be_visible()
    leader = leader_host(lab, lab.primary_region)
    assert leader is not None
    expect(page.get_by_text(f"리더: {leader.name}")).to_be_visible()
    expect(page.get_by_role("table", name="gwangju 노드")).to_contain_text("standby_leader")
    page.screenshot(path=str(artifacts_dir / "control-center-regions.png"), full_page=True)


def test_the_daily_inspection_passes_on_a_healthy_lab_and_is_shown(
    lab: Lab, page: Page, tmp_path: Path
) -> None:
    # a healthy lab: both clusters settled and streaming, and Prometheus has already seen the DR lag
    # (right after bring-up its first scrapes may still be missing, which the inspection rightly warns of)
    wait_until_settled(lab)
    for monitoring in lab.region_hosts("monitoring"):
        prometheus = f"http://{monitoring.address}:{lab.env.ports['prometheus']}/api/v1/query"
        wait_for(
            f"{monitoring.name}'s Prometheus to have the DR lag series",
            lambda url=prometheus: (
                httpx.get(url, params={"query": "lofin:dr_standby_lag:seconds"}, timeout=2).json()["data"][
                    "result"
                ]
                or None
            ),
            60,
            1.0,
        )
    result = lofin_ops("inspect", "--env", "lab", "--json", "--reports-dir", str(tmp_path), timeout=120)
    report = json.loads(result.stdout[: result.stdout.rindex("}") + 1])
    statuses = {check["name"]: check["status"] for check in report["checks"]}
    # time sync cannot be known in this container (no systemd, no chrony): a warning, never a fake ok
    assert statuses.pop("time sync") in ("ok", "warn")
    not_ok = [check for check in report["checks"] if check["status"] != "ok" and check["name"] != "time sync"]
    assert not not_ok, not_ok
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    assert "submitted to the control center" in result.stdout
    assert list(tmp_path.glob("*.json"))
    page.reload()
    expect(page.get_by_role("table", name="최근 점검의 항목별 결과")).to_contain_text("e-Hojo+ API")


def test_killing_the_primary_shows_the_leader_change_on_the_page(
    lab: Lab, page: Page, artifacts_dir: Path
) -> None:
    leader = leader_host(lab, lab.primary_region)
    assert leader is not None
    patroni_pid = processes.running_pid(patroni_process(lab, leader))
    postmaster = processes.postmaster_pid(Path(data_dir(lab.env, leader)))
    assert patroni_pid and postmaster
    fault = time.monotonic()
    processes.send([patroni_pid, postmaster], signal.SIGKILL)

    # no reload: the panel refreshes itself, and the alert must arrive through it
    row = (
        page.get_by_role("table", name="발생 중인 경보")
        .get_by_role("row")
        .filter(has_text="PatroniLeaderChanged")
    )
    expect(row).to_be_visible(timeout=ALERT_ON_PAGE_LIMIT_S * 1000)
    seen_after = time.monotonic() - fault
    expect(row).to_contain_text("daejeon")
    new_leader = wait_for(
        "a new daejeon leader", lambda: (h := leader_host(lab, lab.primary_region)) and h != leader and h, 30
    )
    expect(page.get_by_text(f"리더: {new_leader.name}")).to_be_visible(timeout=15000)
    page.screenshot(path=str(artifacts_dir / "control-center-leader-changed.png"), full_page=True)

    headers = {
        "Authorization": "Bearer "
        + httpx.post(
            f"{app_url(lab)}/api/auth/token",
            json={"username": "operator.center", "password": DEMO_PASSWORD},
            timeout=10,
        ).json()["token"]
    }
    state = httpx.get(f"{app_url(lab)}/api/ops/state", headers=headers, timeout=15).json()
    assert "PatroniLeaderChanged" in [alert["alertname"] for alert in state["alerts"]]
    MEASUREMENTS.parent.mkdir(parents=True, exist_ok=True)
    MEASUREMENTS.write_text(
        json.dumps({"leader_changed_on_page_seconds_after_kill": round(seen_after, 1)}, indent=2),
        encoding="utf-8",
    )
