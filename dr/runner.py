"""Run a drill: bring the lab to a healthy settled state, put it under load, run the scenario, measure, clean up.

A scenario (``dr.scenarios``) only injects its fault and states its expectations; everything every
drill measures is here: the user load and what it saw, the DR lag at the fault, topology before and
after, the alerts that fired, the RPO check in the database, and the report.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dr.cluster import DrillError, dr_lag, topology, wait_until_settled
from dr.load import SLOW_REQUEST_S, Load, missing_rows
from dr.report import Report
from infra import lab as lab_module
from infra import processes
from infra.lab import Lab, LabError, all_processes, fence_marker, http_json, wait_for
from infra.render import data_dir
from infra.status import firing_alerts_url
from infra.topology import Region

Echo = Callable[[str], None]
WARM_UP_WRITES = 5
ALERT_POLL_S = 1.0


class ExpectationFailed(RuntimeError):
    """A Then of the scenario did not hold; the drill stops here and fails with this message."""


@dataclass
class AlertWatch:
    """Polls every region's Alertmanager; remembers each alert that fires and was not firing at the start."""

    lab: Lab
    first_seen: dict[str, float] = field(default_factory=dict)
    already: set[str] = field(default_factory=set)
    stop_event: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def firing(self) -> set[str]:
        """``alertname (region)`` of every alert active now in any region's Alertmanager.

        Inhibited alerts count: they fired, Alertmanager only keeps them from paging (a RegionDown
        still active from an earlier drill inhibits the cluster alerts of that region).
        """
        names = set()
        for region in self.lab.env.regions:
            url = firing_alerts_url(self.lab, region).replace("&inhibited=false", "")
            status, alerts = http_json(url, timeout=1.5)
            if status == 200 and isinstance(alerts, list):
                names |= {
                    f"{alert['labels'].get('alertname', '?')} ({alert['labels'].get('region', '?')})"
                    for alert in alerts
                }
        return names

    def start(self) -> None:
        """Note what fires already, then poll in a thread until ``stop``."""
        self.already = self.firing()
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()

    def _poll(self) -> None:
        deadline = time.monotonic() + 1800
        while not self.stop_event.wait(ALERT_POLL_S) and time.monotonic() < deadline:
            for name in self.firing() - self.already:
                self.first_seen.setdefault(name, time.monotonic())

    def stop(self) -> None:
        """Stop polling."""
        self.stop_event.set()
        if self.thread is not None:
            self.thread.join(timeout=10)

    def seen(self, alertname: str, region: str) -> float | None:
        """When an ``alertname`` alert for ``region`` was first seen firing (monotonic), or None."""
        return self.first_seen.get(f"{alertname} ({region})")


@dataclass
class Drill:
    """What a scenario works with: the lab, the load, the alerts, the report it fills in."""

    lab: Lab
    report: Report
    load: Load
    alerts: AlertWatch
    echo: Echo
    # the region whose rw port answers the RPO check at the end (a DR activation moves it)
    data_region: Region | None = None
    fault_at: float | None = None
    keep_state: bool = False  # the scenario leaves the lab as the next one needs it (region loss → failback)
    rpo_must_be_zero: bool = (
        True  # False where losing the DR lag's writes is the expected price (region loss)
    )
    cleanups: list[Callable[[], None]] = field(default_factory=list)

    def step(self, text: str) -> None:
        """Note ``text`` in the timeline and tell the operator."""
        self.report.event(text)
        self.echo(f"  {self.report.timeline[-1]['t']:7.2f} s  {text}")

    def expect(self, holds: bool, failure: str) -> None:
        """A Then: record ``failure`` when it does not hold (the drill goes on measuring)."""
        if not holds:
            self.report.failures.append(failure)
            self.step(f"EXPECTATION FAILED: {failure}")

    def require(self, holds: bool, failure: str) -> None:
        """A Then the rest of the drill depends on: stop the drill when it does not hold."""
        if not holds:
            raise ExpectationFailed(failure)

    def wait(self, what: str, probe: Callable[[], Any], timeout: float, interval: float = 0.2) -> Any:
        """Wait (bounded) for ``probe``; a timeout fails the drill with ``what``."""
        try:
            result = wait_for(what, probe, timeout, interval)
        except LabError as error:
            raise ExpectationFailed(str(error)) from error
        self.step(what)
        return result

    def mark_fault(self, text: str) -> float:
        """The moment of the fault (RTO and the DR lag are measured against it)."""
        lag_bytes, lag_seconds = dr_lag(self.lab)
        self.report.dr_lag_bytes_at_fault = lag_bytes
        self.report.dr_lag_seconds_at_fault = None if lag_seconds is None else round(lag_seconds, 3)
        self.fault_at = time.monotonic()
        # wall-clock time, to read the drill against Patroni's, PostgreSQL's and HAProxy's logs
        self.report.measurements["fault_at_utc"] = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        self.step(f"FAULT: {text} (DR lag {lag_bytes} bytes, {lag_seconds} s)")
        return self.fault_at

    def measure_recovery(self, limit: float) -> float:
        """Wait (≤ ``limit``) for the first write sent after the fault to be acknowledged; records RTO."""
        if self.fault_at is None:
            raise DrillError("measure_recovery before mark_fault")
        fault = self.fault_at
        done = self.wait(
            "first write acknowledged after the fault",
            lambda: self.load.first_acknowledged_after(fault),
            limit,
            0.1,
        )
        self.report.rto_seconds = round(done - fault, 2)
        return float(done - fault)

    def writes_go_on(self, count: int = 5, timeout: float = 30) -> None:
        """Wait for ``count`` more acknowledged writes after the fault (the service really works again)."""
        since = self.fault_at or time.monotonic()
        self.wait(
            f"{count} writes acknowledged after the fault",
            lambda: self.load.acknowledged_since(since) >= count,
            timeout,
        )


