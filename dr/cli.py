"""``lofin-ops drill ...`` (the BCP drills) and ``lofin-ops dr ...`` (the DR operator commands the runbooks use)."""

from __future__ import annotations

import sys

import click

from dr import cluster, failback
from dr.report import Report
from dr.scenarios import BY_SLUG, SCENARIOS
from infra.lab import Lab, LabError
from infra.topology import load

REGION = click.Choice(list(load("lab").regions))

SUMMARY_HEADER = f"{'#':>2}  {'scenario':<18} {'result':<7} {'RTO s':>7} {'pause s':>8} {'RPO':>4} {'lag s':>6} {'failed':>6} {'slow':>5}"


def _value(value: float | int | None) -> str:
    return "-" if value is None else (f"{value:.1f}" if isinstance(value, float) else str(value))


def summary_table(reports: list[Report]) -> str:
    """One line per drill: result, RTO, write pause, RPO (missing acknowledged writes), DR lag, failed and slow."""
    lines = [SUMMARY_HEADER]
    for r in reports:
        lines.append(
            f"{r.number:>2}  {r.scenario:<18} {'PASS' if r.passed else 'FAIL':<7} {_value(r.rto_seconds):>7} "
            f"{_value(r.write_pause_seconds):>8} {_value(r.rpo_missing_writes):>4} "
            f"{_value(r.dr_lag_seconds_at_fault):>6} {r.failed_requests:>6} {r.slow_requests:>5}"
        )
    for r in reports:
        lines += [f"   {r.scenario}: {failure}" for failure in r.failures]
    return "\n".join(lines)


@click.command("drill")
@click.argument("scenarios", nargs=-1, required=True, type=click.Choice([*BY_SLUG, "all", "list"]))
def drill(scenarios: tuple[str, ...]) -> None:
    """Run BCP drills on the lab: one or more SCENARIOS in the order given, `all` (1 → 7), or `list`.

    Exits 1 if an expectation failed. Reports: var/drills/<UTC time>-<scenario>.json and .md.
    A `region-loss` directly followed by `failback` hands the activated DR site to the failback.
    """
    if "list" in scenarios:
        for s in SCENARIOS:
            click.echo(f"{s.number}  {s.slug:<18} {s.title}")
            click.echo(f"   Given {s.given}\n   When  {s.when}")
            for then in s.then:
                click.echo(f"   Then  {then}")
        return
    from dr.runner import run  # the load's HTTP client is imported only when a drill runs

    chosen = list(SCENARIOS) if "all" in scenarios else [BY_SLUG[slug] for slug in scenarios]
    reports = []
    for position, scenario in enumerate(chosen):
        following = chosen[position + 1].needs if position + 1 < len(chosen) else None
        reports.append(run(scenario, echo=click.echo, keep_dr_state=following == "dr-active"))
    click.echo(summary_table(reports))
    if not all(r.passed for r in reports):
        sys.exit(1)


@click.group("dr")
def dr() -> None:
    """Disaster recovery on the lab: fence a region, activate the DR site, fail back (runbooks/dr-activation.md)."""


@dr.command("fence")
@click.argument("region", type=REGION)
def dr_fence(region: str) -> None:
    """Fence REGION: mask it, stop its apps, HAProxy and database nodes, mark its DCS a standby cluster."""
    result = cluster.fence(Lab.load(), region)
    click.echo(f"stopped: {', '.join(result.stopped) or 'nothing was running'}")
    click.echo(
        "DCS: "
        + (
            "marked as a standby cluster of the other region"
            if result.dcs_fenced
            else "etcd without quorum; run fence again when it returns"
        )
    )
    if not result.complete:
        raise click.ClickException(
            f"fence incomplete: primary answers on {result.still_primary}, open ports {result.open_ports}"
        )
    click.echo(f"{region} fenced: no node answers as primary, no database, HAProxy or app port open")


@dr.command("activate")
@click.argument("region", type=REGION)
def dr_activate(region: str) -> None:
    """Promote REGION's standby cluster (the other region must be fenced); waits until it takes writes."""
    try:
        seconds = cluster.activate(Lab.load(), region)
    except (cluster.DrillError, LabError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{region} promoted: writable through its HAProxy rw port after {seconds:.1f} s")


@dr.command("failback")
@click.option("--part", type=click.Choice(["all", "rebuild", "switch"]), default="all", show_default=True)
def dr_failback(part: str) -> None:
    """Back to daejeon: `rebuild` it as gwangju's standby (no downtime), `switch` back in the window, or `all`."""
    lab = Lab.load()
    try:
        if part == "all":
            timings = failback.failback(lab, click.echo)
            click.echo(", ".join(f"{name} {seconds:.1f}" for name, seconds in timings.items()))
        elif part == "rebuild":
            failback.rebuild_as_standby(lab, click.echo)
        else:
            failback.switch_back(lab, click.echo)
            failback.tidy(lab, click.echo)
    except (cluster.DrillError, LabError) as error:
        raise click.ClickException(str(error)) from error
