"""``lofin-ops``: operator commands for the lab (``lofin-ops lab up|down|status``)."""

from __future__ import annotations

import json

import click

from dr.cli import dr, drill
from infra import lab as lab_module
from infra.inspect import inspect_command
from infra.status import format_status, lab_status
from infra.topology import Host


@click.group()
def main() -> None:
    """lofin operations: the two-region lab, BCP drills and DR commands."""


main.add_command(drill)
main.add_command(dr)
main.add_command(inspect_command)


@main.group()
def lab() -> None:
    """The local two-region lab (daejeon primary, gwangju DR) on loopback addresses."""


@lab.command("up")
def lab_up() -> None:
    """Start (or complete) the lab; safe to run again while it runs."""
    try:
        lab_module.up(echo=click.echo)
    except lab_module.LabError as error:
        raise click.ClickException(f"{error} (logs: var/lab/log/; `lofin-ops lab down` cleans up)") from error


@lab.command("down")
@click.option("--purge", is_flag=True, help="Also delete var/lab (data, backups, passwords).")
def lab_down(purge: bool) -> None:
    """Stop every lab process and check that no lab port is left open."""
    lab_module.down(purge=purge, echo=click.echo)
    still_open = [
        f"{a}:{p}" for a, p in lab_module.lab_ports(lab_module.load("lab")) if lab_module.port_open(a, p)
    ]
    if still_open:
        raise click.ClickException(f"ports still open after lab down: {', '.join(still_open)}")


@lab.command("status")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def lab_status_command(as_json: bool) -> None:
    """Both regions: members, roles, timelines, lag, sync standby, last backup, monitoring and firing alerts."""
    status = lab_status()
    click.echo(json.dumps(status, indent=2, default=str) if as_json else format_status(status))


def _lab_host(name: str) -> Host:
    try:
        return lab_module.Lab.load().env.host(name)
    except KeyError as error:
        raise click.BadParameter(str(error), param_hint="NODE") from error


SERVICE_OPTION = click.option(
    "--service",
    "services",
    multiple=True,
    help="Only this service of the node (etcd, patroni, haproxy, app, ...); repeatable.",
)


@lab.command("start")
@click.argument("node")
@SERVICE_OPTION
def lab_start(node: str, services: tuple[str, ...]) -> None:
    """Start one node's processes (e.g. daejeon-db2) with the configs it has; a fenced region starts only etcd."""
    try:
        started = lab_module.start_host(lab_module.Lab.load(), _lab_host(node), services)
    except lab_module.LabError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"started: {', '.join(started) or 'nothing (already running)'}")


@lab.command("stop")
@click.argument("node")
@SERVICE_OPTION
def lab_stop(node: str, services: tuple[str, ...]) -> None:
    """Stop one node's processes gracefully by PID (Patroni, then its postmaster if it outlived it)."""
    stopped = lab_module.stop_host(lab_module.Lab.load(), _lab_host(node), services)
    click.echo(f"stopped: {', '.join(stopped) or 'nothing (not running)'}")
