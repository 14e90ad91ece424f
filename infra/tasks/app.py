"""Role app: the released lofin code in a venv, ``lofin serve`` behind a systemd unit, pointed at HAProxy.

The release is a directory of wheels built by ``make release`` (the lofin wheel, every dependency
pinned by constraints.txt, and constraints.txt itself): the hosts sit on a closed network, so pip
installs from that directory only (``--no-index``). The schema is migrated once per release, from
the first app host of the primary region, before any instance restarts onto the new code.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pyinfra.api import deploy
from pyinfra.operations import apt, files, pip, server, systemd
from pyinfra.operations.util import any_changed

from infra.render import RenderedFile
from infra.tasks import put_config

APP_ROOT = "/opt/lofin"
RELEASE_DIR = f"{APP_ROOT}/release"
VENV = f"{APP_ROOT}/.venv"
ENV_FILE = "/etc/lofin/lofin.env"


class ReleaseMissingError(RuntimeError):
    """The deploy was started without a release built by ``make release``."""


def release_wheel(release: Path) -> Path:
    """The lofin wheel inside a release directory (exactly one)."""
    wheels = sorted(release.glob("lofin-*.whl"))
    if len(wheels) != 1:
        raise ReleaseMissingError(
            f"{release} must hold exactly one lofin wheel (found {len(wheels)}): run `make release` first"
        )
    if not (release / "constraints.txt").is_file():
        raise ReleaseMissingError(f"{release}/constraints.txt is missing: run `make release` first")
    return wheels[0]


@deploy("lofin app")
def apply(files_of_host: Mapping[str, RenderedFile], release: Path, *, migrate: bool) -> None:
    """Install the release, write the environment file and unit, migrate once, restart only on a change."""
    wheel = release_wheel(release)
    apt.packages(name="Install the venv module", packages=["python3-venv"])
    server.user(name="Create the lofin user", user="lofin", home=APP_ROOT, system=True)
    uploaded = files.sync(
        name=f"Upload the release ({wheel.name} and its wheels)",
        src=str(release),
        dest=RELEASE_DIR,
        user="root",
        group="root",
        mode="0644",
        delete=True,
    )
    pip.virtualenv(name="Create the app venv", path=VENV, python="/usr/bin/python3", venv=True)
    installed = server.shell(
        name=f"Install {wheel.name} from the release only",
        commands=[
            f"{VENV}/bin/pip install --no-index --find-links={RELEASE_DIR} "
            f"-c {RELEASE_DIR}/constraints.txt {RELEASE_DIR}/{wheel.name}"
        ],
        _if=uploaded.did_change,
    )
    environment = put_config(files_of_host[ENV_FILE], "app environment")
    unit = put_config(files_of_host["/etc/systemd/system/lofin.service"], "app unit")
    if migrate:
        server.shell(
            name="Migrate the database schema to this release (lofin db upgrade, idempotent)",
            commands=[f"set -a && . {ENV_FILE} && set +a && {VENV}/bin/lofin db upgrade"],
            _sudo=True,
            _sudo_user="lofin",
            _if=any_changed(installed, environment),
        )
    systemd.daemon_reload(name="Reload systemd after a unit change", _if=unit.did_change)
    systemd.service(name="Run lofin", service="lofin", running=True, enabled=True)
    systemd.service(
        name="Restart lofin after a release or config change",
        service="lofin",
        restarted=True,
        _if=any_changed(installed, environment, unit),
    )
