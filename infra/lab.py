"""The two-region lab: real etcd, Patroni/PostgreSQL 15, HAProxy, pgBackRest, app and monitoring processes on loopback.

Every config comes from :mod:`infra.render` (the templates pyinfra deploys) or, for Prometheus and
Alertmanager, from ``python -m monitoring.build render``, written under ``var/lab/<host>/`` as if that directory
were the host's ``/``. ``up`` is safe to repeat: it starts
only what does not run yet and takes the first full backup only once.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import psycopg

from infra import processes
from infra.processes import AS_POSTGRES, LabProcess
from infra.render import (
    REPO_PATH,
    data_dir,
    lab_secrets,
    pgbackrest_config_path,
    render_host,
    repo_path,
)
from infra.topology import LAB_DIR, PROJECT_ROOT, Environment, Host, Region, load

T = TypeVar("T")
Echo = Callable[[str], None]

PATRONI_VENV = PROJECT_ROOT / "var" / "patroni-venv"
PATRONI_REQUIREMENTS = Path(__file__).with_name("patroni-requirements.txt")
# argv[0] of every kind of process the lab runs (Patroni is its venv's python)
LAB_PROGRAMS = (
    "etcd",
    "haproxy",
    "pgbackrest",
    "/usr/lib/postgresql/",
    "/usr/bin/prometheus",  # Prometheus, prometheus-alertmanager and the two exporters
    str(PATRONI_VENV),
    str(Path(sys.executable).parent),
)
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"
# directories under a db host's root that PostgreSQL, Patroni and pgBackRest write to as `postgres`
POSTGRES_DIRS = (
    "/var/lib/postgresql",
    "/var/run/postgresql",
    "/var/log/pgbackrest",
    "/var/spool/pgbackrest",
    "/tmp/pgbackrest",  # noqa: S108 - pgBackRest's default lock path, here under the host's lab root
)
MONITORING_RULES = PROJECT_ROOT / "monitoring" / "rules"
# Prometheus keeps two hours: enough for every lab drill and rule window, and little memory
PROMETHEUS_RETENTION = "2h"


class LabError(RuntimeError):
    """The lab did not reach the expected state in time; the message says which step."""


@dataclass(frozen=True)
class Lab:
    """The lab environment with its generated passwords."""

    env: Environment
    secrets: Mapping[str, str]

    @classmethod
    def load(cls) -> Lab:
        """The lab as described in ``topology.toml``."""
        return cls(load("lab"), lab_secrets())

    def region_hosts(self, role: str, kind: str | None = None) -> list[Host]:
        """Hosts carrying ``role``, optionally only in regions of ``kind`` (primary/standby)."""
        return [
            host
            for region in self.env.regions.values()
            if kind is None or region.kind == kind
            for host in region.with_role(role)
        ]

    @property
    def primary_region(self) -> Region:
        """The region that takes writes (daejeon)."""
        return next(region for region in self.env.regions.values() if region.kind == "primary")

    @property
    def standby_regions(self) -> list[Region]:
        """The DR regions (gwangju)."""
        return [region for region in self.env.regions.values() if region.kind == "standby"]

    def region(self, name: str) -> Region:
        """The region called ``name``."""
        return self.env.regions[name]

    def haproxy_of(self, region: Region) -> Host:
        """The HAProxy host of ``region``."""
        return region.with_role("haproxy")[0]

    def superuser_dsn(self, address: str, port: int, dbname: str = "postgres") -> str:
        """A libpq connection string for the cluster superuser."""
        password = self.secrets["superuser_password"]
        user = self.env.cluster["superuser"]
        return f"host={address} port={port} dbname={dbname} user={user} password={password} connect_timeout=2"

    def app_database_url(self, region: Region) -> str:
        """The SQLAlchemy URL of the app database behind ``region``'s HAProxy read-write port."""
        cluster, ports = self.env.cluster, self.env.ports
        address = self.haproxy_of(region).address
        return (
            f"postgresql+psycopg://{cluster['app_user']}:{self.secrets['app_password']}"
            f"@{address}:{ports['haproxy_rw']}/{cluster['database']}"
        )


