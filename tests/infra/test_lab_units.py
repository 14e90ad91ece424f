"""Reading the lab's rendered systemd units (no lab needed)."""

from __future__ import annotations

from pathlib import Path

from infra.lab import read_unit


def test_a_rendered_unit_gives_command_environment_and_user(tmp_path: Path) -> None:
    unit = tmp_path / "node-exporter.service"
    unit.write_text(
        "[Service]\nUser=prometheus\nEnvironment=GOMAXPROCS=1 LANG=C\n"
        "ExecStart=/usr/bin/prometheus-node-exporter --web.listen-address='127.0.1.9:9100'\n",
        encoding="utf-8",
    )
    parsed = read_unit(unit)
    assert parsed.exec_start == ["/usr/bin/prometheus-node-exporter", "--web.listen-address=127.0.1.9:9100"]
    assert parsed.environment == {"GOMAXPROCS": "1", "LANG": "C"}
    assert parsed.user == "prometheus"


def test_a_unit_not_rendered_yet_runs_nothing_instead_of_failing(tmp_path: Path) -> None:
    """A drill right after `lab down --purge` asks whether every process runs before `lab up`."""
    parsed = read_unit(tmp_path / "purged" / "node-exporter.service")
    assert (parsed.exec_start, parsed.environment, parsed.user) == ([], {}, "root")
