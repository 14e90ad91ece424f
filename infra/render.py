"""Render every config file of a host from ``infra/templates`` — the one renderer the lab and pyinfra share.

A host's files are keyed by their production path (``/etc/patroni/patroni.yml``); the lab writes
them under the host's own directory (``var/lab/<host>/etc/patroni/patroni.yml``).
"""

from __future__ import annotations

import json
import os
import secrets as token
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from cryptography.hazmat.primitives import serialization

from infra.topology import LAB_DIR, Environment, Host, Region

TEMPLATES_DIR = Path(__file__).with_name("templates")
SECRET_NAMES = (
    "superuser_password",
    "replication_password",
    "rewind_password",
    "restapi_password",
    "app_password",
    "app_secret_key",
    "ops_webhook_token",
    "inspection_password",
)
# pgBackRest between the database hosts (`postgres`) and the repository host (`pgbackrest`) over SSH:
# one ed25519 key per side, OpenSSH private-key format, given by the operator like the passwords.
SSH_KEY_SECRETS = ("pgbackrest_ssh_key", "postgres_ssh_key")
# templates only an SSH-transport environment (production) renders; the lab's repository is local
SSH_ONLY_TEMPLATES = frozenset({"ssh-authorized-keys.j2", "ssh-config.j2"})
DATA_DIR = "/var/lib/postgresql/15/main"
SOCKET_DIR = "/var/run/postgresql"
REPO_PATH = "/var/lib/pgbackrest"
# pgBackRest on the repository host: a full backup on Sunday night, a differential the other nights
BACKUP_SCHEDULE = {"full": "Sun *-*-* 01:00:00", "diff": "Mon..Sat *-*-* 01:00:00"}
# the daily service inspection (lofin-ops inspect) runs on the primary region's first app host
INSPECTION_CALENDAR = "*-*-* 07:30:00 Asia/Seoul"
INSPECTION_ACCOUNTS = {"official": "inspection.official", "operator": "inspection.operator"}
INSPECTION_FILES = (
    "/etc/lofin/inspect.env",
    "/etc/systemd/system/lofin-inspect.service",
    "/etc/systemd/system/lofin-inspect.timer",
)

_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
    autoescape=False,  # noqa: S701 - these are config files, not HTML
)
_templates.filters["shell_quote"] = shlex.quote


@dataclass(frozen=True)
class RenderedFile:
    """One config file for one host: where it goes, what it says, who owns it."""

    path: str
    content: str
    owner: str = "root"
    mode: str = "0644"


def lab_secrets() -> dict[str, str]:
    """The lab's passwords: generated once per lab, kept in ``var/lab/secrets.json``."""
    path = LAB_DIR / "secrets.json"
    values = dict(json.loads(path.read_text(encoding="utf-8"))) if path.exists() else {}
    if all(name in values for name in SECRET_NAMES):
        return values
    # a lab made before a secret was added gets the new one; the existing passwords stay
    values |= {name: token.token_urlsafe(24) for name in SECRET_NAMES if name not in values}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(json.dumps(values, indent=2), encoding="utf-8")
    return values


