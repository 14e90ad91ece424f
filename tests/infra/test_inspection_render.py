"""The daily inspection's units render for the primary region's first app host only, and the deploy plans them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.render import INSPECTION_ACCOUNTS, INSPECTION_FILES, render_host
from infra.topology import PROJECT_ROOT, load
from tests.infra.test_render import ENVIRONMENTS, SECRET_ENVIRON, SECRETS, release  # noqa: F401 - fixture

ENV_FILE, SERVICE, TIMER = INSPECTION_FILES


@pytest.mark.parametrize("name", ENVIRONMENTS)
def test_only_the_primary_regions_first_app_host_runs_the_inspection(name: str) -> None:
    env = load(name)  # type: ignore[arg-type]
    carriers = [
        host.name for host in env.hosts if any(f.path == SERVICE for f in render_host(env, host, SECRETS))
    ]
    assert carriers == ["daejeon-app1"]


@pytest.mark.parametrize("name", ENVIRONMENTS)
def test_the_units_run_lofin_ops_inspect_daily_with_the_accounts_file(name: str) -> None:
    env = load(name)  # type: ignore[arg-type]
    files = {f.path: f for f in render_host(env, env.host("daejeon-app1"), SECRETS)}
    service, timer, accounts = files[SERVICE].content, files[TIMER].content, files[ENV_FILE]
    assert f"lofin-ops inspect --env {name} --reports-dir " in service
    assert "Type=oneshot" in service
    assert f"EnvironmentFile={env.on_host(env.host('daejeon-app1'), ENV_FILE)}" in service
    assert "OnCalendar=*-*-* 07:30:00 Asia/Seoul" in timer
    assert "Unit=lofin-inspect.service" in timer
    assert accounts.mode == "0600"
    assert f"LOFIN_INSPECT_ACCOUNT={INSPECTION_ACCOUNTS['official']}" in accounts.content
    assert f"LOFIN_INSPECT_PASSWORD={SECRETS['inspection_password']}" in accounts.content


def test_the_app_env_points_the_control_center_at_its_sources() -> None:
    env = load("lab")
    content = next(
        f.content
        for f in render_host(env, env.host("gwangju-app1"), SECRETS)
        if f.path == "/etc/lofin/lofin.env"
    )
    assert (
        "LOFIN_OPS_PATRONI_URLS=daejeon=http://127.0.1.1:8008,http://127.0.1.2:8008,http://127.0.1.3:8008;gwangju=http://127.0.2.1:8008,http://127.0.2.2:8008\n"
        in content
    )
    # its own region's monitoring host: it answers while the other region is down
    assert "LOFIN_OPS_ALERTMANAGER_URL=http://127.0.2.30:9093\n" in content
    assert "LOFIN_OPS_PROMETHEUS_URL=http://127.0.2.30:9090\n" in content
    assert f"LOFIN_OPS_WEBHOOK_TOKEN={SECRETS['ops_webhook_token']}\n" in content


def test_dry_run_deploy_plans_the_inspection_once(release: Path) -> None:  # noqa: F811 - the fixture
    pyinfra = Path(sys.executable).with_name("pyinfra")
    result = subprocess.run(
        [
            str(pyinfra),
            "--data",
            f"lofin_release={release}",
            "tests/infra/fake_inventory.py",
            "infra/deploy.py",
            "--dry",
        ],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env={**os.environ, **SECRET_ENVIRON, "LOFIN_INVENTORY_ENV": "production"},
        timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert (
        output.count(
            "lofin daily inspection | Write inspection unit (/etc/systemd/system/lofin-inspect.service)"
        )
        == 1
    ), output
    assert "lofin daily inspection | Schedule the daily inspection" in output
    assert output.count("Create the inspection account inspection.operator unless it exists") == 1
