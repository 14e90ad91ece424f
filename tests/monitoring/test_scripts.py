"""The programs that run beside the monitored services: pgBackRest textfile metrics and the alert log."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "monitoring" / "scripts"

# Shape of `pgbackrest --output=json info` (pgBackRest 2.x), trimmed to the fields the script reads.
PGBACKREST_INFO = [
    {
        "name": "lofin",
        "status": {"code": 0, "message": "ok"},
        "backup": [
            {
                "label": "20261125-010000F",
                "type": "full",
                "timestamp": {"start": 1764032400, "stop": 1764032700},
                "info": {"size": 5000000},
            },
            {
                "label": "20261125-010000F_20261126-010000I",
                "type": "incr",
                "timestamp": {"start": 1764118800, "stop": 1764118860},
                "info": {"size": 5100000},
            },
            {
                "label": "20261125-010000F_20261127-010000I",
                "type": "incr",
                "timestamp": {"start": 1764205200, "stop": 1764205290},
                "info": {"size": 5200000},
            },
        ],
    },
    {"name": "empty", "status": {"code": 2, "message": "no valid backups"}, "backup": []},
]


def samples(text: str) -> dict[str, float]:
    return {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if not line.startswith("#")
    }


class TestPgBackRestTextfile:
    def test_writes_newest_backup_per_type_in_valid_exposition_format(self, tmp_path: Path) -> None:
        info, output = tmp_path / "info.json", tmp_path / "pgbackrest.prom"
        info.write_text(json.dumps(PGBACKREST_INFO))
        script = SCRIPTS / "pgbackrest_textfile.py"
        result = subprocess.run(
            [sys.executable, script, "--info-json", info, "--output", output],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        text = output.read_text()
        lint = subprocess.run(
            ["promtool", "check", "metrics"], input=text, capture_output=True, text=True, check=False
        )
        assert lint.returncode == 0, lint.stdout + lint.stderr
        values = samples(text)
        assert values['pgbackrest_last_backup_timestamp_seconds{stanza="lofin",type="full"}'] == 1764032700
        assert values['pgbackrest_last_backup_timestamp_seconds{stanza="lofin",type="incr"}'] == 1764205290
        assert values['pgbackrest_last_backup_duration_seconds{stanza="lofin",type="incr"}'] == 90
        assert values['pgbackrest_backups{stanza="lofin",type="incr"}'] == 2
        assert values['pgbackrest_stanza_status{stanza="empty"}'] == 2
        assert not any('stanza="empty",type' in key for key in values)
        assert list(tmp_path.iterdir()) == [info, output] or sorted(tmp_path.iterdir()) == sorted(
            [info, output]
        )


class TestAlertLogReceiver:
    def test_appends_each_alert_of_a_notification_as_one_line(self, tmp_path: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        log = tmp_path / "alerts.jsonl"
        receiver = subprocess.Popen(
            [sys.executable, SCRIPTS / "alert_log_receiver.py", "--listen", f"127.0.0.1:{port}", "--log", log]
        )
        try:
            payload = {
                "status": "firing",
                "alerts": [
                    {
                        "status": "firing",
                        "labels": {"alertname": "PatroniLeaderChanged", "region": "daejeon"},
                    },
                    {"status": "firing", "labels": {"alertname": "RegionDown", "region": "daejeon"}},
                ],
            }
            deadline = time.monotonic() + 10
            while True:
                try:
                    response = httpx.post(
                        f"http://127.0.0.1:{port}/alerts?severity=page", json=payload, timeout=2
                    )
                    break
                except httpx.ConnectError:
                    assert time.monotonic() < deadline, "the receiver did not start within 10 s"
                    time.sleep(0.1)
            assert response.status_code == 204
            lines = [json.loads(line) for line in log.read_text().splitlines()]
            assert [line["labels"]["alertname"] for line in lines] == ["PatroniLeaderChanged", "RegionDown"]
            assert {line["route"] for line in lines} == {"page"}
        finally:
            receiver.terminate()
            receiver.wait(timeout=10)
