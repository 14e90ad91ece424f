"""Where every scraped process lives, per environment and region.

This is a stand-in for the canonical inventory that ``infra/`` will own (one file that the lab and the
pyinfra deploys both read). Until that exists the monitoring renderer reads the two dicts below; when it
does, replace ``TOPOLOGIES`` with a loader that builds the same shape from the infra inventory and
nothing else in ``monitoring/`` has to change.

Shape: ``environment -> region -> Region``. A region lists its hosts by role; each host has a name and
an address. Ports are per environment because the lab runs everything on one machine with one loopback
address per simulated host, exactly like production except for the addresses.
"""

from __future__ import annotations

from typing import Literal, TypedDict

Site = Literal["primary", "dr"]


class Host(TypedDict):
    """One machine (or, in the lab, one loopback address)."""

    name: str
    address: str


class Region(TypedDict):
    """One region: its role in the DR pair, its Patroni scope and its hosts by role."""

    site: Site
    patroni_scope: str
    db: list[Host]  # etcd + Patroni + PostgreSQL + postgres_exporter + node_exporter
    haproxy: list[Host]
    app: list[Host]
    monitoring: list[Host]  # Prometheus + Alertmanager
    backup: list[Host]  # pgBackRest repository; node_exporter serves its textfile metrics


class Ports(TypedDict):
    """Listening ports, the same on every host of an environment."""

    app: int
    patroni: int
    etcd_client: int
    postgres_exporter: int
    node_exporter: int
    haproxy_stats: int
    prometheus: int
    alertmanager: int
    alertmanager_cluster: int


class Environment(TypedDict):
    """A whole deployment: ports, regions, and where alerts are delivered."""

    ports: Ports
    regions: dict[str, Region]
    # Where Alertmanager also POSTs every notification as one JSON line per alert (an alert log).
    # The control center is notified on ``/api/ops/alerts`` of the first app host of every region.
    alert_log_webhook: str


STANDARD_PORTS: Ports = {
    "app": 8000,
    "patroni": 8008,
    "etcd_client": 2379,
    "postgres_exporter": 9187,
    "node_exporter": 9100,
    "haproxy_stats": 7000,
    "prometheus": 9090,
    "alertmanager": 9093,
    "alertmanager_cluster": 9094,
}


def _hosts(prefix: str, addresses: list[str]) -> list[Host]:
    return [{"name": f"{prefix}{i}", "address": address} for i, address in enumerate(addresses, start=1)]


LAB: Environment = {
    "ports": STANDARD_PORTS,
    "regions": {
        "daejeon": {
            "site": "primary",
            "patroni_scope": "lofin-daejeon",
            "db": _hosts("daejeon-db", ["127.0.1.1", "127.0.1.2", "127.0.1.3"]),
            "haproxy": _hosts("daejeon-lb", ["127.0.1.10"]),
            "app": _hosts("daejeon-app", ["127.0.1.20", "127.0.1.21"]),
            "monitoring": _hosts("daejeon-mon", ["127.0.1.30"]),
            "backup": [],
        },
        "gwangju": {
            "site": "dr",
            "patroni_scope": "lofin-gwangju",
            "db": _hosts("gwangju-db", ["127.0.2.1", "127.0.2.2"]),
            "haproxy": _hosts("gwangju-lb", ["127.0.2.10"]),
            "app": _hosts("gwangju-app", ["127.0.2.20"]),
            "monitoring": _hosts("gwangju-mon", ["127.0.2.30"]),
            "backup": _hosts("gwangju-backup", ["127.0.2.40"]),
        },
    },
    "alert_log_webhook": "http://127.0.0.1:9095/alerts",
}

PRODUCTION: Environment = {
    "ports": STANDARD_PORTS,
    "regions": {
        "daejeon": {
            "site": "primary",
            "patroni_scope": "lofin-daejeon",
            "db": _hosts("daejeon-db", ["10.10.1.11", "10.10.1.12", "10.10.1.13"]),
            "haproxy": _hosts("daejeon-lb", ["10.10.1.21", "10.10.1.22"]),
            "app": _hosts("daejeon-app", ["10.10.1.31", "10.10.1.32", "10.10.1.33", "10.10.1.34"]),
            "monitoring": _hosts("daejeon-mon", ["10.10.1.41"]),
            "backup": [],
        },
        "gwangju": {
            "site": "dr",
            "patroni_scope": "lofin-gwangju",
            "db": _hosts("gwangju-db", ["10.20.1.11", "10.20.1.12", "10.20.1.13"]),
            "haproxy": _hosts("gwangju-lb", ["10.20.1.21"]),
            "app": _hosts("gwangju-app", ["10.20.1.31", "10.20.1.32"]),
            "monitoring": _hosts("gwangju-mon", ["10.20.1.41"]),
            "backup": _hosts("gwangju-backup", ["10.20.1.51"]),
        },
    },
    "alert_log_webhook": "http://127.0.0.1:9095/alerts",
}

TOPOLOGIES: dict[str, Environment] = {"lab": LAB, "production": PRODUCTION}
