"""The seven BCP drills of issue 5, each a Given / When / Then with explicit time bounds.

The bounds are the issue's targets (RTO ≤ 20 s after a primary crash, a switchover's write pause
≤ 3 s, DR writable ≤ 60 s after the activation starts) and, where the issue names none, what the
lab's Patroni timing allows (``infra/topology.toml``: ttl 20 s, loop_wait 5 s).
"""

from __future__ import annotations

import signal
import time
from pathlib import Path
from urllib.parse import urlencode

from dr import pitr
from dr.cluster import (
    activate,
    fence,
    kill_database_node,
    leader_name,
    member_with_role,
    members,
    patroni_request,
    switch_over,
    wait_until_settled,
)
from dr.failback import failback
from dr.runner import Drill, Scenario, app_url
from infra import processes
from infra.lab import (
    LabError,
    etcd_healthy,
    etcd_process,
    host_processes,
    http_json,
    http_status,
    patroni_process,
    sql,
    start_host,
    stop_host,
)
from infra.render import data_dir
from infra.topology import Host

PRIMARY_CRASH_RTO_S = 20
FAILOVER_LIMIT_S = 40  # how long the drill waits before it calls the failover failed
ALERT_LIMIT_S = 40  # ttl 20 s, a 5 s scrape, a 5 s evaluation and the push to Alertmanager
SWITCHOVER_PAUSE_S = 3.0
SYNC_LOSS_PAUSE_S = 10.0  # Patroni names the other replica synchronous within a loop or two
ETCD_MEMBER_LOSS_HOLD_S = 10
ETCD_QUORUM_LOSS_HOLD_S = 30  # longer than the ttl: without failsafe mode the primary would demote
ETCD_PAUSE_S = 3.0
DR_WRITABLE_S = 60
DR_LAG_LIMIT_S = 1.0
SPLIT_BRAIN_WATCH_S = 15


# ---------------------------------------------------------------- 1 primary crash


def _monitoring_has_seen_every_member(drill: Drill) -> bool:
    """daejeon's Prometheus scraped ``patroni_primary`` of each member twice in the last 30 s (not only before a restart)."""
    lab, region = drill.lab, drill.lab.primary_region
    host = region.with_role("monitoring")[0]
    expr = f'count(count_over_time(patroni_primary{{region="{region.name}"}}[30s]) >= 2)'
    url = f"http://{host.address}:{lab.env.ports['prometheus']}/api/v1/query?" + urlencode({"query": expr})
    status, body = http_json(url, timeout=3)
    result = body.get("data", {}).get("result", []) if status == 200 and isinstance(body, dict) else []
    return bool(result) and int(float(result[0]["value"][1])) == len(region.with_role("db"))


def primary_crash(drill: Drill) -> None:
    lab, region = drill.lab, drill.lab.primary_region
    drill.wait(
        "given: daejeon's Prometheus has scraped every member twice",
        lambda: _monitoring_has_seen_every_member(drill),
        60,
        1.0,
    )
    old = member_with_role(lab, region, "leader")
    drill.mark_fault(f"kill -9 of {old.name}'s Patroni and postmaster")
    kill_database_node(lab, old)
    drill.wait(
        "a new daejeon leader",
        lambda: (name := leader_name(lab, region)) is not None and name != old.name and name,
        FAILOVER_LIMIT_S,
    )
    drill.report.measurements["new_leader_after_s"] = round(time.monotonic() - (drill.fault_at or 0.0), 1)
    rto = drill.measure_recovery(FAILOVER_LIMIT_S)
    drill.writes_go_on()
    drill.expect(rto <= PRIMARY_CRASH_RTO_S, f"RTO {rto:.1f} s is over the {PRIMARY_CRASH_RTO_S} s target")
    statuses = drill.load.outcomes()["write"]
    drill.expect("500" not in statuses, f"the app answered 500 to {statuses.get('500')} writes")
    fault = drill.fault_at or 0.0
    if f"PatroniLeaderChanged ({region.name})" in drill.alerts.already:
        # it stays active 10 min after any leader change: an earlier drill's would answer for this one
        drill.step("PatroniLeaderChanged was already active before the fault: not checked this time")
    else:
        seen = drill.wait(
            "PatroniLeaderChanged firing",
            lambda: drill.alerts.seen("PatroniLeaderChanged", region.name),
            max(1.0, ALERT_LIMIT_S - (time.monotonic() - fault)),
            0.5,
        )
        drill.report.measurements["alert_leader_changed_after_s"] = round(seen - fault, 1)


