"""Role app: ``lofin serve`` behind a systemd unit, pointed at the region's HAProxy."""

from __future__ import annotations

from collections.abc import Mapping

from pyinfra.api import deploy
from pyinfra.operations import server, systemd

from infra.render import RenderedFile
from infra.tasks import put_config


@deploy("lofin app")
def apply(files: Mapping[str, RenderedFile]) -> None:
    """Create the service user, write the environment file and unit, restart only when either changed.

    The application code itself (a wheel into /opt/lofin/.venv) is released separately.
    """
    server.user(name="Create the lofin user", user="lofin", home="/opt/lofin", system=True)
    environment = put_config(files["/etc/lofin/lofin.env"], "app environment")
    unit = put_config(files["/etc/systemd/system/lofin.service"], "app unit")
    systemd.daemon_reload(name="Reload systemd after a unit change", _if=unit.did_change)
    systemd.service(name="Run lofin", service="lofin", running=True, enabled=True)
    systemd.service(
        name="Restart lofin after a config change",
        service="lofin",
        restarted=True,
        _if=[environment.did_change, unit.did_change],
    )