# ---------------------------------------------------------------- processes


def _minimal_env(home: Path) -> dict[str, str]:
    return {"PATH": SYSTEM_PATH, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "HOME": str(home)}


def etcd_process(lab: Lab, host: Host) -> LabProcess:
    """The etcd member on ``host``."""
    config = lab.env.on_host(host, "/etc/etcd/etcd.conf.yml")
    root = lab.env.root_of(host)
    return LabProcess(
        f"{host.name}-etcd", ["etcd", "--config-file", config], config, _minimal_env(root), root
    )


def patroni_process(lab: Lab, host: Host) -> LabProcess:
    """Patroni on ``host``, run as ``postgres``; setpriv execs, so the PID stays Patroni's."""
    config = lab.env.on_host(host, "/etc/patroni/patroni.yml")
    root = lab.env.root_of(host)
    argv = [*AS_POSTGRES, str(PATRONI_VENV / "bin" / "patroni"), config]
    env = _minimal_env(Path(lab.env.on_host(host, "/var/lib/postgresql")))
    return LabProcess(f"{host.name}-patroni", argv, config, env, root)


def haproxy_process(lab: Lab, host: Host) -> LabProcess:
    """HAProxy on ``host`` in the foreground (``-db``), so its PID is the one we started."""
    config = lab.env.on_host(host, "/etc/haproxy/haproxy.cfg")
    root = lab.env.root_of(host)
    return LabProcess(
        f"{host.name}-haproxy", ["haproxy", "-db", "-f", config], config, _minimal_env(root), root
    )


def read_env_file(path: Path) -> dict[str, str]:
    """``KEY=VALUE`` lines of a systemd EnvironmentFile."""
    values: dict[str, str] = {}
    if not path.exists():  # `lab down` on a half-written lab needs only the process markers
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def app_process(lab: Lab, host: Host) -> LabProcess:
    """``lofin serve`` on ``host`` with the EnvironmentFile the systemd unit would read."""
    root = lab.env.root_of(host)
    env = _minimal_env(root) | read_env_file(Path(lab.env.on_host(host, "/etc/lofin/lofin.env")))
    lofin = Path(sys.executable).with_name("lofin")
    argv = [str(lofin), "serve", "--host", host.address, "--port", str(lab.env.ports["app"])]
    ready = f"http://{host.address}:{lab.env.ports['app']}/health/ready"
    return LabProcess(f"{host.name}-app", argv, f"serve --host {host.address} ", env, PROJECT_ROOT, ready)


@dataclass(frozen=True)
class Unit:
    """What the lab needs from a rendered systemd unit: the command, its environment, the user."""

    exec_start: list[str]
    environment: dict[str, str]
    user: str


def read_unit(path: Path) -> Unit:
    """``ExecStart=``, ``Environment=`` and ``User=`` of a rendered systemd unit (single-line values).

    A unit not rendered yet (a purged or never started lab) runs nothing: an empty ``ExecStart``, so
    asking whether its process runs answers no instead of failing.
    """
    exec_start: list[str] = []
    environment: dict[str, str] = {}
    user = "root"
    if not path.exists():
        return Unit(exec_start, environment, user)
    for line in path.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        if key == "ExecStart":
            exec_start = shlex.split(value)
        elif key == "Environment":
            environment |= dict(item.split("=", 1) for item in shlex.split(value))
        elif key == "User":
            user = value.strip()
    return Unit(exec_start, environment, user)


def exporter_process(lab: Lab, host: Host, agent: str, port: int) -> LabProcess:
    """``agent`` (node-exporter, postgres-exporter) on ``host``, run as its unit's ``ExecStart`` and ``User``.

    An exporter has no config file of its own; its web config (named on the command line) marks it.
    """
    root = lab.env.root_of(host)
    unit = read_unit(Path(lab.env.on_host(host, f"/etc/systemd/system/{agent}.service")))
    as_user = ("setpriv", f"--reuid={unit.user}", f"--regid={unit.user}", "--init-groups")
    marker = lab.env.on_host(host, f"/etc/prometheus/{agent}-web.yml")
    env = _minimal_env(root) | unit.environment
    ready = f"http://{host.address}:{port}/metrics"
    return LabProcess(f"{host.name}-{agent}", [*as_user, *unit.exec_start], marker, env, root, ready)


