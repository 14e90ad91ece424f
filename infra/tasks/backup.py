"""Role backup: the pgBackRest repository host at the DR site, its stanza and its backup schedule."""

from __future__ import annotations

from collections.abc import Mapping

from pyinfra.api import deploy
from pyinfra.operations import apt, files, server, systemd
from pyinfra.operations.util import any_changed

from infra.render import BACKUP_SCHEDULE, REPO_PATH, RenderedFile
from infra.tasks import put_config

CONFIG = "/etc/pgbackrest/pgbackrest.conf"


@deploy("pgBackRest repository")
def apply(config_files: Mapping[str, RenderedFile], stanza: str) -> None:
    """Install pgBackRest, create its user and repository, the stanza, and the timers that back up nightly."""
    apt.packages(name="Install pgBackRest", packages=["pgbackrest"])
    server.user(name="Create the pgbackrest user", user="pgbackrest", home="/var/lib/pgbackrest", system=True)
    files.directory(
        name="Create the repository directory",
        path=REPO_PATH,
        user="pgbackrest",
        group="pgbackrest",
        mode="0750",
    )
    put_config(config_files[CONFIG], "pgBackRest repository config")
    for path, rendered in config_files.items():  # SSH between the repository and the databases
        if "/.ssh/" in path:
            put_config(rendered, f"pgBackRest SSH {path.rsplit('/', 1)[-1]}")
    # stanza-create is idempotent (it checks an existing stanza against the cluster); the primary may
    # still be bootstrapping on a first deploy, hence the retries.
    server.shell(
        name=f"Create the pgBackRest stanza {stanza} (idempotent) and check archiving",
        commands=[
            f"pgbackrest --config={CONFIG} --stanza={stanza} stanza-create",
            f"pgbackrest --config={CONFIG} --stanza={stanza} check",
        ],
        _sudo=True,
        _sudo_user="pgbackrest",
        _retries=10,
        _retry_delay=15,
    )
    service = put_config(
        config_files["/etc/systemd/system/pgbackrest-backup@.service"], "pgBackRest backup unit"
    )
    timers = [
        put_config(config_files[f"/etc/systemd/system/pgbackrest-{kind}.timer"], f"pgBackRest {kind} timer")
        for kind in BACKUP_SCHEDULE
    ]
    systemd.daemon_reload(
        name="Reload systemd after a backup unit change",
        _if=any_changed(service, *timers),
    )
    for kind in BACKUP_SCHEDULE:
        systemd.service(
            name=f"Schedule the {kind} backups",
            service=f"pgbackrest-{kind}.timer",
            running=True,
            enabled=True,
        )
