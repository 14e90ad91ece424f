"""What Prometheus scrapes and where Alertmanager delivers, derived from the one topology in ``infra/``.

``infra/topology.toml`` (read by :func:`infra.topology.load`) is the canonical description of both
environments that the lab and the pyinfra deploys use; this module only adds what is particular to
monitoring: which exporter runs on which role and the webhook receivers (the Prometheus and
Alertmanager ports are in the topology's ``[ports]`` with every other port).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from infra.topology import EnvironmentName, Host, Region, load

# Alertmanager also POSTs every notification to a local alert log (one JSON document per line).
ALERT_LOG_WEBHOOK = "http://127.0.0.1:9095/alerts"
# The control center takes notifications on this path of an app instance in every region.
CONTROL_CENTER_PATH = "/api/ops/alerts"
# Where Alertmanager reads the bearer token it presents there (the app's LOFIN_OPS_WEBHOOK_TOKEN).
CONTROL_CENTER_TOKEN_FILE = "/etc/prometheus/control-center-webhook.token"  # noqa: S105 - a path, not the token

Site = Literal["primary", "dr"]


@dataclass(frozen=True)
class Target:
    """One scrape target with the labels every alert and dashboard groups by."""

    address: str
    port: int
    region: str
    site: Site
    node: str


@dataclass(frozen=True)
class ScrapeJob:
    """A Prometheus job: every target serves ``/metrics``."""

    name: str
    targets: list[Target]


def site_of(region: Region) -> Site:
    """``primary`` for the home region, ``dr`` for a standby region (the ``site`` target label)."""
    return "dr" if region.kind == "standby" else "primary"


def _targets(environment: EnvironmentName, roles: tuple[str, ...], port: int) -> list[Target]:
    """A target per host carrying any of ``roles``, in topology order."""
    env = load(environment)
    return [
        Target(host.address, port, region.name, site_of(region), host.name)
        for region in env.regions.values()
        for host in region.hosts
        if set(host.roles) & set(roles)
    ]


def scrape_jobs(environment: EnvironmentName) -> list[ScrapeJob]:
    """Every job, each listing the targets of both regions."""
    env = load(environment)
    ports = env.ports
    # job -> (roles whose hosts serve it, port)
    jobs: dict[str, tuple[tuple[str, ...], int]] = {
        "prometheus": (("monitoring",), ports["prometheus"]),
        "alertmanager": (("monitoring",), ports["alertmanager"]),
        "app": (("app",), ports["app"]),
        "patroni": (("db",), ports["patroni"]),
        "etcd": (("etcd",), ports["etcd_client"]),
        "postgres": (("db",), ports["postgres_exporter"]),
        # The topology says where node_exporter runs: every host in production (on the backup host it
        # also serves the pgBackRest textfile), one per region (its monitoring host) in the lab.
        "node": (tuple(env.settings["node_exporter_roles"]), ports["node_exporter"]),
        # HAProxy's built-in Prometheus exporter on its stats listener.
        "haproxy": (("haproxy",), ports["haproxy_stats"]),
    }
    return [ScrapeJob(name, _targets(environment, roles, port)) for name, (roles, port) in jobs.items()]


def alertmanagers(environment: EnvironmentName) -> list[Host]:
    """The Alertmanager hosts, one per region, clustered."""
    return [host for region in load(environment).regions.values() for host in region.with_role("monitoring")]


def control_center_webhooks(environment: EnvironmentName) -> list[str]:
    """The first app instance of every region, so the surviving region's control center hears alerts."""
    env = load(environment)
    return [
        f"http://{apps[0].address}:{env.ports['app']}{CONTROL_CENTER_PATH}"
        for region in env.regions.values()
        if (apps := region.with_role("app"))
    ]


ENVIRONMENTS: tuple[EnvironmentName, ...] = ("lab", "production")
