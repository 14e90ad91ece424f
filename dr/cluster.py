"""What the drills and the DR commands do to the lab's Patroni clusters: look, break, hand over, fence, promote.

Patroni's REST API (``/cluster``, ``/switchover``, ``PATCH /config``) is the one way in, as an
operator's ``patronictl`` would use it; the region's etcd is only written directly where Patroni
cannot be asked (a fenced region has no running Patroni). Every wait is bounded.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import signal
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from infra import processes
from infra.lab import (
    Lab,
    LabError,
    etcd_healthy,
    fence_marker,
    http_status,
    leader_host,
    patroni_cluster,
    patroni_process,
    port_open,
    sql,
    stop_host,
    wait_for,
)
from infra.render import data_dir
from infra.status import REPLICA_POSITION
from infra.topology import Host, Region

SETTLE_LIMIT_S = 60
SETTLED_LAG_BYTES = 1024 * 1024  # a writer may be running: "caught up" is within a MiB, not exactly 0


class DrillError(RuntimeError):
    """A step of a drill or a DR command could not be done; the message says which and why."""


def basic_auth(lab: Lab) -> str:
    """The Authorization header of Patroni's REST API in the lab."""
    token = base64.b64encode(f"patroni:{lab.secrets['restapi_password']}".encode()).decode()
    return f"Basic {token}"


