"""Read ``topology.toml``: which hosts exist in each environment, their roles, addresses and paths.

The lab and the pyinfra inventories both build on :func:`load`, so a host added there appears in
the lab, in the rendered configs and in the deploy at once.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any, Literal

PROJECT_ROOT = Path(__file__).resolve().parents[1]
TOPOLOGY_FILE = Path(__file__).with_name("topology.toml")
LAB_DIR = PROJECT_ROOT / "var" / "lab"

ROLES = ("db", "etcd", "haproxy", "app", "monitoring", "backup")
# A host is named after the first of its roles in this order: a db node that also runs etcd is "db".
NAMING_ORDER = ("db", "haproxy", "app", "monitoring", "backup", "etcd")

EnvironmentName = Literal["production", "lab"]


@dataclass(frozen=True)
class Host:
    """One machine (or, in the lab, one loopback address with its own directory tree)."""

    name: str
    address: str
    region: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class Region:
    """A site: the primary region, or a standby region that replicates from ``standby_of``."""

    name: str
    kind: Literal["primary", "standby"]
    standby_of: str | None
    addresses: dict[str, tuple[str, ...]]
    hosts: tuple[Host, ...]

    @property
    def scope(self) -> str:
        """The Patroni cluster name (and etcd cluster token) of this region."""
        return f"lofin-{self.name}"

    @property
    def slot_name(self) -> str:
        """The permanent replication slot a standby region streams through."""
        return f"standby_{self.name}"

    def with_role(self, role: str) -> list[Host]:
        """The hosts of this region that carry ``role``, in topology order."""
        by_address = {host.address: host for host in self.hosts}
        return [by_address[address] for address in self.addresses.get(role, ())]


@dataclass(frozen=True)
class Environment:
    """Everything the renderer and the lab need to know about one environment."""

    name: EnvironmentName
    lab: bool
    settings: dict[str, Any]
    postgresql_parameters: dict[str, Any]
    regions: dict[str, Region]
    ports: dict[str, int]
    cluster: dict[str, Any]
    standby_regions_of: dict[str, list[Region]] = field(default_factory=dict)

    @property
    def hosts(self) -> list[Host]:
        """Every host, region by region."""
        return [host for region in self.regions.values() for host in region.hosts]

    @property
    def node_exporter_hosts(self) -> list[Host]:
        """Hosts that run node_exporter: those with one of the ``node_exporter_roles`` (the monitoring hosts in the lab)."""
        roles = set(self.settings["node_exporter_roles"])
        return [host for host in self.hosts if roles & set(host.roles)]

    def host(self, name: str) -> Host:
        """The host called ``name``."""
        for host in self.hosts:
            if host.name == name:
                return host
        raise KeyError(f"no host {name!r} in the {self.name} topology")

    def root_of(self, host: Host) -> Path:
        """Where the host's filesystem starts: ``/`` on a real host, its own directory in the lab."""
        return LAB_DIR / host.name if self.lab else Path("/")

    def on_host(self, host: Host, path: str) -> str:
        """The real path of a production-style absolute ``path`` on ``host``."""
        relative = PurePosixPath(path).relative_to("/")
        return str(self.root_of(host) / relative)

    def project_path(self, setting: str) -> str:
        """A path setting; relative values are relative to the project checkout (the lab)."""
        value = Path(self.settings[setting])
        return str(value if value.is_absolute() else PROJECT_ROOT / value)


def _region(name: str, spec: dict[str, Any]) -> Region:
    addresses = {role: tuple(spec.get(role, ())) for role in ROLES}
    hosts: list[Host] = []
    seen: dict[str, int] = {}
    for address in dict.fromkeys(a for role in ROLES for a in addresses[role]):
        roles = tuple(role for role in ROLES if address in addresses[role])
        label = next(role for role in NAMING_ORDER if role in roles)
        seen[label] = seen.get(label, 0) + 1
        hosts.append(Host(f"{name}-{label}{seen[label]}", address, name, roles))
    return Region(name, spec["kind"], spec.get("standby_of"), addresses, tuple(hosts))


@cache
def load(name: EnvironmentName) -> Environment:
    """The environment ``name`` as described in ``topology.toml``."""
    data = tomllib.loads(TOPOLOGY_FILE.read_text(encoding="utf-8"))
    spec = dict(data["environments"][name])
    regions = {region: _region(region, body) for region, body in spec.pop("regions").items()}
    standby_regions_of: dict[str, list[Region]] = {region: [] for region in regions}
    for region in regions.values():
        if region.standby_of:
            standby_regions_of[region.standby_of].append(region)
    return Environment(
        name=name,
        lab=bool(spec.pop("lab")),
        postgresql_parameters=spec.pop("postgresql_parameters"),
        settings=spec,
        regions=regions,
        ports=data["ports"],
        cluster=data["cluster"],
        standby_regions_of=standby_regions_of,
    )
