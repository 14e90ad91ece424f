"""Role haproxy: the region's read-write and read-only entry points to PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping

from pyinfra.api import deploy
from pyinfra.operations import apt, server, systemd

from infra.render import RenderedFile
from infra.tasks import put_config


@deploy("HAProxy")
def apply(files: Mapping[str, RenderedFile]) -> None:
    """Install HAProxy, write its config, check it, reload (keeping connections) only when it changed."""
    apt.packages(name="Install HAProxy", packages=["haproxy"])
    config = put_config(files["/etc/haproxy/haproxy.cfg"], "HAProxy config")
    server.shell(
        name="Check the HAProxy config before using it",
        commands=["haproxy -c -q -f /etc/haproxy/haproxy.cfg"],
        _if=config.did_change,
    )
    systemd.service(name="Run HAProxy", service="haproxy", running=True, enabled=True)
    systemd.service(
        name="Reload HAProxy after a config change", service="haproxy", reloaded=True, _if=config.did_change
    )