# ---------------------------------------------------------------- 2 planned switchover


def planned_switchover(drill: Drill) -> None:
    lab, region = drill.lab, drill.lab.primary_region
    drill.mark_fault("patronictl-style switchover to the synchronous standby (REST POST /switchover)")
    old, candidate = switch_over(lab, region)
    drill.step(f"Patroni accepted the switchover {old} → {candidate}")
    drill.wait(f"{candidate} leading", lambda: leader_name(lab, region) == candidate, 30)
    drill.measure_recovery(30)
    drill.writes_go_on()
    pause = drill.load.longest_write_pause()
    drill.report.write_pause_seconds = round(pause, 2)
    drill.expect(
        pause <= SWITCHOVER_PAUSE_S, f"writes paused {pause:.1f} s, over the {SWITCHOVER_PAUSE_S} s target"
    )
    failed = [r for r in drill.load.snapshot() if not r.acknowledged]
    drill.expect(not failed, f"{len(failed)} requests failed during the switchover: {drill.load.outcomes()}")


# ---------------------------------------------------------------- 3 synchronous replica loss


def sync_replica_loss(drill: Drill) -> None:
    lab, region = drill.lab, drill.lab.primary_region
    leader = leader_name(lab, region)
    sync = member_with_role(lab, region, "sync_standby")
    drill.mark_fault(f"kill -9 of the synchronous standby {sync.name}")
    kill_database_node(lab, sync)
    drill.wait(
        "another member named synchronous standby",
        lambda: any(m.get("role") == "sync_standby" and m["name"] != sync.name for m in members(lab, region)),
        30,
    )
    drill.measure_recovery(30)
    drill.writes_go_on()
    pause = drill.load.longest_write_pause()
    drill.report.write_pause_seconds = round(pause, 2)
    drill.expect(leader_name(lab, region) == leader, f"the leader changed from {leader}")
    drill.expect(pause <= SYNC_LOSS_PAUSE_S, f"writes paused {pause:.1f} s, over {SYNC_LOSS_PAUSE_S} s")
    failed = [r for r in drill.load.snapshot() if not r.acknowledged]
    drill.expect(not failed, f"{len(failed)} requests failed: {drill.load.outcomes()}")


# ---------------------------------------------------------------- 4 etcd member loss, then quorum loss


def _hold(drill: Drill, seconds: float, leader: str) -> None:
    """Keep writing for ``seconds``: the leader must stay primary, writes must keep being acknowledged."""
    lab = drill.lab
    primary = lab.env.host(leader)
    since = time.monotonic()
    deadline = since + seconds
    while time.monotonic() < deadline:
        time.sleep(1.0)
        drill.require(
            http_status(f"http://{primary.address}:{lab.env.ports['patroni']}/primary", timeout=2) == 200,
            f"{leader} stopped answering as primary {time.monotonic() - since:.0f} s into the hold",
        )
    pause = drill.load.longest_write_pause(since)
    drill.step(
        f"held {seconds} s: {drill.load.acknowledged_since(since)} writes acknowledged, longest pause {pause:.1f} s"
    )
    drill.expect(
        pause <= ETCD_PAUSE_S, f"writes paused {pause:.1f} s while etcd was degraded (limit {ETCD_PAUSE_S} s)"
    )


def _kill_etcd(drill: Drill, host: Host) -> None:
    pid = processes.running_pid(etcd_process(drill.lab, host))
    drill.require(pid is not None, f"etcd on {host.name} does not run")
    processes.send([pid] if pid else [], signal.SIGKILL)


