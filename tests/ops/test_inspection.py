"""The daily inspection's judgements: clusters, backup age, certificates, disk growth, time sync."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from infra.inspect import (
    Failed,
    Warned,
    check_certificates,
    check_disk,
    check_time_sync,
    judge_cluster,
    newest_backup_age,
    run_check,
)
from tests.ops.test_parsing import DAEJEON, GWANGJU


class TestClusters:
    def test_healthy_regions_pass(self) -> None:
        assert "daejeon-db1 leader/running" in judge_cluster(DAEJEON, standby_region=False)
        assert "gwangju-db1 standby_leader/streaming" in judge_cluster(GWANGJU, standby_region=True)

    def test_a_primary_region_without_sync_standby_fails(self) -> None:
        members = [dict(m, role="replica") if m["role"] == "sync_standby" else m for m in DAEJEON["members"]]  # type: ignore[attr-defined,union-attr]
        with pytest.raises(Failed, match="no synchronous standby"):
            judge_cluster({"members": members}, standby_region=False)

    def test_a_standby_leader_that_does_not_stream_fails(self) -> None:
        members = [
            dict(m, state="running") if m["role"] == "standby_leader" else m for m in GWANGJU["members"]
        ]  # type: ignore[attr-defined,union-attr]
        with pytest.raises(Failed, match="not streaming"):
            judge_cluster({"members": members}, standby_region=True)

    def test_a_lagging_replica_warns(self) -> None:
        members = [
            dict(m, lag=200 * 1024 * 1024) if m["name"] == "daejeon-db2" else m for m in DAEJEON["members"]
        ]  # type: ignore[attr-defined,union-attr]
        check = run_check("cluster", "replication", lambda: judge_cluster({"members": members}, False))
        assert check.status == "warn"
        assert "daejeon-db2 209715200 B" in check.detail


class TestBackup:
    def test_the_newest_backup_of_every_stanza_counts(self) -> None:
        now = 1_800_000_000.0
        info: list[dict[str, Any]] = [
            {"name": "lofin", "backup": [
                {"label": "F1", "timestamp": {"start": now - 90000, "stop": now - 86400}},
                {"label": "D2", "timestamp": {"start": now - 7300, "stop": now - 7200}},
            ]}
        ]  # fmt: skip
        assert newest_backup_age(info, now) == ("D2", 2.0)
        with pytest.raises(Failed, match="no backup"):
            newest_backup_age([{"name": "lofin", "backup": []}], now)


def certificate(path: Path, days: int) -> Path:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "lofin.example")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


class TestCertificates:
    def test_expiry_thresholds(self, tmp_path: Path) -> None:
        now = dt.datetime.now(dt.UTC)
        assert "90 days left" in check_certificates([certificate(tmp_path / "a.pem", 90)], False, now)
        with pytest.raises(Warned, match="20 days left"):
            check_certificates([certificate(tmp_path / "b.pem", 20)], False, now)
        with pytest.raises(Failed, match="5 days left"):
            check_certificates([certificate(tmp_path / "c.pem", 5)], False, now)

    def test_none_configured_is_said_plainly(self) -> None:
        now = dt.datetime.now(dt.UTC)
        assert check_certificates([], True, now).startswith("not configured")
        with pytest.raises(Warned, match="not configured"):
            check_certificates([], False, now)


class TestDisk:
    def test_days_to_full_from_the_previous_measurement(self, tmp_path: Path) -> None:
        usage = shutil.disk_usage(tmp_path)
        measured: dict[str, Any] = {}
        now = 1_800_000_000.0
        assert "not growing" in check_disk(tmp_path, None, now, measured)
        assert measured[str(tmp_path)]["used_bytes"] == pytest.approx(usage.used, rel=0.01)
        # as if the disk had filled its free space's 1/3 in the last day: full in about 3 days
        previous = {"used_bytes": usage.used - usage.free / 3, "at": now - 86400}
        check = run_check("disk", "disk", lambda: check_disk(tmp_path, previous, now, {}))
        assert check.status == "fail"
        assert "full in 3 days" in check.detail


def test_time_sync_is_unknown_rather_than_ok_when_nothing_can_tell(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    with pytest.raises(Warned, match="unknown: neither timedatectl nor chronyc"):
        check_time_sync()
