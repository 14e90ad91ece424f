"""Point-in-time restore with pgBackRest into a scratch PostgreSQL instance, as ``runbooks/point-in-time-restore.md`` does it.

The scratch instance runs as ``postgres`` on a free loopback port with archiving off (it must never
push WAL into the real repository) and is always removed afterwards.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg

from dr.cluster import DrillError
from infra.lab import Lab, leader_host, pgbackrest, sql, wait_for
from infra.processes import AS_POSTGRES

if TYPE_CHECKING:
    from dr.runner import Drill

SCRATCH_ROOT = Path("/var/tmp")  # noqa: S108 - the runbook's scratch location, owned by postgres
PG_CTL = "/usr/lib/postgresql/15/bin/pg_ctl"
RESTORE_TIMEOUT_S = 180
RECOVERY_LINES = re.compile(
    r"recovery stopping|starting point-in-time recovery|redo (starts|done)|selected new timeline|"
    r"last completed transaction|consistent recovery state|FATAL|ERROR"
)
# rows that never change once written: the drill's accounts and the append-only audit trail
DRILL_ACCOUNTS = "SELECT u::text FROM users u WHERE username LIKE 'drill-%%' AND created_at <= %s ORDER BY id"
AUDIT_EVENTS = "SELECT a::text FROM audit_events a WHERE occurred_at <= %s ORDER BY id"


def free_port(address: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on at ``address`` right now."""
    with socket.socket() as probe:
        probe.bind((address, 0))
        return int(probe.getsockname()[1])


def _as_postgres(*argv: str, timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed argv
        [*AS_POSTGRES, *argv], capture_output=True, text=True, timeout=timeout, check=False
    )


@contextlib.contextmanager
def scratch_instance(
    lab: Lab, target: dt.datetime, recovery_log: list[str]
) -> Iterator[tuple[str, int, float]]:
    """Restore the stanza to ``target`` into a scratch directory and run it; yields (address, port, seconds).

    PostgreSQL's own account of the recovery (where it stopped, the new timeline) is appended to
    ``recovery_log``. Removed on exit, whatever happened.
    """
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    root = SCRATCH_ROOT / f"lofin-drill-pitr-{stamp}"
    data, run = root / "data", root / "run"
    address, port = "127.0.0.1", free_port()
    started = time.monotonic()
    try:
        for directory in (root, data, run):
            subprocess.run(  # noqa: S603 - fixed argv
                ["/usr/bin/install", "-d", "-o", "postgres", "-g", "postgres", "-m", "700", str(directory)],
                check=True,
            )
        restore_host = lab.standby_regions[0].with_role("db")[0]
        restored = pgbackrest(
            lab,
            restore_host,
            f"--pg1-path={data}",
            "--type=time",
            f"--target={target.isoformat(sep=' ')}",
            "--target-action=promote",
            "restore",
            timeout=RESTORE_TIMEOUT_S,
        )
        if restored.returncode != 0:
            raise DrillError(f"pgbackrest restore failed: {restored.stdout[-1500:]}{restored.stderr[-1500:]}")
        options = (
            f"-c port={port} -c listen_addresses={address} -c unix_socket_directories={run} "
            f"-c archive_mode=off -c synchronous_standby_names='' -c hba_file={data}/pg_hba.conf "
            f"-c ident_file={data}/pg_ident.conf -c cluster_name=lofin-drill-pitr"
        )
        log = root / "postgresql.log"
        result = _as_postgres(
            PG_CTL,
            "-D",
            str(data),
            "-l",
            str(log),
            "-w",
            "-t",
            str(RESTORE_TIMEOUT_S),
            "-o",
            options,
            "start",
            timeout=RESTORE_TIMEOUT_S + 10,
        )
        if result.returncode != 0:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise DrillError(f"the scratch instance did not start: {result.stdout}{result.stderr}{tail}")
        dsn = lab.superuser_dsn(address, port)
        # pg_ctl -w returns once connections are accepted: with hot_standby that is at the consistent
        # point, long before the target; the restore is done when it promotes at the target
        wait_for(
            "the scratch instance to reach the target and promote",
            lambda: _promoted(dsn),
            RESTORE_TIMEOUT_S,
            0.5,
        )
        yield address, port, time.monotonic() - started
        recovery_log.extend(
            line.split("LOG:", 1)[-1].strip()
            for line in log.read_text(errors="replace").splitlines()
            if RECOVERY_LINES.search(line)
        )
    finally:
        if (data / "postmaster.pid").exists():
            _as_postgres(PG_CTL, "-D", str(data), "-m", "immediate", "-w", "stop", timeout=60)
        shutil.rmtree(root, ignore_errors=True)


