"""Role etcd: the region's consensus store for Patroni."""

from __future__ import annotations

from collections.abc import Mapping

from pyinfra.api import deploy
from pyinfra.operations import apt, systemd
from pyinfra.operations.util import any_changed

from infra.render import RenderedFile
from infra.tasks import put_config


@deploy("etcd")
def apply(files: Mapping[str, RenderedFile]) -> None:
    """Install etcd, write its config and unit, (re)start it only when one of them changed."""
    apt.packages(name="Install etcd", packages=["etcd-server", "etcd-client"])
    config = put_config(files["/etc/etcd/etcd.conf.yml"], "etcd config")
    unit = put_config(files["/etc/systemd/system/etcd.service"], "etcd unit")
    systemd.daemon_reload(name="Reload systemd after a unit change", _if=unit.did_change)
    systemd.service(name="Run etcd", service="etcd", running=True, enabled=True)
    systemd.service(
        name="Restart etcd after a config change",
        service="etcd",
        restarted=True,
        _if=any_changed(config, unit),
    )