def etcd_loss(drill: Drill) -> None:
    lab, region = drill.lab, drill.lab.primary_region
    leader = member_with_role(lab, region, "leader").name
    etcd_hosts = region.with_role("etcd")
    first, second = etcd_hosts[-1], etcd_hosts[-2]

    def restart_etcd() -> None:
        for host in (first, second):
            start_host(lab, host, ("etcd",))

    drill.cleanups.append(restart_etcd)
    drill.mark_fault(f"kill -9 of the etcd member on {first.name}")
    _kill_etcd(drill, first)
    _hold(drill, ETCD_MEMBER_LOSS_HOLD_S, leader)
    drill.expect(leader_name(lab, region) == leader, "the leader changed after losing one etcd member")

    drill.step(f"kill -9 of the etcd member on {second.name}: quorum lost")
    _kill_etcd(drill, second)
    drill.wait("daejeon's etcd without quorum", lambda: not any(etcd_healthy(lab, h) for h in etcd_hosts), 15)
    _hold(drill, ETCD_QUORUM_LOSS_HOLD_S, leader)
    failsafe = patroni_request(lab, lab.env.host(leader), "GET", "/failsafe")
    drill.step(f"failsafe mode active: {sorted(failsafe) if isinstance(failsafe, dict) else failsafe}")
    drill.expect(
        isinstance(failsafe, dict) and len(failsafe) == 3, f"/failsafe lists {failsafe}, not all 3 members"
    )

    drill.step("restoring etcd: starting the two members again")
    for host in (first, second):
        start_host(lab, host, ("etcd",))
    drill.wait("daejeon's etcd healthy again", lambda: all(etcd_healthy(lab, h) for h in etcd_hosts), 30)
    drill.wait("the leader key renewed", lambda: leader_name(lab, region) == leader, 30)
    failed = [r for r in drill.load.snapshot() if not r.acknowledged]
    drill.expect(not failed, f"{len(failed)} requests failed: {drill.load.outcomes()}")


# ---------------------------------------------------------------- 5 region loss → DR activation


def _kill_region(drill: Drill) -> None:
    """Every process of daejeon dies at once: the region is gone (power, network)."""
    lab, region = drill.lab, drill.lab.primary_region
    pids = [
        pid
        for host in region.hosts
        for process in host_processes(lab, host)
        if (pid := processes.running_pid(process)) is not None
    ]
    postmasters = [
        pid
        for host in region.with_role("db")
        if (pid := processes.postmaster_pid(Path(data_dir(lab.env, host)))) is not None
    ]
    processes.send(pids + postmasters, signal.SIGKILL)


def region_loss(drill: Drill) -> None:
    lab = drill.lab
    daejeon, gwangju = lab.primary_region, lab.standby_regions[0]
    drill.rpo_must_be_zero = False
    drill.keep_state = True
    drill.mark_fault(
        "daejeon lost: kill -9 of every daejeon process (etcd, Patroni, PostgreSQL, HAProxy, apps, monitoring)"
    )
    _kill_region(drill)
    lag = drill.report.dr_lag_seconds_at_fault
    drill.expect(
        lag is not None and lag <= DR_LAG_LIMIT_S, f"DR lag at the fault {lag} s, over {DR_LAG_LIMIT_S} s"
    )
    time.sleep(2)

    procedure = time.monotonic()
    drill.step("procedure starts (runbooks/dr-activation.md): lofin-ops dr fence daejeon")
    result = fence(lab, daejeon.name)
    drill.step(
        f"fence: stopped {result.stopped or 'nothing (all dead)'}; DCS marked: {result.dcs_fenced}; "
        f"still primary: {result.still_primary}; open ports: {result.open_ports}"
    )
    drill.require(result.complete, f"daejeon is not fenced: {result}")
    drill.step("lofin-ops dr activate gwangju")
    promoted = activate(lab, gwangju.name)
    drill.step(f"gwangju writable through its HAProxy rw port ({promoted:.1f} s after the PATCH)")
    drill.data_region = gwangju
    drill.load.retarget(app_url(lab, gwangju))
    done = drill.wait(
        "first write acknowledged by gwangju's app",
        lambda: drill.load.first_acknowledged_after(procedure),
        DR_WRITABLE_S,
        0.2,
    )
    writable = done - procedure
    drill.report.rto_seconds = round(done - (drill.fault_at or procedure), 2)
    drill.report.measurements["dr_writable_after_procedure_start_s"] = round(writable, 2)
    drill.expect(
        writable <= DR_WRITABLE_S,
        f"DR writable {writable:.1f} s after the procedure started, over {DR_WRITABLE_S} s",
    )
    drill.writes_go_on(10, 30)
    _prove_no_split_brain(drill)