def patroni_request(
    lab: Lab, host: Host, method: str, path: str, body: Any = None, timeout: float = 30
) -> Any:
    """One authenticated call to ``host``'s Patroni REST API; its JSON answer (or text)."""
    request = urllib.request.Request(
        f"http://{host.address}:{lab.env.ports['patroni']}{path}",
        data=None if body is None else json.dumps(body).encode(),
        method=method,
        headers={"Authorization": basic_auth(lab), "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - the lab's own Patroni
            raw = response.read().decode()
    except urllib.error.HTTPError as error:
        raise DrillError(
            f"Patroni on {host.name}: {method} {path} → {error.code} {error.read().decode()}"
        ) from error
    except OSError as error:
        raise DrillError(f"Patroni on {host.name}: {method} {path} failed: {error}") from error
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def members(lab: Lab, region: Region) -> list[dict[str, Any]]:
    """``region``'s Patroni members as ``/cluster`` lists them (empty when no member answers)."""
    return list((patroni_cluster(lab, region) or {}).get("members", []))


def topology(lab: Lab) -> dict[str, list[dict[str, Any]]]:
    """Per region: each member's name, role, state, timeline and lag, as a report shows them."""
    return {
        region.name: [
            {key: member.get(key) for key in ("name", "role", "state", "timeline", "lag")}
            for member in members(lab, region)
        ]
        for region in lab.env.regions.values()
    }


def leader_name(lab: Lab, region: Region) -> str | None:
    """The member holding ``region``'s leader lock, if one runs."""
    leader = leader_host(lab, region)
    return leader.name if leader is not None else None


def primary_settled(lab: Lab, region: Region) -> bool:
    """A leader, a synchronous standby and a replica, both within a MiB of the leader."""
    found = members(lab, region)
    roles = sorted(str(m.get("role")) for m in found)
    return roles == ["leader", "replica", "sync_standby"] and all(
        m.get("state") in ("running", "streaming")
        and (m.get("role") == "leader" or (isinstance(m.get("lag"), int) and m["lag"] < SETTLED_LAG_BYTES))
        for m in found
    )


def standby_streaming(lab: Lab, region: Region) -> bool:
    """Every member of the standby ``region`` streams (its standby leader from the primary region)."""
    found = members(lab, region)
    return len(found) == len(region.with_role("db")) and all(m.get("state") == "streaming" for m in found)


def wait_until_settled(lab: Lab, timeout: float = SETTLE_LIMIT_S) -> None:
    """Given a healthy lab: daejeon settled with a caught-up synchronous standby, gwangju streaming.

    Patroni in synchronous mode promotes only a healthy synchronous standby, so a fault injected
    while an earlier hand-over still settles would measure that, not the fault.
    """
    wait_for(
        "daejeon settled with a caught-up synchronous standby",
        lambda: primary_settled(lab, lab.primary_region),
        timeout,
        0.5,
    )
    for region in lab.standby_regions:
        wait_for(f"{region.name} streaming", _streaming_probe(lab, region), timeout, 0.5)


def _streaming_probe(lab: Lab, region: Region) -> Callable[[], bool]:
    return lambda: standby_streaming(lab, region)


def kill_database_node(lab: Lab, host: Host) -> None:
    """kill -9 ``host``'s Patroni and its postmaster at once (the postmaster is not Patroni's child)."""
    pids = [
        pid
        for pid in (
            processes.running_pid(patroni_process(lab, host)),
            processes.postmaster_pid(Path(data_dir(lab.env, host))),
        )
        if pid is not None
    ]
    if len(pids) != 2:
        raise DrillError(f"{host.name} does not run both Patroni and PostgreSQL (PIDs {pids})")
    processes.send(pids, signal.SIGKILL)


def member_with_role(lab: Lab, region: Region, role: str) -> Host:
    """The host of ``region``'s member in ``role`` (leader, sync_standby, standby_leader ...)."""
    for member in members(lab, region):
        if member.get("role") == role:
            return lab.env.host(member["name"])
    raise DrillError(
        f"{region.name} has no {role}: {[(m.get('name'), m.get('role')) for m in members(lab, region)]}"
    )


def switch_over(lab: Lab, region: Region) -> tuple[str, str]:
    """Hand ``region``'s leadership to its synchronous standby through Patroni; (old leader, candidate)."""
    old = member_with_role(lab, region, "leader")
    candidate = member_with_role(lab, region, "sync_standby")
    patroni_request(lab, old, "POST", "/switchover", {"leader": old.name, "candidate": candidate.name})
    return old.name, candidate.name


def dr_lag(lab: Lab) -> tuple[int | None, float | None]:
    """(bytes, seconds) the DR standby leader is behind the daejeon primary; (None, None) if unknown.

    Seconds are 0 when everything received is replayed, else the age of the last replayed commit.
    """
    primary = leader_host(lab, lab.primary_region)
    standby = leader_host(lab, lab.standby_regions[0])
    if primary is None or standby is None:
        return None, None
    try:
        (source,) = sql(
            lab, primary.address, lab.env.ports["postgres"], "SELECT pg_current_wal_lsn() - '0/0'"
        )[0]
        replay, seconds = sql(lab, standby.address, lab.env.ports["postgres"], REPLICA_POSITION)[0]
    except psycopg.Error:
        return None, None
    if replay is None:
        return None, None
    high, low = str(replay).split("/")
    behind = max(0, int(source) - ((int(high, 16) << 32) + int(low, 16)))
    return behind, 0.0 if behind == 0 else float(seconds or 0)


def writable_through(lab: Lab, region: Region) -> bool:
    """Whether ``region``'s HAProxy rw port leads to a PostgreSQL that takes writes."""
    address = lab.haproxy_of(region).address
    try:
        return sql(lab, address, lab.env.ports["haproxy_rw"], "SELECT pg_is_in_recovery()") == [(False,)]
    except psycopg.Error:
        return False


# ---------------------------------------------------------------- DR: fence, activate, fail back


@dataclass(frozen=True)
class FenceResult:
    """What ``fence`` did: the processes it stopped, whether the region's DCS was marked, what still answers."""

    region: str
    stopped: list[str]
    dcs_fenced: bool
    still_primary: list[str]
    open_ports: list[str]

    @property
    def complete(self) -> bool:
        """No node of the region answers as primary and no database or HAProxy port of it is open."""
        return not self.still_primary and not self.open_ports


def other_region(lab: Lab, name: str) -> Region:
    """The region that is not ``name`` (the lab has two)."""
    return next(region for region in lab.env.regions.values() if region.name != name)


def _patroni_config_key(region: Region, key: str) -> str:
    return f"/lofin/{region.scope}/{key}"


def etcd_call(lab: Lab, region: Region, path: str, body: dict[str, str]) -> dict[str, Any] | None:
    """POST ``body`` to the v3 JSON gateway of the first healthy etcd member of ``region``; None if none is."""
    for host in region.with_role("etcd"):
        if not etcd_healthy(lab, host):
            continue
        encoded = {key: base64.b64encode(value.encode()).decode() for key, value in body.items()}
        request = urllib.request.Request(
            f"http://{host.address}:{lab.env.ports['etcd_client']}{path}",
            data=json.dumps(encoded).encode(),
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - the lab's own etcd
            return dict(json.loads(response.read()))
    return None


def read_dcs_config(lab: Lab, region: Region) -> dict[str, Any] | None:
    """``region``'s dynamic Patroni configuration straight from its etcd; None when etcd has no quorum."""
    answer = etcd_call(lab, region, "/v3/kv/range", {"key": _patroni_config_key(region, "config")})
    if answer is None:
        return None
    kvs = answer.get("kvs", [])
    return dict(json.loads(base64.b64decode(kvs[0]["value"]))) if kvs else {}


def write_dcs_config(lab: Lab, region: Region, config: dict[str, Any]) -> bool:
    """Replace ``region``'s dynamic configuration in its etcd (no Patroni of it runs); False without quorum."""
    body = {"key": _patroni_config_key(region, "config"), "value": json.dumps(config, separators=(",", ":"))}
    return etcd_call(lab, region, "/v3/kv/put", body) is not None


def delete_dcs_keys(lab: Lab, region: Region, *keys: str) -> None:
    """Delete ``keys`` (``leader``, ``initialize`` ...) of ``region``'s cluster in its etcd."""
    for key in keys:
        if etcd_call(lab, region, "/v3/kv/deleterange", {"key": _patroni_config_key(region, key)}) is None:
            raise DrillError(f"{region.name}'s etcd has no quorum: cannot delete {key}")


def standby_cluster_of(lab: Lab, upstream: Region, slot: str | None) -> dict[str, Any]:
    """The ``standby_cluster`` section that makes a cluster follow ``upstream``'s HAProxy rw port."""
    section: dict[str, Any] = {
        "host": lab.haproxy_of(upstream).address,
        "port": lab.env.ports["haproxy_rw"],
        "create_replica_methods": ["basebackup"],
    }
    if slot:
        section["primary_slot_name"] = slot
    return section


def fence(lab: Lab, name: str) -> FenceResult:
    """Fence region ``name`` so it cannot come back as a second primary.

    Three layers: the fence marker (production: ``systemctl mask`` of patroni, haproxy and lofin on
    the region's hosts) so nothing of it is started again; every app, HAProxy, Patroni and
    postmaster of it that still runs is stopped; and, when the region's etcd has quorum, its dynamic
    configuration becomes a standby cluster of the other region, so even a Patroni started by hand
    comes up read-only. Safe to repeat: run it again when the region's hosts come back.
    """
    region = lab.region(name)
    marker = fence_marker(name)
    marker.parent.mkdir(parents=True, exist_ok=True)
    if not marker.exists():
        marker.write_text(
            json.dumps({"region": name, "fenced_at": dt.datetime.now(dt.UTC).isoformat()}) + "\n"
        )
    stopped = [
        process
        for host in region.hosts
        for process in stop_host(lab, host, ("app", "haproxy", "patroni"), timeout=10.0)
    ]
    config = read_dcs_config(lab, region)
    dcs_fenced = False
    if config is not None:
        config["standby_cluster"] = standby_cluster_of(lab, other_region(lab, name), None)
        dcs_fenced = write_dcs_config(lab, region, config)
    ports = lab.env.ports
    still_primary = [
        host.name
        for host in region.with_role("db")
        if http_status(f"http://{host.address}:{ports['patroni']}/primary", timeout=2) == 200
    ]
    open_ports = [
        f"{host.address}:{port}"
        for host in region.hosts
        for port in (ports["postgres"], ports["haproxy_rw"], ports["patroni"], ports["app"])
        if port_open(host.address, port)
    ]
    return FenceResult(name, stopped, dcs_fenced, still_primary, open_ports)


def activate(lab: Lab, name: str, timeout: float = 60) -> float:
    """Promote region ``name``'s standby cluster; returns the seconds until its rw port took writes.

    Refuses unless the other region is fenced. Removes ``standby_cluster`` from the region's
    dynamic configuration through Patroni's ``PATCH /config`` and gives the new primary what
    daejeon had: synchronous mode (one synchronous standby) and failsafe mode.
    """
    region = lab.region(name)
    upstream = other_region(lab, name)
    if not fence_marker(upstream.name).exists():
        raise DrillError(f"{upstream.name} is not fenced: run `lofin-ops dr fence {upstream.name}` first")
    started = time.monotonic()
    if writable_through(lab, region):
        return 0.0
    leader = member_with_role(lab, region, "standby_leader")
    patroni_request(
        lab,
        leader,
        "PATCH",
        "/config",
        {
            "standby_cluster": None,
            "synchronous_mode": True,
            "synchronous_mode_strict": True,  # as daejeon: no commit acknowledged by a lone primary
            "synchronous_node_count": 1,
            "failsafe_mode": True,
        },
    )
    try:
        wait_for(f"{name} writable through its HAProxy", lambda: writable_through(lab, region), timeout, 0.2)
    except LabError as error:
        raise DrillError(str(error)) from error
    return time.monotonic() - started