def prometheus_process(lab: Lab, host: Host) -> LabProcess:
    """Prometheus on the monitoring ``host`` with its region's config and a short retention."""
    config = lab.env.on_host(host, "/etc/prometheus/prometheus.yml")
    root = lab.env.root_of(host)
    argv = [
        "/usr/bin/prometheus",
        f"--config.file={config}",
        f"--storage.tsdb.path={lab.env.on_host(host, '/var/lib/prometheus/metrics2')}",
        f"--storage.tsdb.retention.time={PROMETHEUS_RETENTION}",
        f"--web.listen-address={host.address}:{lab.env.ports['prometheus']}",
    ]
    ready = f"http://{host.address}:{lab.env.ports['prometheus']}/-/ready"
    return LabProcess(f"{host.name}-prometheus", argv, config, _minimal_env(root), root, ready)


def alertmanager_process(lab: Lab, host: Host) -> LabProcess:
    """Alertmanager on the monitoring ``host``, clustered with the other regions' through their gossip port."""
    config = lab.env.on_host(host, "/etc/prometheus/alertmanager.yml")
    root = lab.env.root_of(host)
    peers = [other for other in lab.region_hosts("monitoring") if other != host]
    argv = [
        "/usr/bin/prometheus-alertmanager",
        f"--config.file={config}",
        f"--storage.path={lab.env.on_host(host, '/var/lib/prometheus/alertmanager')}",
        f"--web.listen-address={host.address}:{lab.env.ports['alertmanager']}",
        f"--cluster.listen-address={host.address}:{lab.env.ports['alertmanager_cluster']}",
        *(f"--cluster.peer={peer.address}:{lab.env.ports['alertmanager_cluster']}" for peer in peers),
    ]
    ready = f"http://{host.address}:{lab.env.ports['alertmanager']}/-/ready"
    return LabProcess(f"{host.name}-alertmanager", argv, config, _minimal_env(root), root, ready)


def all_processes(lab: Lab) -> dict[str, list[LabProcess]]:
    """Every lab process, grouped by the order they stop in (monitoring and apps first, etcd last)."""
    ports = lab.env.ports
    return {
        "monitoring": [
            process
            for host in lab.region_hosts("monitoring")
            for process in (prometheus_process(lab, host), alertmanager_process(lab, host))
        ],
        "exporters": [
            *(
                exporter_process(lab, host, "node-exporter", ports["node_exporter"])
                for host in lab.env.node_exporter_hosts
            ),
            *(
                exporter_process(lab, host, "postgres-exporter", ports["postgres_exporter"])
                for host in lab.region_hosts("db")
            ),
        ],
        "app": [app_process(lab, host) for host in lab.region_hosts("app")],
        "haproxy": [haproxy_process(lab, host) for host in lab.region_hosts("haproxy")],
        "patroni": [patroni_process(lab, host) for host in lab.region_hosts("db")],
        "etcd": [etcd_process(lab, host) for host in lab.region_hosts("etcd")],
    }


# ---------------------------------------------------------------- files


def ensure_patroni_venv(echo: Echo) -> None:
    """Build ``var/patroni-venv`` from /usr/bin/python3 (readable by postgres) if it is missing."""
    if (PATRONI_VENV / "bin" / "patroni").exists():
        return
    echo(f"building {PATRONI_VENV} from {PATRONI_REQUIREMENTS.name} (once)")
    subprocess.run(["/usr/bin/python3", "-m", "venv", str(PATRONI_VENV)], check=True)  # noqa: S603 - fixed argv
    pip = [str(PATRONI_VENV / "bin" / "pip"), "install", "-q", "-r", str(PATRONI_REQUIREMENTS)]
    subprocess.run(pip, check=True)  # noqa: S603 - fixed argv


