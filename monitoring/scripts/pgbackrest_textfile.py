"""Write pgBackRest's backup state as Prometheus metrics for node_exporter's textfile collector.

Run on the repository host after every backup and every 15 minutes::

    python3 pgbackrest_textfile.py --output /var/lib/prometheus/node-exporter/pgbackrest.prom

It reads ``pgbackrest --output=json info`` (or ``--info-json FILE``) and writes, per stanza:

- ``pgbackrest_last_backup_timestamp_seconds{stanza,type}``: when the newest backup of each type
  (full, diff, incr) finished; the BackupTooOld alert reads this;
- ``pgbackrest_last_backup_duration_seconds{stanza,type}`` and ``pgbackrest_last_backup_size_bytes``;
- ``pgbackrest_backups{stanza,type}``: how many backups of that type the repository holds;
- ``pgbackrest_stanza_status{stanza}``: pgBackRest's status code, 0 when the stanza is healthy;
- ``pgbackrest_info_collected_timestamp_seconds``: when this ran.

The file is replaced atomically (written beside it, then renamed) so node_exporter never reads half.
Standard library only: the repository host has no lofin virtualenv.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

HELP = {
    "pgbackrest_last_backup_timestamp_seconds": "When the newest backup of this type finished (Unix time).",
    "pgbackrest_last_backup_duration_seconds": "How long the newest backup of this type took.",
    "pgbackrest_last_backup_size_bytes": "Database size covered by the newest backup of this type.",
    "pgbackrest_backups": "Backups of this type held in the repository.",
    "pgbackrest_stanza_status": "pgBackRest stanza status code; 0 is ok.",
    "pgbackrest_info_collected_timestamp_seconds": "When these metrics were collected (Unix time).",
}


def _labels(**labels: str) -> str:
    def escape(value: str) -> str:
        return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

    return "{" + ",".join(f'{key}="{escape(value)}"' for key, value in labels.items()) + "}"


def metrics_text(info: list[dict[str, Any]], now: float) -> str:
    """The exposition-format text for ``pgbackrest info`` output ``info``."""
    samples: dict[str, list[str]] = {name: [] for name in HELP}
    for stanza in info:
        name = stanza["name"]
        samples["pgbackrest_stanza_status"].append(f"{_labels(stanza=name)} {stanza['status']['code']}")
        newest: dict[str, dict[str, Any]] = {}
        counts: dict[str, int] = {}
        for backup in stanza.get("backup", []):
            kind = backup["type"]
            counts[kind] = counts.get(kind, 0) + 1
            if kind not in newest or backup["timestamp"]["stop"] > newest[kind]["timestamp"]["stop"]:
                newest[kind] = backup
        for kind, backup in sorted(newest.items()):
            labels = _labels(stanza=name, type=kind)
            start, stop = backup["timestamp"]["start"], backup["timestamp"]["stop"]
            samples["pgbackrest_last_backup_timestamp_seconds"].append(f"{labels} {stop}")
            samples["pgbackrest_last_backup_duration_seconds"].append(f"{labels} {stop - start}")
            samples["pgbackrest_last_backup_size_bytes"].append(f"{labels} {backup['info']['size']}")
            samples["pgbackrest_backups"].append(f"{labels} {counts[kind]}")
    samples["pgbackrest_info_collected_timestamp_seconds"].append(f" {now:.0f}")
    lines: list[str] = []
    for metric, values in samples.items():
        if values:
            lines += [f"# HELP {metric} {HELP[metric]}", f"# TYPE {metric} gauge"]
            lines += [f"{metric}{value}" for value in values]
    return "\n".join(lines) + "\n"


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` so a reader sees the old file or the new one, never a mix."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    Path(temporary).chmod(0o644)
    Path(temporary).replace(path)


def main(argv: list[str] | None = None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, required=True, help="the .prom file in the textfile directory")
    parser.add_argument("--info-json", type=Path, help="read this instead of running `pgbackrest info`")
    args = parser.parse_args(argv)
    if args.info_json:
        raw = args.info_json.read_text(encoding="utf-8")
    else:
        command = ["pgbackrest", "--output=json", "info"]
        raw = subprocess.run(command, capture_output=True, text=True, check=True, timeout=120).stdout  # noqa: S603
    write_atomically(args.output, metrics_text(json.loads(raw), time.time()))


if __name__ == "__main__":
    main()