@dataclass(frozen=True)
class Scenario:
    """A drill: Given / When / Then with explicit time bounds, and the code that runs the When."""

    number: int
    slug: str
    title: str
    given: str
    when: str
    then: tuple[str, ...]
    run: Callable[[Drill], None]
    needs: str = "healthy"  # "healthy" or "dr-active" (gwangju promoted, daejeon fenced)


def app_url(lab: Lab, region: Region) -> str:
    """The first app instance of ``region``."""
    host = region.with_role("app")[0]
    return f"http://{host.address}:{lab.env.ports['app']}"


def lab_is_dr_active(lab: Lab) -> bool:
    """Whether a DR activation happened: the primary region is fenced."""
    return fence_marker(lab.primary_region.name).exists()


def all_running(lab: Lab) -> bool:
    """Whether every lab process and every postmaster runs."""
    postmasters = (processes.postmaster_pid(Path(data_dir(lab.env, host))) for host in lab.region_hosts("db"))
    return all(
        processes.running_pid(process) for group in all_processes(lab).values() for process in group
    ) and all(postmasters)


def restart_stopped(lab: Lab) -> list[str]:
    """Start every lab process that does not run, etcd first, with the configs the hosts have.

    What a drill killed comes back (an old leader rejoins as a replica, rewound if needed) without
    `lab up`'s re-rendering, migrating and seeding, which a restart does not need.
    """
    started = []
    for group in reversed(all_processes(lab).values()):
        for process in group:
            if processes.running_pid(process) is None:
                processes.start(process)
                started.append(process.name)
    return started


def ensure_healthy_lab(echo: Echo) -> Lab:
    """A running, settled lab in its normal topology; a fenced or broken one is rebuilt from scratch."""
    lab = Lab.load()
    if lab_is_dr_active(lab):
        echo("lab: the primary region is fenced after a DR activation; rebuilding the lab from scratch")
        lab_module.down(purge=True, echo=echo)
    try:
        if not all_running(lab):  # `lab up` on a complete lab re-renders and re-migrates: ≈ 30 s for nothing
            lab_module.up(echo=echo)
            lab = Lab.load()
        wait_until_settled(lab)
    except LabError as error:
        echo(f"lab: not healthy ({error}); rebuilding it from scratch")
        lab_module.down(purge=True, echo=echo)
        lab_module.up(echo=echo)
        lab = Lab.load()
        wait_until_settled(lab)
    return lab


