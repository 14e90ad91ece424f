"""Every host: node_exporter; db hosts also postgres_exporter (Prometheus itself lives in monitoring/)."""

from __future__ import annotations

from collections.abc import Mapping

from pyinfra.api import deploy
from pyinfra.operations import apt, systemd

from infra.render import RenderedFile
from infra.tasks import put_config

AGENTS = {
    "node-exporter": ("prometheus-node-exporter", "/etc/systemd/system/node-exporter.service"),
    "postgres-exporter": ("prometheus-postgres-exporter", "/etc/systemd/system/postgres-exporter.service"),
}


@deploy("Monitoring agents")
def apply(files: Mapping[str, RenderedFile], database_host: bool) -> None:
    """Install and run the exporters this host needs; restart one only when its unit changed."""
    agents = ["node-exporter", "postgres-exporter"] if database_host else ["node-exporter"]
    apt.packages(name="Install the exporters", packages=[AGENTS[agent][0] for agent in agents])
    for agent in agents:
        unit = put_config(files[AGENTS[agent][1]], f"{agent} unit")
        systemd.daemon_reload(name=f"Reload systemd after a {agent} unit change", _if=unit.did_change)
        systemd.service(
            name=f"Keep the packaged {AGENTS[agent][0]} service off (ours listens on the host address)",
            service=AGENTS[agent][0],
            running=False,
            enabled=False,
        )
        systemd.service(name=f"Run {agent}", service=agent, running=True, enabled=True)
        systemd.service(
            name=f"Restart {agent} after a unit change", service=agent, restarted=True, _if=unit.did_change
        )
