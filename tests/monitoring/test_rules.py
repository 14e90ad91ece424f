"""Monitoring as code stays valid: promtool/amtool checks, rule unit tests, alert metadata, routing, dashboards."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "monitoring"
RULE_FILES = sorted((MONITORING / "rules").glob("*.rules.yml"))
TEST_FILES = sorted((MONITORING / "tests").glob("*.test.yml"))
DASHBOARD_FILES = sorted((MONITORING / "dashboards").glob("*.json"))
RUNBOOKS = (
    "primary-failover",
    "planned-switchover",
    "replica-rebuild",
    "etcd-member-replacement",
    "consensus-store-outage",
    "dr-activation",
    "failback",
    "point-in-time-restore",
    "daily-inspection",
)
RUNBOOK_URL = re.compile(rf"^runbooks/({'|'.join(RUNBOOKS)})\.md$")


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=ROOT, capture_output=True, text=True, timeout=90, check=False
    )


def alert_rules() -> list[dict[str, Any]]:
    return [
        rule
        for path in RULE_FILES
        for group in yaml.safe_load(path.read_text())["groups"]
        for rule in group["rules"]
        if "alert" in rule
    ]


def alert_test_cases() -> list[dict[str, Any]]:
    return [
        case
        for path in TEST_FILES
        for test in yaml.safe_load(path.read_text())["tests"]
        for case in test.get("alert_rule_test", [])
    ]


ALERTS = alert_rules()
ALERT_NAMES = [rule["alert"] for rule in ALERTS]


class TestPromtool:
    def test_rule_files_are_valid(self) -> None:
        result = run("promtool", "check", "rules", *RULE_FILES)
        assert result.returncode == 0, result.stdout + result.stderr

    @pytest.mark.parametrize("test_file", TEST_FILES, ids=[p.name for p in TEST_FILES])
    def test_rule_unit_tests_pass(self, test_file: Path) -> None:
        result = run("promtool", "test", "rules", test_file)
        assert result.returncode == 0, result.stdout + result.stderr

    @pytest.mark.parametrize("environment", ["lab", "production"])
    def test_rendered_configs_are_valid(self, environment: str, tmp_path: Path) -> None:
        rendered = run(
            sys.executable, "-m", "monitoring.build", "render", "--env", environment, "--out", tmp_path
        )
        assert rendered.returncode == 0, rendered.stderr
        prometheus_configs = sorted(tmp_path.glob("prometheus-*.yml"))
        assert [p.name for p in prometheus_configs] == ["prometheus-daejeon.yml", "prometheus-gwangju.yml"]
        for config in prometheus_configs:
            result = run("promtool", "check", "config", config)
            assert result.returncode == 0, result.stdout + result.stderr
            assert f"SUCCESS: {len(RULE_FILES)} rule files found" in result.stdout
        result = run("amtool", "check-config", tmp_path / "alertmanager.yml")
        assert result.returncode == 0, result.stdout + result.stderr


class TestAlertMetadata:
    def test_alert_names_are_unique(self) -> None:
        assert len(ALERT_NAMES) == len(set(ALERT_NAMES))

    @pytest.mark.parametrize("rule", ALERTS, ids=ALERT_NAMES)
    def test_alert_says_how_bad_what_and_where_to_read(self, rule: dict[str, Any]) -> None:
        assert rule["labels"]["severity"] in {"page", "ticket"}
        assert rule["labels"]["level"] in {"node", "cluster", "region", "service"}
        assert len(rule["annotations"]["summary"]) > 30
        assert RUNBOOK_URL.match(rule["annotations"]["runbook_url"])

    @pytest.mark.parametrize("name", ALERT_NAMES)
    def test_alert_has_a_firing_and_a_quiet_unit_test(self, name: str) -> None:
        cases = [case for case in alert_test_cases() if case["alertname"] == name]
        assert any(case.get("exp_alerts") for case in cases), f"no unit test makes {name} fire"
        assert any(case.get("exp_alerts") == [] for case in cases), f"no unit test shows {name} quiet"


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lab's rendered Alertmanager config."""
    out = tmp_path_factory.mktemp("rendered")
    rendered = run(sys.executable, "-m", "monitoring.build", "render", "--env", "lab", "--out", out)
    assert rendered.returncode == 0, rendered.stderr
    return out / "alertmanager.yml"


class TestAlertmanager:
    @pytest.mark.parametrize(
        ("labels", "receiver"),
        [
            (["alertname=PatroniLeaderChanged", "severity=ticket", "region=daejeon"], "ticket"),
            (["alertname=RegionDown", "severity=page", "region=daejeon"], "page"),
            (["alertname=DRStandbyLagCritical", "severity=page", "region=gwangju"], "page"),
            (["alertname=Unlabelled", "region=gwangju"], "ticket"),
        ],
    )
    def test_pages_and_tickets_go_to_their_receivers(
        self, config: Path, labels: list[str], receiver: str
    ) -> None:
        result = run(
            "amtool",
            "config",
            "routes",
            "test",
            f"--config.file={config}",
            f"--verify.receivers={receiver}",
            *labels,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.strip() == receiver

    def test_notifications_are_grouped_per_region(self, config: Path) -> None:
        assert "region" in yaml.safe_load(config.read_text())["route"]["group_by"]

    def test_region_down_silences_node_and_cluster_alerts_of_that_region(self, config: Path) -> None:
        inhibit = yaml.safe_load(config.read_text())["inhibit_rules"]
        region_rule = next(rule for rule in inhibit if rule["source_matchers"] == ['alertname="RegionDown"'])
        assert region_rule["equal"] == ["region"]
        assert region_rule["target_matchers"] == ['level=~"node|cluster"']
        region_down = next(rule for rule in ALERTS if rule["alert"] == "RegionDown")
        assert region_down["labels"]["level"] == "region"  # it must not inhibit itself


class TestGeneratedFiles:
    def test_committed_files_match_the_generators(self, tmp_path: Path) -> None:
        result = run(sys.executable, "-m", "monitoring.build", "generate", "--out", tmp_path)
        assert result.returncode == 0, result.stderr
        generated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
        assert len(generated) == 1 + len(DASHBOARD_FILES)
        for relative in generated:
            committed = MONITORING / relative
            assert committed.read_text() == (tmp_path / relative).read_text(), (
                f"{relative} is stale: run `python -m monitoring.build generate`"
            )

    def test_four_dashboards(self) -> None:
        titles = {json.loads(p.read_text())["title"] for p in DASHBOARD_FILES}
        assert titles == {
            "lofin / Service overview",
            "lofin / Database clusters",
            "lofin / DR readiness",
            "lofin / Business activity",
        }

    def test_every_panel_query_parses(self, tmp_path: Path) -> None:
        exprs = [
            target["expr"]
            for path in DASHBOARD_FILES
            for panel in json.loads(path.read_text())["panels"]
            for target in panel.get("targets", [])
        ]
        assert len(exprs) > 30
        # promtool has no parse command: each query becomes a recording rule and the file is checked.
        rules = {
            "groups": [
                {
                    "name": "dashboards",
                    "rules": [{"record": f"dashboard:query_{i}", "expr": e} for i, e in enumerate(exprs)],
                }
            ]
        }
        rule_file = tmp_path / "dashboard-queries.rules.yml"
        rule_file.write_text(yaml.safe_dump(rules))
        result = run("promtool", "check", "rules", rule_file)
        assert result.returncode == 0, result.stdout + result.stderr
