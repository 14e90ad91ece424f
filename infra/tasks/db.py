"""Role db: PostgreSQL 15 managed by Patroni, WAL archived with pgBackRest."""

from __future__ import annotations

from collections.abc import Mapping
from io import StringIO

from pyinfra.api import deploy
from pyinfra.operations import apt, files, pip, systemd

from infra.lab import PATRONI_REQUIREMENTS
from infra.render import RenderedFile
from infra.tasks import put_config

PATRONI_VENV = "/opt/patroni"


@deploy("PostgreSQL and Patroni")
def apply(config_files: Mapping[str, RenderedFile]) -> None:
    """Install PostgreSQL, pgBackRest and Patroni; Patroni reloads (never restarts) on a config change."""
    apt.packages(
        name="Install PostgreSQL 15, pgBackRest and the venv module",
        packages=["postgresql-15", "pgbackrest", "python3-venv"],
    )
    systemd.service(
        name="Keep Debian's own postgresql service off (Patroni starts PostgreSQL)",
        service="postgresql",
        running=False,
        enabled=False,
    )
    requirements = files.put(
        name="Upload the pinned Patroni requirements",
        src=StringIO(PATRONI_REQUIREMENTS.read_text(encoding="utf-8")),
        dest=f"{PATRONI_VENV}/requirements.txt",
    )
    pip.virtualenv(name="Create the Patroni venv", path=PATRONI_VENV, python="/usr/bin/python3", venv=True)
    pip.packages(
        name="Install Patroni into its venv",
        requirements=f"{PATRONI_VENV}/requirements.txt",
        virtualenv=PATRONI_VENV,
        _if=requirements.did_change,
    )
    patroni_config = put_config(config_files["/etc/patroni/patroni.yml"], "Patroni config")
    put_config(config_files["/etc/pgbackrest/pgbackrest.conf"], "pgBackRest config")
    for path, rendered in config_files.items():  # SSH between the repository and the databases
        if "/.ssh/" in path:
            put_config(rendered, f"pgBackRest SSH {path.rsplit('/', 1)[-1]}")
    unit = put_config(config_files["/etc/systemd/system/patroni.service"], "Patroni unit")
    systemd.daemon_reload(name="Reload systemd after a unit change", _if=unit.did_change)
    systemd.service(name="Run Patroni", service="patroni", running=True, enabled=True)
    # Patroni applies a changed local config on reload; a restart here would be an unplanned failover.
    systemd.service(
        name="Reload Patroni after a config change",
        service="patroni",
        reloaded=True,
        _if=patroni_config.did_change,
    )
