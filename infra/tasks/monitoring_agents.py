"""Every host: node_exporter; db hosts also postgres_exporter (Prometheus itself lives in monitoring/)."""

from __future__ import annotations

from collections.abc import Mapping

from pyinfra.api import deploy
from pyinfra.operations import apt, systemd
from pyinfra.operations.util import any_changed

from infra.render import RenderedFile
from infra.tasks import put_config

# agent -> (Debian package, systemd unit, web config the unit names)
AGENTS = {
    "node-exporter": (
        "prometheus-node-exporter",
        "/etc/systemd/system/node-exporter.service",
        "/etc/prometheus/node-exporter-web.yml",
    ),
    "postgres-exporter": (
        "prometheus-postgres-exporter",
        "/etc/systemd/system/postgres-exporter.service",
        "/etc/prometheus/postgres-exporter-web.yml",
    ),
}


@deploy("Monitoring agents")
def apply(files: Mapping[str, RenderedFile], database_host: bool) -> None:
    """Install and run the exporters this host needs; restart one only when its unit changed."""
    agents = ["node-exporter", "postgres-exporter"] if database_host else ["node-exporter"]
    apt.packages(name="Install the exporters", packages=[AGENTS[agent][0] for agent in agents])
    for agent in agents:
        package, unit_path, web_config_path = AGENTS[agent]
        unit = put_config(files[unit_path], f"{agent} unit")
        web_config = put_config(files[web_config_path], f"{agent} web config")
        systemd.daemon_reload(name=f"Reload systemd after a {agent} unit change", _if=unit.did_change)
        systemd.service(
            name=f"Keep the packaged {package} service off (ours listens on the host address)",
            service=package,
            running=False,
            enabled=False,
        )
        systemd.service(name=f"Run {agent}", service=agent, running=True, enabled=True)
        systemd.service(
            name=f"Restart {agent} after a unit or web config change",
            service=agent,
            restarted=True,
            _if=any_changed(unit, web_config),
        )
