"""Failback after a DR activation (``lofin-ops dr failback``, ``runbooks/failback.md``).

Part A, no downtime: daejeon becomes a standby cluster of gwangju (a permanent slot on gwangju,
daejeon's DCS pointed at gwangju's HAProxy rw port, its stale data directories moved aside, its
nodes copied afresh). Part B, the window: gwangju's app stops taking writes, gwangju is demoted to
a standby cluster of daejeon (Patroni's ``demote-cluster``: a clean shutdown whose last WAL reaches
daejeon), daejeon has replayed exactly as far as gwangju wrote, daejeon is promoted, the apps start.
No acknowledged write can be lost: writes stop before the demotion and daejeon is promoted only
once it has replayed gwangju's last WAL.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg

from dr.cluster import (
    DrillError,
    delete_dcs_keys,
    member_with_role,
    members,
    patroni_request,
    read_dcs_config,
    standby_cluster_of,
    standby_streaming,
    writable_through,
    write_dcs_config,
)
from infra.lab import (
    Lab,
    LabError,
    etcd_healthy,
    fence_marker,
    http_json,
    sql,
    start_host,
    stop_host,
    wait_for,
)
from infra.render import data_dir

if TYPE_CHECKING:
    from dr.load import Load

Step = Callable[[str], None]
REBUILD_LIMIT_S = 120
SWITCH_LIMIT_S = 30
CAUGHT_UP_BYTES = 1024 * 1024


def _wait(step: Step, what: str, probe: Callable[[], object], timeout: float) -> None:
    try:
        wait_for(what, probe, timeout, 0.3)
    except LabError as error:
        raise DrillError(str(error)) from error
    step(what)


def _replay_lsn(lab: Lab, address: str) -> int | None:
    try:
        ((lsn,),) = sql(lab, address, lab.env.ports["postgres"], "SELECT pg_last_wal_replay_lsn() - '0/0'")
    except psycopg.Error:
        return None
    return None if lsn is None else int(lsn)


def _current_lsn(lab: Lab, address: str) -> int | None:
    try:
        ((lsn,),) = sql(lab, address, lab.env.ports["haproxy_rw"], "SELECT pg_current_wal_lsn() - '0/0'")
    except psycopg.Error:
        return None
    return int(lsn)


def _apps_ready(lab: Lab, region_name: str) -> bool:
    """Every app instance of the region says ``ready`` (writable), not ``read-only``."""
    for host in lab.region(region_name).with_role("app"):
        _, body = http_json(f"http://{host.address}:{lab.env.ports['app']}/health/ready")
        if not isinstance(body, dict) or body.get("status") != "ready":
            return False
    return True


def rebuild_as_standby(lab: Lab, step: Step) -> None:
    """Part A: daejeon becomes a standby cluster of gwangju, caught up. No downtime for users."""
    daejeon, gwangju = lab.primary_region, lab.standby_regions[0]
    if not writable_through(lab, gwangju):
        raise DrillError(f"{gwangju.name} is not the primary: there was no DR activation to fail back from")
    leader = member_with_role(lab, gwangju, "leader")
    slot = f"standby_{daejeon.name}"
    patroni_request(lab, leader, "PATCH", "/config", {"slots": {slot: {"type": "physical"}}})
    step(f"gwangju keeps WAL for daejeon: permanent slot {slot}")

    for host in daejeon.with_role("etcd"):
        start_host(lab, host, ("etcd",))
    _wait(step, "daejeon's etcd healthy", lambda: etcd_healthy(lab, daejeon.with_role("etcd")[0]), 30)
    for host in daejeon.with_role("db"):
        stop_host(lab, host, ("patroni",), timeout=10)
    config = read_dcs_config(lab, daejeon)
    if config is None:
        raise DrillError("daejeon's etcd has no quorum")
    config["standby_cluster"] = standby_cluster_of(lab, gwangju, slot)
    write_dcs_config(lab, daejeon, config)
    delete_dcs_keys(lab, daejeon, "leader", "initialize", "sync", "failsafe", "status")
    step("daejeon's DCS: a standby cluster of gwangju, to be bootstrapped again")

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    for host in daejeon.with_role("db"):
        directory = Path(data_dir(lab.env, host))
        if directory.exists():
            directory.rename(directory.with_name(f"{directory.name}.before-failback-{stamp}"))
    step(f"daejeon's stale data directories moved aside (*.before-failback-{stamp})")

    fence_marker(daejeon.name).unlink(missing_ok=True)
    first, *others = daejeon.with_role("db")
    start_host(lab, first, ("patroni",))
    _wait(
        step,
        f"{first.name} standby leader streaming from gwangju",
        lambda: any(
            m["name"] == first.name and m.get("role") == "standby_leader" and m.get("state") == "streaming"
            for m in members(lab, daejeon)
        ),
        REBUILD_LIMIT_S,
    )
    for host in others:
        start_host(lab, host, ("patroni",))
    for host in daejeon.with_role("haproxy"):
        start_host(lab, host, ("haproxy",))
    _wait(step, "every daejeon member streaming", lambda: standby_streaming(lab, daejeon), REBUILD_LIMIT_S)
    gwangju_rw = lab.haproxy_of(gwangju).address

    def caught_up() -> bool:
        source, replay = _current_lsn(lab, gwangju_rw), _replay_lsn(lab, first.address)
        return source is not None and replay is not None and source - replay < CAUGHT_UP_BYTES

    _wait(step, "daejeon caught up with gwangju", caught_up, REBUILD_LIMIT_S)


def switch_back(lab: Lab, step: Step) -> float:
    """Part B, in the window: stop gwangju's writes, demote it, promote daejeon; returns the write window in s."""
    daejeon, gwangju = lab.primary_region, lab.standby_regions[0]
    window = time.monotonic()
    for host in gwangju.with_role("app"):
        stop_host(lab, host, ("app",), timeout=10)
    step("window opens: gwangju's app stopped (users see the maintenance page)")
    leader = member_with_role(lab, gwangju, "leader")
    patroni_request(
        lab,
        leader,
        "PATCH",
        "/config",
        {"standby_cluster": standby_cluster_of(lab, daejeon, gwangju.slot_name)},
    )
    _wait(
        step,
        "gwangju demoted to a standby cluster (no leader in either region)",
        lambda: (
            any(m.get("role") == "standby_leader" for m in members(lab, gwangju))
            and not any(m.get("role") == "leader" for m in members(lab, gwangju))
        ),
        SWITCH_LIMIT_S,
    )
    daejeon_leader = member_with_role(lab, daejeon, "standby_leader")

    def replayed_everything() -> bool:
        theirs, ours = _replay_lsn(lab, leader.address), _replay_lsn(lab, daejeon_leader.address)
        return theirs is not None and ours is not None and ours >= theirs

    _wait(step, "daejeon replayed gwangju's last WAL", replayed_everything, SWITCH_LIMIT_S)
    patroni_request(lab, daejeon_leader, "PATCH", "/config", {"standby_cluster": None})
    _wait(step, "daejeon promoted and writable", lambda: writable_through(lab, daejeon), SWITCH_LIMIT_S)
    for host in daejeon.with_role("app") + gwangju.with_role("app"):
        start_host(lab, host, ("app",))
    _wait(step, "daejeon's apps ready", lambda: _apps_ready(lab, daejeon.name), SWITCH_LIMIT_S)
    seconds = time.monotonic() - window
    step(f"window closes: writes through daejeon again ({seconds:.1f} s)")
    return seconds


