"""Role backup: the pgBackRest repository host at the DR site."""

from __future__ import annotations

from collections.abc import Mapping

from pyinfra.api import deploy
from pyinfra.operations import apt, files, server

from infra.render import REPO_PATH, RenderedFile
from infra.tasks import put_config


@deploy("pgBackRest repository")
def apply(config_files: Mapping[str, RenderedFile]) -> None:
    """Install pgBackRest, create its user and repository directory, write its config."""
    apt.packages(name="Install pgBackRest", packages=["pgbackrest"])
    server.user(name="Create the pgbackrest user", user="pgbackrest", home="/var/lib/pgbackrest", system=True)
    files.directory(
        name="Create the repository directory",
        path=REPO_PATH,
        user="pgbackrest",
        group="pgbackrest",
        mode="0750",
    )
    put_config(config_files["/etc/pgbackrest/pgbackrest.conf"], "pgBackRest repository config")