def _chown(path: Path, owner: str) -> None:
    try:
        user = pwd.getpwnam(owner)
    except KeyError:  # the lab runs the app as root: there is no `lofin` user on this machine
        return
    os.chown(path, user.pw_uid, user.pw_gid)


def write_configs(lab: Lab) -> None:
    """Render every host's files into its lab directory, with the owners and modes production uses."""
    LAB_DIR.mkdir(parents=True, exist_ok=True)
    LAB_DIR.chmod(0o755)  # postgres must traverse it
    for host in lab.env.hosts:
        root = lab.env.root_of(host)
        root.mkdir(exist_ok=True)
        for rendered in render_host(lab.env, host, lab.secrets):
            target = Path(lab.env.on_host(host, rendered.path))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(rendered.content, encoding="utf-8")
            target.chmod(int(rendered.mode, 8))
            _chown(target, rendered.owner)
        postgres_dirs = list(POSTGRES_DIRS) if "db" in host.roles else []
        postgres_dirs += [REPO_PATH] if "backup" in host.roles else []
        for directory in postgres_dirs:
            path = Path(lab.env.on_host(host, directory))
            path.mkdir(parents=True, exist_ok=True, mode=0o750)
            _chown(path, "postgres")
        if "haproxy" in host.roles:
            Path(lab.env.on_host(host, "/run/haproxy")).mkdir(parents=True, exist_ok=True)
    write_monitoring_configs(lab)


def write_monitoring_configs(lab: Lab) -> None:
    """Each monitoring host: its region's Prometheus config, the shared Alertmanager config, the rules.

    ``monitoring/`` is a checkout directory, not an installed package, so its renderer runs as
    ``python -m monitoring.build render`` from the project root, the command the README documents.
    """
    for host in lab.region_hosts("monitoring"):
        etc = Path(lab.env.on_host(host, "/etc/prometheus"))
        rules_dir = etc / "rules"
        rules_dir.mkdir(parents=True, exist_ok=True)
        for rules in MONITORING_RULES.glob("*.rules.yml"):
            shutil.copyfile(rules, rules_dir / rules.name)
        with tempfile.TemporaryDirectory() as out:
            render = [sys.executable, "-m", "monitoring.build", "render", "--env", lab.env.name]
            token_file = etc / "control-center-webhook.token"
            token_file.touch(mode=0o600)
            token_file.write_text(lab.secrets["ops_webhook_token"], encoding="utf-8")
            render += ["--out", out, "--rules-dir", str(rules_dir)]
            render += ["--control-center-token-file", str(token_file)]
            subprocess.run(render, cwd=PROJECT_ROOT, check=True, capture_output=True, timeout=60)  # noqa: S603 - fixed argv
            shutil.copyfile(Path(out, f"prometheus-{host.region}.yml"), etc / "prometheus.yml")
            shutil.copyfile(Path(out, "alertmanager.yml"), etc / "alertmanager.yml")


# ---------------------------------------------------------------- probes