def tidy(lab: Lab, step: Step) -> None:
    """gwangju back to a plain standby cluster: no slot for daejeon, no primary-only settings."""
    gwangju = lab.standby_regions[0]
    _wait(step, "gwangju streaming from daejeon", lambda: standby_streaming(lab, gwangju), REBUILD_LIMIT_S)
    leader = member_with_role(lab, gwangju, "standby_leader")
    patroni_request(
        lab,
        leader,
        "PATCH",
        "/config",
        {
            "slots": {f"standby_{lab.primary_region.name}": None},
            "synchronous_mode": None,
            "synchronous_mode_strict": None,
            "synchronous_node_count": None,
            "failsafe_mode": None,
        },
    )
    step("gwangju's configuration tidied back to a plain standby cluster")


def failback(lab: Lab, step: Step, load: Load | None = None) -> dict[str, float]:
    """Both parts and the tidy-up; returns how long each took. ``load`` (a drill's) follows the switch."""
    started = time.monotonic()
    rebuild_as_standby(lab, step)
    rebuilt = time.monotonic()
    window = switch_back(lab, step)
    if load is not None:
        load.retarget(f"http://{lab.primary_region.with_role('app')[0].address}:{lab.env.ports['app']}")
    tidy(lab, step)
    return {
        "rebuild_s": rebuilt - started,
        "write_window_s": window,
        "failback_total_s": time.monotonic() - started,
    }
