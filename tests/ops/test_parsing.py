"""Judging what the sources answer: Patroni's /cluster, Prometheus vectors, drill reports."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.ops.drills import DrillReports, read_report, summarise
from app.ops.models import CheckStatus
from app.ops.schemas import InspectionCheck, InspectionOut
from app.ops.sources import Fetched, _vector
from app.ops.state import backup_state, region_state, service_states, worst

# The shape of Patroni 4's GET /cluster for the lab's clusters (the lab test reads the real thing).
DAEJEON = {
    "members": [
        {"name": "daejeon-db1", "role": "leader", "state": "running", "api_url": "http://127.0.1.1:8008/patroni",
         "host": "127.0.1.1", "port": 5432, "timeline": 3},
        {"name": "daejeon-db2", "role": "replica", "state": "streaming", "api_url": "http://127.0.1.2:8008/patroni",
         "host": "127.0.1.2", "port": 5432, "timeline": 3, "receive_lag": 0, "replay_lag": 0, "lag": 0},
        {"name": "daejeon-db3", "role": "sync_standby", "state": "streaming", "api_url": "http://127.0.1.3:8008/patroni",
         "host": "127.0.1.3", "port": 5432, "timeline": 3, "lag": 0},
    ],
    "scope": "lofin-daejeon",
}  # fmt: skip
GWANGJU = {
    "members": [
        {"name": "gwangju-db1", "role": "standby_leader", "state": "streaming", "host": "127.0.2.1", "timeline": 3},
        {"name": "gwangju-db2", "role": "replica", "state": "streaming", "host": "127.0.2.2", "timeline": 3,
         "lag": "unknown"},
    ],
    "scope": "lofin-gwangju",
}  # fmt: skip


def prometheus(**vectors: list[tuple[dict[str, str], float]]) -> Fetched:
    return Fetched("prometheus", "http://p", data=vectors)


DOWN = Fetched("prometheus", "http://p", error="connection failed")


class TestRegions:
    def test_a_healthy_primary_region(self) -> None:
        region = region_state("daejeon", Fetched("patroni:daejeon", "u", DAEJEON), DOWN)
        assert (region.status, region.leader, region.sync_standby) == ("ok", "daejeon-db1", ["daejeon-db3"])
        assert [(m.name, m.timeline, m.lag_bytes) for m in region.members][:2] == [
            ("daejeon-db1", 3, None),
            ("daejeon-db2", 3, 0),
        ]

    def test_a_standby_region_needs_no_synchronous_standby_and_unknown_lag_is_none(self) -> None:
        region = region_state("gwangju", Fetched("patroni:gwangju", "u", GWANGJU), DOWN)
        assert (region.status, region.leader) == ("ok", "gwangju-db1")
        assert region.members[1].lag_bytes is None

    def test_no_leader_and_no_sync_standby_fail(self) -> None:
        members = [dict(m, role="replica") for m in DAEJEON["members"]]  # type: ignore[call-overload]
        region = region_state("daejeon", Fetched("p", "u", {"members": members}), DOWN)
        assert (region.status, region.problems) == ("fail", ["no leader"])
        members = [
            dict(m, role="leader" if m["name"] == "daejeon-db1" else "replica") for m in DAEJEON["members"]
        ]  # type: ignore[index]
        assert region_state("daejeon", Fetched("p", "u", {"members": members}), DOWN).problems == [
            "no synchronous standby"
        ]

    @pytest.mark.parametrize(("lag", "status"), [(0.5, "ok"), (12.0, "warn"), (75.0, "fail")])
    def test_dr_lag_thresholds_match_the_alerts(self, lag: float, status: str) -> None:
        metrics = prometheus(dr_lag_seconds=[({"region": "gwangju"}, lag)])
        assert region_state("gwangju", Fetched("p", "u", GWANGJU), metrics).status == status

    def test_a_member_missing_from_the_cluster_is_a_warning(self) -> None:
        # a killed member drops out of /cluster once its key expires; the region has three Patroni APIs
        two = {"members": DAEJEON["members"][:1] + DAEJEON["members"][2:]}  # type: ignore[index,operator]
        region = region_state("daejeon", Fetched("p", "u", two), DOWN, expected_members=3)
        assert (region.status, region.problems) == ("warn", ["2/3 members"])

    def test_an_unreachable_region_is_unknown_not_ok(self) -> None:
        region = region_state("daejeon", Fetched("patroni:daejeon", "u", error="timed out"), DOWN)
        assert (region.status, region.reachable, region.members) == ("unknown", False, [])


class TestPrometheus:
    def test_vectors_drop_nan_and_junk(self) -> None:
        answer: dict[str, Any] = {
            "status": "success",
            "data": {
                "resultType": "vector",
                "result": [
                    {"metric": {"service": "finance"}, "value": [1, "2.5"]},
                    {"metric": {"service": "policy"}, "value": [1, "NaN"]},
                    {"metric": {"service": "billing"}, "value": [1]},
                ],
            },
        }
        assert _vector(answer) == [({"service": "finance"}, 2.5)]
        with pytest.raises(ValueError, match="not a successful"):
            _vector({"status": "error", "error": "parse error"})

    def test_services_judged_by_errors_latency_and_instances(self) -> None:
        metrics = prometheus(
            requests=[({"service": "finance"}, 10.0)],
            error_ratio=[({"service": "finance"}, 0.06), ({"service": "policy"}, 0.02)],
            p95=[({"service": "billing"}, 1.5)],
            app_up=[({"instance": "a"}, 1.0), ({"instance": "b"}, 0.0)],
        )
        services, up, total = service_states(metrics)
        by_slug = {s.slug: s.status for s in services}
        assert (up, total) == (1, 2)
        assert by_slug == {
            "finance": "fail",
            "subsidy": "ok",
            "policy": "warn",
            "billing": "warn",
            "participation": "ok",
            "disclosure": "ok",
        }
        no_instance = prometheus(app_up=[({"instance": "a"}, 0.0)])
        assert {s.status for s in service_states(no_instance)[0]} == {"fail"}

    def test_backup_age(self) -> None:
        now = datetime.now(UTC)
        fresh = prometheus(last_backup=[({}, (now - timedelta(hours=3)).timestamp())])
        stale = prometheus(last_backup=[({}, (now - timedelta(hours=30)).timestamp())])
        assert backup_state(fresh, now).status == "ok"
        assert backup_state(stale, now).status == "fail"
        assert backup_state(DOWN, now).status == "unknown"

    def test_without_the_metric_the_inspections_backup_check_speaks(self) -> None:
        now = datetime.now(UTC)
        check = InspectionCheck(
            "newest backup", CheckStatus.FAIL, "newest backup X, 30.0 h old", 0.1, "backup"
        )
        inspection = InspectionOut("id", now, now, "lab", "vm", CheckStatus.FAIL, 1, 0, [check])
        backup = backup_state(prometheus(), now, inspection)
        assert (backup.status, backup.inspection_detail, backup.inspected_at) == (
            "fail",
            "newest backup X, 30.0 h old",
            now,
        )

    def test_worst_orders_unknown_between_ok_and_warn(self) -> None:
        assert worst([]) == "ok"
        assert worst(["ok", "unknown"]) == "unknown"
        assert worst(["unknown", "warn"]) == "warn"
        assert worst(["warn", "fail", "ok"]) == "fail"


def write(directory: Path, name: str, **fields: Any) -> None:
    finished = fields.pop("finished_at")
    report = {
        "scenario": "switchover",
        "number": 2,
        "title": "Planned switchover",
        "started_at": (finished - timedelta(seconds=60)).isoformat(),
        "finished_at": finished.isoformat(),
        "passed": True,
        "rto_seconds": 3.0,
        "rpo_missing_writes": 0,
        **fields,
    }
    (directory / name).write_text(json.dumps(report))


class TestDrills:
    def test_latest_per_scenario_and_when_it_last_passed(self, tmp_path: Path) -> None:
        now = datetime.now(UTC)
        write(tmp_path, "a.json", finished_at=now - timedelta(days=3))
        write(
            tmp_path,
            "b.json",
            finished_at=now - timedelta(days=1),
            passed=False,
            failures=["RTO 40 s > 30 s"],
        )
        write(tmp_path, "c.json", finished_at=now, scenario="primary-crash", number=1, title="Primary crash")
        (tmp_path / "half.json").write_text('{"scenario": "x"')
        (tmp_path / "naive.json").write_text(
            json.dumps({"scenario": "y", "number": 9, "title": "t", "started_at": "2026-01-01T00:00:00",
                        "finished_at": "2026-01-01T00:01:00", "passed": True})
        )  # fmt: skip
        assert read_report(tmp_path / "half.json") is None
        assert read_report(tmp_path / "naive.json") is None
        drills = DrillReports(tmp_path).latest()
        assert [(d.scenario, d.passed) for d in drills] == [("primary-crash", True), ("switchover", False)]
        switchover = drills[1]
        assert switchover.failures == ["RTO 40 s > 30 s"]
        assert switchover.last_success_at is not None
        assert abs((switchover.last_success_at - (now - timedelta(days=3))).total_seconds()) < 1

    def test_no_directory_is_no_drills(self, tmp_path: Path) -> None:
        assert DrillReports(tmp_path / "missing").latest() == []
        assert summarise([]) == []
