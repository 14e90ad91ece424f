"""``lofin-ops``: operator commands for the lab (``lofin-ops lab up|down|status``)."""

from __future__ import annotations

import json

import click

from infra import lab as lab_module
from infra.inspect import inspect_command
from infra.status import format_status, lab_status


@click.group()
def main() -> None:
    """lofin operations: the two-region lab and, later, drills and inspections."""


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
