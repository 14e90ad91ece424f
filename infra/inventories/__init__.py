"""pyinfra inventories built from ``infra/topology.toml``: one group per role and one per region.

Each host carries ``lofin_env`` and ``lofin_host`` as host data; ``infra/deploy.py`` looks the host
up in the topology by that name, so the connector (SSH, or ``@fake`` in the dry-run test) does not
matter to what gets deployed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from infra.topology import ROLES, EnvironmentName, Host, load

HostEntry = tuple[str, dict[str, Any]]


def groups(
    env_name: EnvironmentName, address_of: Callable[[Host], str] | None = None
) -> dict[str, list[HostEntry]]:
    """pyinfra groups (role and region names) of ``env_name``; ``address_of`` picks how hosts are reached."""
    env = load(env_name)
    reach = address_of or (lambda host: host.address)
    result: dict[str, list[HostEntry]] = {name: [] for name in (*ROLES, *env.regions)}
    for host in env.hosts:
        data: dict[str, Any] = {"lofin_env": env_name, "lofin_host": host.name}
        if env.settings["ssh_user"]:
            data["ssh_user"] = env.settings["ssh_user"]
        entry = (reach(host), data)
        for group in (*host.roles, host.region):
            result[group].append(entry)
    return result