def _prove_no_split_brain(drill: Drill) -> None:
    """Power returns to daejeon: its etcd comes back, the fence is re-applied, a node is started anyway."""
    lab, daejeon = drill.lab, drill.lab.primary_region
    db1 = daejeon.with_role("db")[0]
    for host in daejeon.with_role("etcd"):
        start_host(lab, host, ("etcd",))
    drill.wait("daejeon's etcd back (power returned)", lambda: etcd_healthy(lab, db1), 30)
    result = fence(lab, daejeon.name)
    drill.require(result.dcs_fenced, "the fence could not mark daejeon's DCS although its etcd answers")
    drill.step("fence re-applied: daejeon's DCS now makes it a standby cluster of gwangju")
    try:
        start_host(lab, db1, ("patroni",))
        drill.expect(False, f"`lofin-ops lab start {db1.name}` started Patroni in fenced daejeon")
    except LabError as error:
        drill.step(f"`lofin-ops lab start {db1.name}` refused: {error}")
    drill.step(f"an operator starts {db1.name}'s Patroni by hand anyway (bypassing the mask)")
    processes.start(patroni_process(lab, db1))
    drill.cleanups.append(lambda: _stop_rogue(drill))
    deadline = time.monotonic() + SPLIT_BRAIN_WATCH_S
    primary_seen = False
    while time.monotonic() < deadline:
        primary_seen |= (
            http_status(f"http://{db1.address}:{lab.env.ports['patroni']}/primary", timeout=1) == 200
        )
        time.sleep(0.5)
    try:
        rows = sql(lab, db1.address, lab.env.ports["postgres"], "SELECT pg_is_in_recovery()")
        state = "in recovery (read-only)" if rows == [(True,)] else "WRITABLE"
    except Exception as error:
        rows, state = [], f"not accepting connections ({type(error).__name__})"
    drill.step(
        f"{db1.name} after {SPLIT_BRAIN_WATCH_S} s: /primary seen 200: {primary_seen}; PostgreSQL {state}"
    )
    drill.report.measurements["split_brain_probe"] = {
        "node": db1.name,
        "primary_seen": primary_seen,
        "postgres": state,
    }
    drill.expect(
        not primary_seen and rows != [(False,)], f"split brain: {db1.name} took writes after the fence"
    )


def _stop_rogue(drill: Drill) -> None:
    db1 = drill.lab.primary_region.with_role("db")[0]
    stop_host(drill.lab, db1, ("patroni",), timeout=10)


def prepare_dr_active(drill: Drill) -> None:
    """Given for the failback drill when it runs alone: daejeon lost and gwangju activated, quickly."""
    lab = drill.lab
    drill.step("given: no DR activation yet — losing daejeon and activating gwangju first")
    wait_until_settled(lab)
    _kill_region(drill)
    fence(lab, lab.primary_region.name)
    activate(lab, lab.standby_regions[0].name)
    drill.step("given: gwangju active, daejeon fenced")


# ---------------------------------------------------------------- 6 failback


def failback_drill(drill: Drill) -> None:
    lab = drill.lab
    gwangju = lab.standby_regions[0]
    drill.data_region = gwangju
    drill.load.retarget(app_url(lab, gwangju))
    drill.wait(
        "writes acknowledged by gwangju's app",
        lambda: drill.load.acknowledged_since(time.monotonic() - 1) > 0,
        60,
    )
    drill.mark_fault("failback starts: daejeon rebuilt as a standby cluster of gwangju")
    timings = failback(lab, drill.step, drill.load)
    drill.data_region = lab.primary_region
    drill.load.retarget(app_url(lab, lab.primary_region))
    drill.report.measurements.update({key: round(value, 1) for key, value in timings.items()})
    drill.report.rto_seconds = round(timings.get("write_window_s", 0.0), 2)
    drill.writes_go_on(10, 60)


# ---------------------------------------------------------------- 7 point-in-time restore