def production_secrets(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """Production passwords come from the deploying operator's environment (``LOFIN_SECRET_<NAME>``)."""
    wanted = (*SECRET_NAMES, *SSH_KEY_SECRETS)
    missing = [name for name in wanted if f"LOFIN_SECRET_{name.upper()}" not in environ]
    if missing:
        names = ", ".join(f"LOFIN_SECRET_{name.upper()}" for name in missing)
        raise RuntimeError(f"set {names} before rendering production configs")
    return {name: environ[f"LOFIN_SECRET_{name.upper()}"] for name in wanted}


def public_key_of(private_key: str) -> str:
    """The OpenSSH public key line of an OpenSSH private key (the operator gives only the private one)."""
    key = serialization.load_ssh_private_key(private_key.encode(), password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )


def _ssh_files(
    env: Environment, host: Host, secrets: Mapping[str, str], context: dict[str, Any]
) -> list[RenderedFile]:
    """The key, authorized peer and client config of ``host``'s pgBackRest SSH user."""
    if "backup" in host.roles:
        user, home, own, peer = "pgbackrest", REPO_PATH, "pgbackrest_ssh_key", "postgres_ssh_key"
        # every database host may push WAL and be backed up: both regions (DR runs after a failover)
        peers = [db.address for region in env.regions.values() for db in region.with_role("db")]
    else:
        user, home, own, peer = "postgres", "/var/lib/postgresql", "postgres_ssh_key", "pgbackrest_ssh_key"
        peers = [backup_host(env).address]
    ssh = {**context, "ssh_user": user, "peer_key": public_key_of(secrets[peer]), "peer_addresses": peers}
    return [
        RenderedFile(f"{home}/.ssh/id_ed25519", secrets[own].strip() + "\n", owner=user, mode="0600"),
        RenderedFile(
            f"{home}/.ssh/authorized_keys",
            render_template("ssh-authorized-keys.j2", ssh),
            owner=user,
            mode="0600",
        ),
        RenderedFile(f"{home}/.ssh/config", render_template("ssh-config.j2", ssh), owner=user, mode="0600"),
    ]


def data_dir(env: Environment, host: Host) -> str:
    """PostgreSQL's data directory on ``host``."""
    return env.on_host(host, DATA_DIR)


def socket_dir(env: Environment, host: Host) -> str:
    """PostgreSQL's unix socket directory on ``host``."""
    return env.on_host(host, SOCKET_DIR)


def backup_host(env: Environment) -> Host:
    """The host that holds the pgBackRest repository (at the DR site)."""
    hosts = [host for region in env.regions.values() for host in region.with_role("backup")]
    if len(hosts) != 1:
        raise ValueError(f"the {env.name} topology needs exactly one backup host, found {len(hosts)}")
    return hosts[0]


def repo_path(env: Environment) -> str:
    """The pgBackRest repository directory on the backup host."""
    return env.on_host(backup_host(env), REPO_PATH)


def pgbackrest_config_path(env: Environment, host: Host) -> str:
    """Where ``pgbackrest.conf`` lives on ``host``."""
    return env.on_host(host, "/etc/pgbackrest/pgbackrest.conf")


def _primary_region(env: Environment) -> Region:
    return next(region for region in env.regions.values() if region.kind == "primary")


def _context(env: Environment, host: Host, secrets: Mapping[str, str]) -> dict[str, Any]:
    region = env.regions[host.region]
    upstream = env.regions[region.standby_of] if region.standby_of else None
    config = pgbackrest_config_path(env, host)
    return {
        "env": env,
        "host": host,
        "region": region,
        "ports": env.ports,
        "cluster": env.cluster,
        "secrets": secrets,
        "on_host": lambda path: env.on_host(host, path),
        "etcd_members": region.with_role("etcd"),
        "db_hosts": region.with_role("db"),
        "standby_regions": env.standby_regions_of[region.name],
        "upstream_haproxy": upstream.with_role("haproxy")[0] if upstream else None,
        "haproxy": region.with_role("haproxy")[0],
        "listen_address": "0.0.0.0" if env.settings["listen_on_all_addresses"] else host.address,  # noqa: S104 - see topology.toml
        "data_dir": data_dir(env, host),
        "socket_dir": socket_dir(env, host),
        "archive_command": f"pgbackrest --config={config} --stanza={env.cluster['stanza']} archive-push %p",
        "postgresql_parameters": env.postgresql_parameters,
        "patroni_bin": env.project_path("patroni_bin"),
        "app_root": env.project_path("app_root"),
        "rw_check": "/primary",
        # a standby region has no primary; its standby leader serves reads as well as its replicas
        "ro_check": "/replica" if region.kind == "primary" else "/read-only",
        "backup_host": backup_host(env),
        "repo_path": repo_path(env),
        "stanza_hosts": _primary_region(env).with_role("db") if "backup" in host.roles else [host],
        "db_data_dir": lambda db: data_dir(env, db),
        "db_socket_dir": lambda db: socket_dir(env, db),
    }


def render_template(name: str, context: Mapping[str, Any]) -> str:
    """One template rendered with ``context``."""
    return _templates.get_template(name).render(context)


def patroni_dcs(env: Environment, host: Host, secrets: Mapping[str, str]) -> str:
    """The cluster-wide ``bootstrap.dcs`` part of ``host``'s Patroni config, on its own."""
    return render_template("patroni-dcs.yml.j2", _context(env, host, secrets))


def render_host(env: Environment, host: Host, secrets: Mapping[str, str]) -> list[RenderedFile]:
    """Every config file ``host`` needs for its roles."""
    context = _context(env, host, secrets)
    files = [
        RenderedFile(
            "/etc/systemd/system/node-exporter.service", render_template("node-exporter.service.j2", context)
        ),
        RenderedFile(
            "/etc/prometheus/node-exporter-web.yml", render_template("exporter-web.yml.j2", context)
        ),
    ]
    if "etcd" in host.roles:
        files += [
            RenderedFile("/etc/etcd/etcd.conf.yml", render_template("etcd.conf.yml.j2", context)),
            RenderedFile("/etc/systemd/system/etcd.service", render_template("etcd.service.j2", context)),
        ]
    if "db" in host.roles:
        context["dcs"] = patroni_dcs(env, host, secrets)
        files += [
            RenderedFile(
                "/etc/patroni/patroni.yml",
                render_template("patroni.yml.j2", context),
                owner="postgres",
                mode="0600",
            ),
            RenderedFile(
                "/etc/systemd/system/patroni.service", render_template("patroni.service.j2", context)
            ),
            RenderedFile(
                "/etc/patroni/post-bootstrap.sh",
                render_template("patroni-post-bootstrap.sh.j2", context),
                owner="postgres",
                mode="0700",
            ),
            RenderedFile(
                "/etc/systemd/system/postgres-exporter.service",
                render_template("postgres-exporter.service.j2", context),
            ),
            RenderedFile(
                "/etc/prometheus/postgres-exporter-web.yml", render_template("exporter-web.yml.j2", context)
            ),
        ]
    if ("db" in host.roles or "backup" in host.roles) and env.settings["backup_repo_transport"] == "ssh":
        files += _ssh_files(env, host, secrets, context)
    if "db" in host.roles or "backup" in host.roles:
        files.append(
            RenderedFile(
                "/etc/pgbackrest/pgbackrest.conf",
                render_template("pgbackrest.conf.j2", context),
                owner="postgres",
                mode="0640",
            )
        )
    if "backup" in host.roles:
        files.append(
            RenderedFile(
                "/etc/systemd/system/pgbackrest-backup@.service",
                render_template("pgbackrest-backup@.service.j2", context),
            )
        )
        files += [
            RenderedFile(
                f"/etc/systemd/system/pgbackrest-{kind}.timer",
                render_template(
                    "pgbackrest-backup.timer.j2",
                    {**context, "backup_type": kind, "backup_calendar": calendar},
                ),
            )
            for kind, calendar in BACKUP_SCHEDULE.items()
        ]
    if "haproxy" in host.roles:
        files.append(RenderedFile("/etc/haproxy/haproxy.cfg", render_template("haproxy.cfg.j2", context)))
    if "app" in host.roles:
        files += [
            RenderedFile(
                "/etc/lofin/lofin.env", render_template("lofin.env.j2", context), owner="lofin", mode="0600"
            ),
            RenderedFile("/etc/systemd/system/lofin.service", render_template("lofin.service.j2", context)),
        ]
        if host == _primary_region(env).with_role("app")[0]:
            files += _inspection_files(env, context)
    return files


def _inspection_files(env: Environment, context: dict[str, Any]) -> list[RenderedFile]:
    """The daily inspection's accounts file, service and timer (see infra/inspect.py)."""
    reports = env.on_host(context["host"], "/var/lib/lofin/inspections")
    command = f"{context['app_root']}/.venv/bin/lofin-ops inspect --env {env.name} --reports-dir {reports}"
    context = {
        **context,
        "inspect_command": command,
        "inspection_calendar": INSPECTION_CALENDAR,
        "inspection_accounts": INSPECTION_ACCOUNTS,
    }
    path_env, path_service, path_timer = INSPECTION_FILES
    return [
        RenderedFile(path_env, render_template("lofin-inspect.env.j2", context), owner="lofin", mode="0600"),
        RenderedFile(path_service, render_template("lofin-inspect.service.j2", context)),
        RenderedFile(path_timer, render_template("lofin-inspect.timer.j2", context)),
    ]