def _promoted(dsn: str) -> bool:
    try:
        with psycopg.connect(dsn) as connection:
            return connection.execute("SELECT pg_is_in_recovery()").fetchone() == (False,)
    except psycopg.Error:
        return False


def rows_as_of(dsn: str, target: dt.datetime) -> dict[str, list[str]]:
    """The drill's accounts and the audit events written up to ``target``, each row as text."""
    with psycopg.connect(dsn) as connection:
        return {
            name: [row for (row,) in connection.execute(query.encode(), (target,))]
            for name, query in (("drill_accounts", DRILL_ACCOUNTS), ("audit_events", AUDIT_EVENTS))
        }


def drill_restore(drill: Drill) -> None:
    """Scenario 7: record a moment between writes, restore it, compare row for row."""
    lab = drill.lab
    drill.wait("10 writes acknowledged", lambda: drill.load.acknowledged_since(0) >= 10, 60)
    drill.load.quiet()
    time.sleep(0.5)
    primary = leader_host(lab, lab.primary_region)
    if primary is None:
        raise DrillError("daejeon has no leader")
    ((target,),) = sql(lab, primary.address, lab.env.ports["postgres"], "SELECT now()")
    time.sleep(0.5)
    drill.load.resume()
    drill.mark_fault(f"target time recorded: {target.isoformat()}")
    drill.writes_go_on(10, 60)
    database = lab.env.cluster["database"]
    source = rows_as_of(lab.superuser_dsn(primary.address, lab.env.ports["postgres"], database), target)
    drill.step(
        f"source as of the target: {len(source['drill_accounts'])} drill accounts, {len(source['audit_events'])} audit events"
    )
    checked = pgbackrest(lab, primary, "check", timeout=120)  # switches and archives the current WAL segment
    if checked.returncode != 0:
        raise DrillError(f"pgbackrest check failed: {checked.stdout[-1500:]}{checked.stderr[-1500:]}")
    drill.step("pgbackrest check: the WAL after the target is archived")
    recovery_log: list[str] = []
    with scratch_instance(lab, target, recovery_log) as (address, port, seconds):
        drill.step(f"scratch instance restored and open on {address}:{port} ({seconds:.1f} s)")
        drill.report.measurements["restore_seconds"] = round(seconds, 1)
        restored = rows_as_of(lab.superuser_dsn(address, port, database), target)
        with psycopg.connect(lab.superuser_dsn(address, port, database)) as connection:
            ((later,),) = connection.execute(
                "SELECT count(*) FROM users WHERE username LIKE 'drill-%%' AND created_at > %s", (target,)
            ).fetchall()
    for line in recovery_log:
        drill.step(f"scratch PostgreSQL: {line}")
    for name, rows in source.items():
        drill.report.measurements[f"rows_compared_{name}"] = len(rows)
        drill.expect(
            restored[name] == rows,
            f"{name}: restored {len(restored[name])} rows, source {len(source[name])} as of the target "
            f"(first difference: {sorted(set(rows) ^ set(restored[name]))[:2]})",
        )
    drill.expect(later == 0, f"the restore went past the target: {later} drill accounts created after it")
    drill.expect(len(source["drill_accounts"]) >= 10, "too few drill accounts before the target to compare")
    drill.expect(
        not list(SCRATCH_ROOT.glob("lofin-drill-pitr-*")), "a scratch instance directory was left behind"
    )
    if not drill.report.failures:
        drill.step("restored rows equal the source's as of the target; scratch instance removed")