def point_in_time_restore(drill: Drill) -> None:
    pitr.drill_restore(drill)


SCENARIOS = (
    Scenario(
        1,
        "primary-crash",
        "Primary node crash",
        "daejeon settled (leader, synchronous standby, replica), gwangju streaming, writes and reads through the app",
        "the leader's Patroni and postmaster are killed with kill -9",
        (
            f"a new leader within {FAILOVER_LIMIT_S} s and the first write acknowledged ≤ {PRIMARY_CRASH_RTO_S} s after the fault",
            "0 acknowledged writes lost; the app never answers 500",
            f"PatroniLeaderChanged fires within {ALERT_LIMIT_S} s",
        ),
        primary_crash,
    ),
    Scenario(
        2,
        "switchover",
        "Planned switchover",
        "daejeon settled, writes and reads through the app",
        "the leadership is handed to the synchronous standby through Patroni's REST API",
        (
            f"the candidate leads within 30 s; the longest pause between acknowledged writes ≤ {SWITCHOVER_PAUSE_S} s",
            "0 failed requests, 0 acknowledged writes lost",
        ),
        planned_switchover,
    ),
    Scenario(
        3,
        "sync-replica-loss",
        "Synchronous replica loss",
        "daejeon settled with a synchronous standby and a replica, writes through the app",
        "the synchronous standby's Patroni and postmaster are killed with kill -9",
        (
            "the replica becomes the synchronous standby within 30 s; the leader stays",
            f"writes go on: pause ≤ {SYNC_LOSS_PAUSE_S} s, 0 failed requests, 0 acknowledged writes lost",
        ),
        sync_replica_loss,
    ),
    Scenario(
        4,
        "etcd-loss",
        "etcd member loss, then etcd quorum loss",
        "daejeon settled, its 3 etcd members healthy, Patroni failsafe_mode on",
        f"one etcd member is killed ({ETCD_MEMBER_LOSS_HOLD_S} s), then a second (quorum lost, {ETCD_QUORUM_LOSS_HOLD_S} s), then both restarted",
        (
            "the leader stays primary throughout (failsafe mode while all members see each other)",
            f"writes go on (pause ≤ {ETCD_PAUSE_S} s), 0 failed requests, 0 acknowledged writes lost",
            "etcd healthy and the leader key renewed within 30 s of the restart",
        ),
        etcd_loss,
    ),
    Scenario(
        5,
        "region-loss",
        "Whole primary region lost → DR activation",
        f"daejeon primary, gwangju standby cluster streaming (lag ≤ {DR_LAG_LIMIT_S} s), writes through daejeon's app",
        "every daejeon process is killed; the operator fences daejeon and activates gwangju (lofin-ops dr fence / activate)",
        (
            f"gwangju's app acknowledges writes ≤ {DR_WRITABLE_S} s after the procedure starts",
            "RPO reported: acknowledged writes missing in gwangju and the DR lag at the fault",
            f"no split brain: with daejeon's etcd back, a daejeon node started by hand stays read-only for {SPLIT_BRAIN_WATCH_S} s",
        ),
        region_loss,
    ),
    Scenario(
        6,
        "failback",
        "Failback to daejeon",
        "gwangju active after a DR activation, daejeon fenced, writes through gwangju's app",
        "daejeon is rebuilt as a standby cluster of gwangju, then switched back in a window (lofin-ops dr failback)",
        (
            "daejeon leads again with a synchronous standby; gwangju is its standby cluster again",
            "0 acknowledged writes lost; writes resume through daejeon's app",
        ),
        failback_drill,
        needs="dr-active",
    ),
    Scenario(
        7,
        "pitr",
        "Point-in-time restore",
        "daejeon settled, WAL archived to the pgBackRest repository at gwangju, writes through the app",
        "a moment is recorded between writes; pgBackRest restores to it into a scratch instance on a free loopback port",
        (
            "the scratch instance stops recovery at the recorded time and opens",
            "its drill accounts and audit events equal the source's as of that time, row for row",
            "the scratch instance is removed afterwards",
        ),
        point_in_time_restore,
    ),
)

BY_SLUG = {scenario.slug: scenario for scenario in SCENARIOS}
