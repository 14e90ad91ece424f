"""What ``lofin-ops lab status`` shows: both regions' members, roles, timelines, lag, the last backup, and
whether each region's Prometheus and Alertmanager are up with how many alerts fire."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import psycopg

from infra.lab import Lab, all_processes, backup_info, http_json, http_status, patroni_cluster, processes, sql
from infra.render import data_dir
from infra.topology import LAB_DIR

# bytes behind and seconds since the last replayed transaction; 0 s when everything received is replayed
REPLICA_POSITION = """
SELECT pg_last_wal_replay_lsn()::text,
       CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END
"""


def _primary_lsn(lab: Lab, host_address: str) -> str | None:
    try:
        rows = sql(lab, host_address, lab.env.ports["postgres"], "SELECT pg_current_wal_lsn()::text")
    except psycopg.Error:
        return None
    return str(rows[0][0])


def _lsn_bytes(lsn: str) -> int:
    high, low = lsn.split("/")
    return (int(high, 16) << 32) + int(low, 16)


def lab_status() -> dict[str, Any]:
    """A snapshot of the lab; regions whose Patroni does not answer show as down."""
    if not LAB_DIR.exists():
        return {"running": False, "regions": {}, "processes": {}, "last_backup": None, "monitoring": {}}
    lab = Lab.load()
    ports = lab.env.ports
    running = {
        process.name: processes.running_pid(process)
        for group in all_processes(lab).values()
        for process in group
    }
    regions: dict[str, Any] = {}
    source_lsn: str | None = None
    for region in [lab.primary_region, *lab.standby_regions]:
        cluster = patroni_cluster(lab, region) or {}
        members = []
        for member in cluster.get("members", []):
            entry = {
                "name": member.get("name"),
                "host": member.get("host"),
                "role": member.get("role"),
                "state": member.get("state"),
                "timeline": member.get("timeline"),
                "lag_bytes": None,
                "lag_seconds": None,
            }
            if member.get("role") == "leader" and region.kind == "primary":
                source_lsn = _primary_lsn(lab, member["host"])
                entry["lag_bytes"], entry["lag_seconds"] = 0, 0.0
            elif member.get("state") in ("streaming", "running"):
                try:
                    replay, seconds = sql(lab, member["host"], ports["postgres"], REPLICA_POSITION)[0]
                except psycopg.Error:
                    replay, seconds = None, None
                if replay and source_lsn:
                    # lag against the daejeon primary: for gwangju this is the DR lag
                    entry["lag_bytes"] = max(0, _lsn_bytes(source_lsn) - _lsn_bytes(replay))
                    entry["lag_seconds"] = 0.0 if entry["lag_bytes"] == 0 else float(seconds or 0)
            members.append(entry)
        regions[region.name] = {
            "scope": region.scope,
            "kind": region.kind,
            "members": members,
            "sync_standby": [m["name"] for m in members if m["role"] == "sync_standby"],
        }
    backups = backup_info(lab)
    last = backups[-1] if backups else None
    last_backup = None
    if last:
        stopped = dt.datetime.fromtimestamp(last["timestamp"]["stop"], tz=dt.UTC)
        last_backup = {"label": last["label"], "type": last["type"], "finished": stopped.isoformat()}
    return {
        "running": any(running.values()),
        "regions": regions,
        "processes": running,
        "last_backup": last_backup,
        "monitoring": monitoring_status(lab),
        "memory": lab_memory(lab),
    }


def firing_alerts_url(lab: Lab, region: str) -> str:
    """Alertmanager API of ``region``: the alerts that fire and are neither silenced nor inhibited."""
    host = lab.region(region).with_role("monitoring")[0]
    return (
        f"http://{host.address}:{lab.env.ports['alertmanager']}"
        "/api/v2/alerts?active=true&silenced=false&inhibited=false"
    )


def monitoring_status(lab: Lab) -> dict[str, Any]:
    """Per region: Prometheus and Alertmanager ready, and the alerts firing (None when Alertmanager is down)."""
    result: dict[str, Any] = {}
    for region in lab.env.regions.values():
        host = region.with_role("monitoring")[0]
        ports = lab.env.ports
        status, alerts = http_json(firing_alerts_url(lab, region.name))
        firing = sorted(a["labels"].get("alertname", "?") for a in alerts) if status == 200 else None
        result[region.name] = {
            "prometheus": http_status(f"http://{host.address}:{ports['prometheus']}/-/ready") == 200,
            "alertmanager": http_status(f"http://{host.address}:{ports['alertmanager']}/-/ready") == 200,
            "alerts_firing": firing,
        }
    return result


def lab_memory(lab: Lab) -> dict[str, Any]:
    """Memory of everything the lab started, in MiB: totals and per component.

    "The lab's RSS" is the sum of the RSS of every process the lab started (each recorded PID and its
    descendants, each postmaster and its backends), so a shared page counts once in every process
    that maps it; PSS splits each shared page among the processes that map it, so its sum is what
    the lab really occupies. ``components`` breaks both down by service (``postgres``: every
    postmaster with its backends).
    """
    owners: dict[int, str] = {}
    for group in all_processes(lab).values():
        for process in group:
            pid = processes.running_pid(process)
            if pid is not None:
                component = process.name.split("-", 2)[-1]  # daejeon-db1-patroni -> patroni
                owners |= dict.fromkeys((pid, *processes.descendants(pid)), component)
    for host in lab.region_hosts("db"):
        postmaster = processes.postmaster_pid(Path(data_dir(lab.env, host)))
        if postmaster is not None:
            owners |= dict.fromkeys((postmaster, *processes.descendants(postmaster)), "postgres")
    components: dict[str, dict[str, float]] = {}
    total_rss = total_pss = 0
    for pid, component in owners.items():
        rss, pss = processes.memory_kib(pid)
        entry = components.setdefault(component, {"processes": 0, "rss_mib": 0.0, "pss_mib": 0.0})
        entry["processes"] += 1
        entry["rss_mib"] += rss / 1024
        entry["pss_mib"] += pss / 1024
        total_rss, total_pss = total_rss + rss, total_pss + pss
    for entry in components.values():
        entry["rss_mib"], entry["pss_mib"] = round(entry["rss_mib"], 1), round(entry["pss_mib"], 1)
    return {
        "processes": len(owners),
        "rss_mib": round(total_rss / 1024, 1),
        "pss_mib": round(total_pss / 1024, 1),
        "components": dict(sorted(components.items(), key=lambda item: -item[1]["rss_mib"])),
    }


def format_status(status: dict[str, Any]) -> str:
    """The status as an operator reads it at a glance."""
    if not status["running"]:
        return "lab: not running"
    lines = []
    for name, region in status["regions"].items():
        lines.append(
            f"{name} ({region['kind']}, {region['scope']}): sync standby {', '.join(region['sync_standby']) or '-'}"
        )
        if not region["members"]:
            lines.append("  no Patroni member answers")
        lines.append(
            f"  {'member':<14} {'host':<11} {'role':<15} {'state':<10} {'TL':>3} {'lag bytes':>10} {'lag s':>7}"
        )
        for m in region["members"]:
            lag_b = "-" if m["lag_bytes"] is None else str(m["lag_bytes"])
            lag_s = "-" if m["lag_seconds"] is None else f"{m['lag_seconds']:.2f}"
            lines.append(
                f"  {m['name']:<14} {m['host']:<11} {m['role']:<15} {m['state']:<10} {m['timeline'] or '-':>3} {lag_b:>10} {lag_s:>7}"
            )
    backup = status["last_backup"]
    lines.append(
        f"last backup: {backup['label']} ({backup['type']}) finished {backup['finished']}"
        if backup
        else "last backup: none"
    )
    for name, monitoring in status["monitoring"].items():
        firing = monitoring["alerts_firing"]
        lines.append(
            f"monitoring {name}: Prometheus {'up' if monitoring['prometheus'] else 'DOWN'}, "
            f"Alertmanager {'up' if monitoring['alertmanager'] else 'DOWN'}, "
            + ("alerts firing: ?" if firing is None else f"alerts firing: {len(firing)}")
            + (f" ({', '.join(firing)})" if firing else "")
        )
    memory = status["memory"]
    lines.append(
        f"memory: {memory['rss_mib']} MiB RSS summed over {memory['processes']} processes ({memory['pss_mib']} MiB PSS)"
    )
    for component, usage in memory["components"].items():
        lines.append(
            f"  {component:<18} {usage['processes']:>3} processes {usage['rss_mib']:>7.1f} MiB RSS {usage['pss_mib']:>7.1f} MiB PSS"
        )
    down = [name for name, pid in status["processes"].items() if pid is None]
    lines.append(
        f"processes: {sum(1 for pid in status['processes'].values() if pid)} running"
        + (f"; not running: {', '.join(down)}" if down else "")
    )
    return "\n".join(lines)