def _finish_measurements(drill: Drill) -> None:
    report, load, lab = drill.report, drill.load, drill.lab
    requests = load.snapshot()
    report.requests = load.outcomes()
    report.failed_requests = sum(not r.acknowledged for r in requests)
    report.slow_requests = sum(r.seconds > SLOW_REQUEST_S for r in requests)
    report.acknowledged_writes = sum(r.kind == "write" and r.acknowledged for r in requests)
    if report.write_pause_seconds is None:
        report.write_pause_seconds = round(load.longest_write_pause(), 2)
    if drill.fault_at is not None:
        # the same measure before the fault: what the load's own pace and the machine's load give
        pause = load.longest_write_pause(until=drill.fault_at)
        report.measurements["write_pause_before_fault_s"] = round(pause, 2)
        # where the longest pause lies, in seconds after the fault (its breakdown in docs/benchmarks.md)
        window = load.longest_write_pause_window()
        if window:
            report.measurements["write_pause_window_s"] = [round(at - drill.fault_at, 2) for at in window]
    report.alerts_fired = sorted(drill.alerts.first_seen)
    report.measurements["alerts_first_seen_after_fault_s"] = {
        name: round(at - drill.fault_at, 1) for name, at in drill.alerts.first_seen.items() if drill.fault_at
    }
    region = drill.data_region or lab.primary_region
    rows = load.acknowledged_rows()
    try:
        missing = missing_rows(lab, lab.haproxy_of(region).address, lab.env.ports["haproxy_rw"], rows)
    except Exception as error:
        report.failures.append(f"RPO check through {region.name}'s rw port failed: {error}")
        return
    report.rpo_missing_writes = len(missing)
    drill.step(f"RPO check: {len(rows)} acknowledged writes, {len(missing)} missing in {region.name}")
    drill.expect(
        not missing or not drill.rpo_must_be_zero,
        f"{len(missing)} acknowledged writes are missing in {region.name}: {missing[:5]}",
    )


def run(scenario: Scenario, echo: Echo = print, keep_dr_state: bool = False) -> Report:
    """Run ``scenario`` once and write its report; the lab is left healthy (or torn down) afterwards."""
    report = Report(
        scenario.slug, scenario.number, scenario.title, scenario.given, scenario.when, list(scenario.then)
    )
    echo(f"drill {scenario.number} {scenario.slug}: {scenario.title}")
    lab = Lab.load()
    drill: Drill | None = None
    try:
        dr_active = lab_is_dr_active(lab)
        lab = ensure_healthy_lab(echo) if scenario.needs == "healthy" or not dr_active else lab
        report.event("given: lab up and settled")
        # users write where the service runs: daejeon, or gwangju after a DR activation
        serving = lab.standby_regions[0] if scenario.needs == "dr-active" else lab.primary_region
        load = Load(lab, app_url(lab, serving))
        drill = Drill(lab, report, load, AlertWatch(lab), echo, data_region=serving)
        if scenario.needs == "dr-active" and not dr_active:
            from dr.scenarios import prepare_dr_active

            prepare_dr_active(drill)
        report.topology_before = topology(lab)
        drill.alerts.start()
        load.start()
        drill.wait(
            f"{WARM_UP_WRITES} writes acknowledged before the fault",
            lambda: load.acknowledged_since(0) >= WARM_UP_WRITES,
            60,
        )
        scenario.run(drill)
    except (ExpectationFailed, DrillError, LabError) as error:
        report.failures.append(str(error))
        echo(f"  FAILED: {error}")
    finally:
        if drill is not None:
            drill.load.stop()
            drill.alerts.stop()
            _finish_measurements(drill)
            report.topology_after = topology(lab)
            for cleanup in reversed(drill.cleanups):
                try:
                    cleanup()
                except Exception as error:
                    report.failures.append(f"clean-up failed: {error}")
        report.finish()
        _restore(scenario, drill, report, echo, keep_dr_state)
        json_path, markdown_path = report.write()
        echo(f"  {'PASSED' if report.passed else 'FAILED'}; report {json_path} and {markdown_path.name}")
    return report


def _restore(
    scenario: Scenario, drill: Drill | None, report: Report, echo: Echo, keep_dr_state: bool
) -> None:
    """Leave the lab healthy: restart what the drill stopped; tear it down if that does not work."""
    lab = Lab.load()
    if lab_is_dr_active(lab):
        if keep_dr_state and report.passed and drill is not None and drill.keep_state:
            echo("  lab left with gwangju active for the failback drill")
            return
        echo("  daejeon stays fenced: tearing the lab down (the next drill starts it afresh)")
        lab_module.down(purge=True, echo=lambda _: None)
        return
    try:
        restarted = restart_stopped(lab)
        wait_until_settled(lab)
        report.event(
            f"clean-up: restarted {', '.join(restarted) or 'nothing'}; lab healthy and settled again"
        )
    except LabError as error:
        report.failures.append(f"clean-up: the lab did not settle ({error}); torn down")
        report.passed = False
        with contextlib.suppress(Exception):
            lab_module.down(purge=True, echo=lambda _: None)