def wait_for(what: str, probe: Callable[[], T | None], timeout: float, interval: float = 0.3) -> T:
    """Poll ``probe`` until it returns something truthy (and return that), at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise LabError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def http_status(url: str, timeout: float = 2.0) -> int:
    """The status code of GET ``url``; 0 when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - http URLs built from the topology
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def http_json(url: str, timeout: float = 2.0) -> tuple[int, Any]:
    """GET ``url``; (status, parsed JSON body or None). (0, None) when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - http URLs built from the topology
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read() or b"null")
        except ValueError:
            return error.code, None
    except (OSError, ValueError):
        return 0, None


def port_open(address: str, port: int) -> bool:
    """Whether something accepts TCP connections on ``address:port``."""
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((address, port)) == 0


def log_tail(process: LabProcess, lines: int = 8) -> str:
    """The last lines of ``process``'s log, for error messages."""
    try:
        return "\n".join(process.log_file.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _answers(process: LabProcess) -> bool:
    if processes.running_pid(process) is None:
        raise LabError(
            f"{process.name} exited while starting; {process.log_file} ends with:\n{log_tail(process)}"
        )
    return process.ready_url is not None and http_status(process.ready_url) == 200


def etcd_healthy(lab: Lab, host: Host) -> bool:
    """Whether the etcd member on ``host`` reports itself healthy (its cluster has quorum)."""
    status, body = http_json(f"http://{host.address}:{lab.env.ports['etcd_client']}/health")
    return status == 200 and isinstance(body, dict) and body.get("health") == "true"


def patroni_cluster(lab: Lab, region: Region) -> dict[str, Any] | None:
    """Patroni's ``/cluster`` view of ``region`` from the first member that answers."""
    for host in region.with_role("db"):
        status, body = http_json(f"http://{host.address}:{lab.env.ports['patroni']}/cluster")
        if status == 200 and isinstance(body, dict):
            return body
    return None


def leader_host(lab: Lab, region: Region) -> Host | None:
    """The host holding ``region``'s leader lock (primary or standby leader), if any."""
    cluster = patroni_cluster(lab, region) or {}
    for member in cluster.get("members", []):
        if member.get("role") in ("leader", "standby_leader") and member.get("state") in (
            "running",
            "streaming",
        ):
            return lab.env.host(member["name"])
    return None


def _members_ready(lab: Lab, region: Region) -> bool:
    cluster = patroni_cluster(lab, region) or {}
    members = cluster.get("members", [])
    if len(members) != len(region.with_role("db")):
        return False
    leader_roles = {"leader"} if region.kind == "primary" else {"standby_leader"}
    # a standby leader streams from the other region, so its state is "streaming", not "running"
    leaders = [
        m for m in members if m.get("role") in leader_roles and m.get("state") in ("running", "streaming")
    ]
    streaming = [m for m in members if m.get("state") == "streaming" and m not in leaders]
    synced = region.kind != "primary" or any(m.get("role") == "sync_standby" for m in members)
    return len(leaders) == 1 and len(streaming) == len(members) - 1 and synced


def sql(lab: Lab, address: str, port: int, statement: str, dbname: str = "postgres") -> list[tuple[Any, ...]]:
    """Run one statement as the superuser with autocommit; returns the rows (empty when none)."""
    with psycopg.connect(lab.superuser_dsn(address, port, dbname), autocommit=True) as connection:
        cursor = connection.execute(statement.encode())
        return list(cursor.fetchall()) if cursor.description else []


def _primary_writable(lab: Lab) -> bool:
    address = lab.haproxy_of(lab.primary_region).address
    try:
        rows = sql(lab, address, lab.env.ports["haproxy_rw"], "SELECT pg_is_in_recovery()")
    except psycopg.Error:
        return False
    return rows == [(False,)]


def _standby_slot_exists(lab: Lab) -> bool:
    address = lab.haproxy_of(lab.primary_region).address
    names = ", ".join(f"'{region.slot_name}'" for region in lab.standby_regions)
    try:
        rows = sql(
            lab,
            address,
            lab.env.ports["haproxy_rw"],
            f"SELECT count(*) FROM pg_replication_slots WHERE slot_name IN ({names})",  # noqa: S608 - names come from the topology
        )
    except psycopg.Error:
        return False
    return rows == [(len(lab.standby_regions),)]


# ---------------------------------------------------------------- database set-up


def ensure_app_database(lab: Lab) -> None:
    """Create the app's role and database on the primary unless they exist."""
    address, port = lab.haproxy_of(lab.primary_region).address, lab.env.ports["haproxy_rw"]
    cluster = lab.env.cluster
    user, database, password = cluster["app_user"], cluster["database"], lab.secrets["app_password"]
    if not sql(lab, address, port, f"SELECT 1 FROM pg_roles WHERE rolname = '{user}'"):  # noqa: S608 - topology value
        sql(lab, address, port, f"CREATE ROLE {user} LOGIN PASSWORD '{password}'")
    if not sql(lab, address, port, f"SELECT 1 FROM pg_database WHERE datname = '{database}'"):  # noqa: S608 - topology value
        sql(lab, address, port, f"CREATE DATABASE {database} OWNER {user}")


def pgbackrest(lab: Lab, host: Host, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run pgBackRest as ``postgres`` with ``host``'s config."""
    argv = [
        *AS_POSTGRES,
        "pgbackrest",
        f"--config={pgbackrest_config_path(lab.env, host)}",
        f"--stanza={lab.env.cluster['stanza']}",
        *args,
    ]
    env = _minimal_env(Path(lab.env.on_host(host, "/var/lib/postgresql")))
    return subprocess.run(  # noqa: S603 - fixed argv
        argv, capture_output=True, text=True, env=env, cwd=lab.env.root_of(host), timeout=timeout, check=False
    )


def backup_info(lab: Lab) -> list[dict[str, Any]]:
    """The backups in the repository (pgBackRest's ``info --output=json`` for the stanza)."""
    host = lab.region_hosts("db", "primary")[0]
    result = pgbackrest(lab, host, "info", "--output=json", timeout=15)
    if result.returncode != 0:
        return []
    stanzas = json.loads(result.stdout or "[]")
    return list(stanzas[0].get("backup", [])) if stanzas else []


def ensure_first_backup(lab: Lab, echo: Echo) -> None:
    """Create the stanza and take a full backup from the primary, unless a backup exists already."""
    if backup_info(lab):
        return
    primary = wait_for("a daejeon leader", lambda: leader_host(lab, lab.primary_region), 30)
    for step in (("stanza-create",), ("backup", "--type=full")):
        result = pgbackrest(lab, primary, *step, timeout=120)
        if result.returncode != 0:
            raise LabError(
                f"pgbackrest {' '.join(step)} failed: {result.stdout[-2000:]}{result.stderr[-2000:]}"
            )
    echo(f"first full backup taken from {primary.name} into {repo_path(lab.env)}")


def prepare_app_schema(lab: Lab) -> None:
    """``lofin db upgrade`` and ``lofin seed --demo`` against the primary (both are idempotent)."""
    lofin = str(Path(sys.executable).with_name("lofin"))
    env = {**os.environ, "LOFIN_DATABASE_URL": lab.app_database_url(lab.primary_region)}
    for argv in ([lofin, "db", "upgrade"], [lofin, "seed", "--demo"]):
        result = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120, check=False)  # noqa: S603 - fixed argv
        if result.returncode != 0:
            raise LabError(f"{' '.join(argv[1:])} failed: {result.stderr[-2000:]}")


# ---------------------------------------------------------------- up / down


def start_database_region(lab: Lab, region: Region) -> None:
    """Start ``region``'s Patroni nodes and its HAProxy (whatever of them is not running yet)."""
    for host in region.with_role("db"):
        processes.start(patroni_process(lab, host))
    for host in region.with_role("haproxy"):
        processes.start(haproxy_process(lab, host))


def fence_marker(region: str) -> Path:
    """The file ``lofin-ops dr fence`` writes: while it exists the lab starts no database, HAProxy or app there.

    It stands for what production does on the region's hosts (``systemctl mask patroni haproxy lofin``).
    """
    return LAB_DIR / "fence" / f"{region}.json"


# what a fenced region may still run: nothing in these hold or serve the database
FENCE_ALLOWS = ("etcd", "node-exporter", "prometheus", "alertmanager")


def service_of(host: Host, process: LabProcess) -> str:
    """``patroni`` for ``daejeon-db1-patroni``: which of the host's services ``process`` is."""
    return process.name.removeprefix(f"{host.name}-")


def host_processes(lab: Lab, host: Host) -> list[LabProcess]:
    """The lab processes of ``host``, in the order they stop (monitoring and apps first, etcd last)."""
    return [p for group in all_processes(lab).values() for p in group if p.name.startswith(f"{host.name}-")]


def start_host(lab: Lab, host: Host, services: tuple[str, ...] = ()) -> list[str]:
    """Start ``host``'s processes (only ``services`` when given) that do not run; returns their names.

    Configs are not rendered again: the host runs what its directory holds, as a restarted
    production host runs its deployed files. A fenced region starts only etcd and monitoring.
    """
    chosen = [
        p for p in reversed(host_processes(lab, host)) if not services or service_of(host, p) in services
    ]
    if not chosen:
        raise LabError(f"{host.name} runs none of {', '.join(services)}")
    marker = fence_marker(host.region)
    refused = [p.name for p in chosen if service_of(host, p) not in FENCE_ALLOWS]
    if marker.exists() and refused:
        raise LabError(
            f"{host.region} is fenced ({marker}): {', '.join(refused)} must not start; "
            "the failback (runbooks/failback.md) lifts the fence"
        )
    started = [p.name for p in chosen if processes.running_pid(p) is None]
    for process in chosen:
        processes.start(process)
    return started


def stop_host(lab: Lab, host: Host, services: tuple[str, ...] = (), timeout: float = 20.0) -> list[str]:
    """Stop ``host``'s processes (only ``services`` when given) gracefully; returns the names stopped.

    Patroni stops its PostgreSQL on SIGTERM; a postmaster that outlives it (its Patroni was killed)
    gets PostgreSQL's fast shutdown through ``postmaster.pid``.
    """
    stopped = []
    for process in host_processes(lab, host):
        if services and service_of(host, process) not in services:
            continue
        pid = processes.running_pid(process)
        if pid is not None:
            processes.stop([pid], signal.SIGTERM, timeout)
            stopped.append(process.name)
        if service_of(host, process) == "patroni":
            postmaster = processes.postmaster_pid(Path(data_dir(lab.env, host)))
            if postmaster is not None:
                processes.stop([postmaster], signal.SIGINT, timeout)
                stopped.append(f"{host.name}-postmaster")
    return stopped


def up(echo: Echo = print) -> float:
    """Bring the whole lab up (or complete a partial one); returns the seconds it took."""
    if os.geteuid() != 0:
        raise LabError(
            "the lab must run as root: it starts PostgreSQL and Patroni as `postgres` with setpriv"
        )
    fenced = [region for region in load("lab").regions if fence_marker(region).exists()]
    if fenced:
        raise LabError(
            f"{', '.join(fenced)} is fenced after a DR activation: `lab up` would start a second primary; "
            "follow runbooks/failback.md (or `lofin-ops lab down --purge` to start over)"
        )
    ensure_patroni_venv(echo)
    started = time.monotonic()
    lab = Lab.load()
    write_configs(lab)
    groups = all_processes(lab)

    for process in groups["etcd"]:
        processes.start(process)
    for host in lab.region_hosts("etcd"):
        wait_for(f"etcd on {host.name}", lambda host=host: etcd_healthy(lab, host), 20)
    echo(f"etcd: {len(groups['etcd'])} members healthy ({time.monotonic() - started:.1f} s)")

    primary, standbys = lab.primary_region, lab.standby_regions
    start_database_region(lab, primary)
    wait_for(f"a writable {primary.name} primary behind HAProxy", lambda: _primary_writable(lab), 40)
    echo(f"{primary.name}: primary writable through HAProxy ({time.monotonic() - started:.1f} s)")

    # a standby cluster streams through its slot, so the slot must exist before it connects
    wait_for("the permanent slots for the standby regions", lambda: _standby_slot_exists(lab), 15)
    for region in standbys:
        start_database_region(lab, region)

    ensure_app_database(lab)
    # the first backup copies files while the app schema is migrated and seeded
    with ThreadPoolExecutor(max_workers=1) as background:
        backup = background.submit(ensure_first_backup, lab, echo)
        prepare_app_schema(lab)
        backup.result()
    echo(f"app schema migrated and seeded ({time.monotonic() - started:.1f} s)")

    for region in [primary, *standbys]:
        wait_for(
            f"every {region.name} member streaming", lambda region=region: _members_ready(lab, region), 40
        )
    echo(f"replication: both regions streaming ({time.monotonic() - started:.1f} s)")

    # Monitoring starts on a settled cluster, so its first samples do not record bring-up as a
    # leader change; it comes up while the apps do.
    for process in groups["monitoring"] + groups["exporters"] + groups["app"]:
        processes.start(process)
    for process in groups["monitoring"] + groups["exporters"] + groups["app"]:
        wait_for(f"{process.name} ready", lambda process=process: _answers(process), 30)
    elapsed = time.monotonic() - started
    echo(f"lab up in {elapsed:.1f} s")
    return elapsed


def lab_ports(env: Environment) -> list[tuple[str, int]]:
    """Every address:port the lab listens on."""
    ports = env.ports
    by_role = {
        "etcd": (ports["etcd_client"], ports["etcd_peer"]),
        "db": (ports["postgres"], ports["patroni"], ports["postgres_exporter"]),
        "haproxy": (ports["haproxy_rw"], ports["haproxy_ro"], ports["haproxy_stats"]),
        "app": (ports["app"],),
        "monitoring": (ports["prometheus"], ports["alertmanager"], ports["alertmanager_cluster"]),
    }
    listening = [
        (host.address, port) for host in env.hosts for role in host.roles for port in by_role.get(role, ())
    ]
    return listening + [(host.address, ports["node_exporter"]) for host in env.node_exporter_hosts]


def down(purge: bool = False, echo: Echo = print) -> float:
    """Stop every lab process by PID (postmasters through ``postmaster.pid``); returns seconds taken."""
    started = time.monotonic()
    env = load("lab")
    if not LAB_DIR.exists():
        return 0.0
    lab = Lab(env, lab_secrets())
    groups = all_processes(lab)
    running = {
        name: [p for p in (processes.running_pid(x) for x in group) if p] for name, group in groups.items()
    }
    postmasters = {
        pid: processes.children_of(pid)
        for host in lab.region_hosts("db")
        if (pid := processes.postmaster_pid(Path(data_dir(env, host)))) is not None
    }
    # Everything at once: Patroni stops on SIGTERM, and each postmaster gets PostgreSQL's fast
    # shutdown (SIGINT) directly, so a synchronous standby's Patroni need not wait for its
    # primary to release it before it stops its own PostgreSQL.
    # One monitoring process at a time: an Alertmanager leaves its cluster gracefully only while its
    # peer still answers (two leaving at once each wait out the other, ≈ 8 s).
    for pid in running["monitoring"]:
        processes.stop([pid], signal.SIGTERM, 3.0)
    processes.send(postmasters, signal.SIGINT)
    front = running["exporters"] + running["app"] + running["haproxy"]
    processes.stop(front + running["patroni"], signal.SIGTERM, 8.0)
    processes.stop(list(postmasters), signal.SIGQUIT, 2.0)
    processes.stop([child for children in postmasters.values() for child in children], signal.SIGKILL, 1.0)
    echo(f"monitoring, apps, HAProxy, Patroni and PostgreSQL stopped ({time.monotonic() - started:.1f} s)")
    # the last member of a region waits for peers that are already gone; etcd is crash-safe, so 1.5 s is enough
    processes.stop(running["etcd"], signal.SIGTERM, 1.5)
    echo(f"etcd stopped ({time.monotonic() - started:.1f} s)")
    strays = processes.lab_strays(LAB_PROGRAMS)
    if strays:
        processes.stop(strays, signal.SIGKILL, 2.0)
    # a killed process closes its sockets as it exits; give the kernel a moment, bounded
    with contextlib.suppress(LabError):
        wait_for(
            "the lab's ports to close", lambda: not any(port_open(a, p) for a, p in lab_ports(env)), 3.0, 0.1
        )
    for group in groups.values():
        for process in group:
            process.pid_file.unlink(missing_ok=True)
    if purge:
        shutil.rmtree(LAB_DIR)
    elapsed = time.monotonic() - started
    echo(f"lab down in {elapsed:.1f} s{' (state removed)' if purge else ''}")
    return elapsed
