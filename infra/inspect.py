"""The daily service inspection (``lofin-ops inspect``): synthetic end-to-end checks and the platform's vital signs.

Each check answers ok / warn / fail with what it saw and how long it took:

- **services**: every app instance's ``/health/ready``; through the first app of the primary region, every
  service's landing page (the public ones anonymously, the others after signing in through the real
  ``/login`` form), and an e-Hojo+ read API call with a bearer token from ``POST /api/auth/token``;
- **backup**: the newest backup in pgBackRest's ``info --output=json`` (older than 26 h fails);
- **replication**: per region, Patroni's ``/cluster``: a leader, a synchronous standby in the primary
  region, a streaming standby leader in the DR region, replica lag; the DR lag from Prometheus;
- **certificates**: expiry of the configured TLS certificate files ("not configured" when there are none);
- **disk**: free space of the data filesystems and, from the previous report, days until full;
- **time sync**: ``timedatectl`` or ``chronyc``; *unknown* (a warning) when neither can tell.

The report is written to ``var/inspections/<UTC stamp>.json`` and submitted to the control center
(``POST /api/ops/inspections`` with an operator's token); the command exits 1 when any check fails.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Literal

import click
import httpx
from cryptography import x509

from infra.processes import AS_POSTGRES
from infra.render import backup_host, pgbackrest_config_path
from infra.topology import PROJECT_ROOT, Environment, EnvironmentName, load

Status = Literal["ok", "warn", "fail"]
REPORTS_DIR = PROJECT_ROOT / "var" / "inspections"
HTTP_TIMEOUT = 5.0
BACKUP_MAX_AGE_HOURS = 26.0
REPLICA_LAG_WARN_BYTES = 64 * 1024 * 1024
DR_LAG_WARN_SECONDS, DR_LAG_FAIL_SECONDS = 5.0, 60.0
CERT_WARN_DAYS, CERT_FAIL_DAYS = 30, 14
DISK_WARN_FREE, DISK_FAIL_FREE = 0.20, 0.10
DISK_WARN_DAYS, DISK_FAIL_DAYS = 30.0, 7.0
PUBLIC_SERVICES = ("participation", "disclosure")
SIGNED_IN_SERVICES = ("finance", "subsidy", "policy", "billing")
CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


@dataclass
class Check:
    """One check's outcome."""

    name: str
    category: str
    status: Status
    detail: str
    duration_seconds: float = 0.0


@dataclass
class Credentials:
    """An account the inspection signs in with."""

    username: str
    password: str


@dataclass
class Target:
    """What one environment's inspection looks at."""

    environment: str
    app_urls: dict[str, list[str]]
    primary_region: str
    patroni_urls: dict[str, list[str]]
    prometheus_url: str | None
    backup_command: list[str] | None
    certificates: list[Path]
    disk_paths: list[Path]
    account: Credentials
    operator: Credentials
    lab: bool = False
    measurements: dict[str, Any] = field(default_factory=dict)


class Failed(Exception):
    """A check found something wrong; its message is the detail."""


class Warned(Exception):
    """A check found something to look at; its message is the detail."""


def run_check(name: str, category: str, probe: Callable[[], str]) -> Check:
    """Run ``probe``: its return value is an ok detail, :class:`Warned`/:class:`Failed` the others."""
    started = time.monotonic()
    try:
        status: Status = "ok"
        detail = probe()
    except Warned as warning:
        status, detail = "warn", str(warning)
    except Failed as failure:
        status, detail = "fail", str(failure)
    except (httpx.HTTPError, OSError, subprocess.SubprocessError, ValueError, KeyError) as error:
        status, detail = "fail", f"{type(error).__name__}: {error}"
    return Check(name, category, status, detail, round(time.monotonic() - started, 3))


# ---------------------------------------------------------------- services


def check_ready(client: httpx.Client, url: str, standby: bool) -> str:
    """``/health/ready``: ready; read-only is expected only in a standby region."""
    response = client.get(f"{url}/health/ready")
    body = response.json()
    if response.status_code != 200:
        raise Failed(f"{url}: {response.status_code} {body.get('status', '')}")
    if body.get("status") == "read-only" and not standby:
        raise Failed(f"{url}: read-only outside the standby region")
    return f"{url}: {body.get('status')} ({body.get('database', {}).get('role', '?')})"


def sign_in(client: httpx.Client, url: str, account: Credentials) -> str:
    """Sign in through the real ``/login`` form (CSRF token and session cookie included)."""
    form = client.get(f"{url}/login")
    match = CSRF_FIELD.search(form.text)
    if form.status_code != 200 or not match:
        raise Failed(f"the sign-in form did not load ({form.status_code})")
    response = client.post(
        f"{url}/login",
        data={
            "username": account.username,
            "password": account.password,
            "next": "/",
            "_csrf_token": match[1],
        },
    )
    if response.status_code != 303:
        raise Failed(f"signing in as {account.username} failed ({response.status_code})")
    return f"signed in as {account.username}"


def check_landing_page(client: httpx.Client, url: str, slug: str) -> str:
    """A service's landing page answers 200 with HTML."""
    started = time.monotonic()
    response = client.get(f"{url}/{slug}/")
    if response.status_code != 200 or "<html" not in response.text:
        raise Failed(f"/{slug}/ answered {response.status_code}")
    return f"/{slug}/ 200 in {1000 * (time.monotonic() - started):.0f} ms"


def check_finance_api(client: httpx.Client, url: str, account: Credentials) -> str:
    """Bearer token for the inspection account, then an e-Hojo+ read API call."""
    issued = client.post(
        f"{url}/api/auth/token",
        json={"username": account.username, "password": account.password, "label": "daily inspection"},
    )
    if issued.status_code != 201:
        raise Failed(f"token for {account.username}: {issued.status_code}")
    token = issued.json()["token"]
    response = client.get(
        f"{url}/api/finance/budget-lines", params={"limit": 1}, headers={"Authorization": f"Bearer {token}"}
    )
    if response.status_code != 200:
        raise Failed(f"/api/finance/budget-lines answered {response.status_code}")
    return f"/api/finance/budget-lines 200, {response.json().get('total', '?')} lines visible"


def service_checks(target: Target) -> list[Check]:
    """Readiness of every app instance, then the six services through the primary region's first app."""
    checks = []
    with httpx.Client(timeout=HTTP_TIMEOUT) as client:
        for region, urls in target.app_urls.items():
            standby = region != target.primary_region
            checks += [
                run_check(f"ready {url}", "services", partial(check_ready, client, url, standby))
                for url in urls
            ]
    url = target.app_urls[target.primary_region][0]
    with httpx.Client(timeout=HTTP_TIMEOUT) as anonymous:
        checks += [
            run_check(f"page /{slug}/", "services", partial(check_landing_page, anonymous, url, slug))
            for slug in PUBLIC_SERVICES
        ]
    with httpx.Client(timeout=HTTP_TIMEOUT) as browser:
        signed_in = run_check("sign-in", "services", lambda: sign_in(browser, url, target.account))
        checks.append(signed_in)
        for slug in SIGNED_IN_SERVICES:
            if signed_in.status == "ok":
                checks.append(
                    run_check(f"page /{slug}/", "services", partial(check_landing_page, browser, url, slug))
                )
            else:
                checks.append(Check(f"page /{slug}/", "services", "fail", "not checked: the sign-in failed"))
    with httpx.Client(timeout=HTTP_TIMEOUT) as api:
        checks.append(
            run_check("e-Hojo+ API", "services", lambda: check_finance_api(api, url, target.account))
        )
    return checks


# ---------------------------------------------------------------- backup


def newest_backup_age(info: list[dict[str, Any]], now: float) -> tuple[str, float]:
    """The newest backup's label and its age in hours, from ``pgbackrest info --output=json``."""
    backups = [backup for stanza in info for backup in stanza.get("backup", [])]
    if not backups:
        raise Failed("no backup in the repository")
    newest = max(backups, key=lambda backup: backup["timestamp"]["stop"])
    return str(newest["label"]), (now - float(newest["timestamp"]["stop"])) / 3600


def backup_age_from_prometheus(prometheus_url: str | None, now: float) -> tuple[str, float]:
    """Where pgBackRest is not installed: its textfile metric, as the BackupTooOld alert reads it."""
    if not prometheus_url:
        raise Warned("unknown: neither pgBackRest nor Prometheus is configured for this inspection")
    with httpx.Client(timeout=HTTP_TIMEOUT) as client:
        response = client.get(
            f"{prometheus_url}/api/v1/query",
            params={"query": "max(pgbackrest_last_backup_timestamp_seconds)"},
        )
        response.raise_for_status()
        result = response.json()["data"]["result"]
    if not result:
        raise Failed("Prometheus has no pgbackrest_last_backup_timestamp_seconds")
    return "(from Prometheus)", (now - float(result[0]["value"][1])) / 3600


def check_backup(target: Target) -> str:
    """The newest backup is younger than 26 h."""
    if target.backup_command is None:
        label, age = backup_age_from_prometheus(target.prometheus_url, time.time())
        return _judge_backup_age(label, age)
    result = subprocess.run(  # noqa: S603 - argv built from the topology
        target.backup_command, capture_output=True, text=True, timeout=60, check=False
    )
    if result.returncode != 0:
        raise Failed(
            f"pgbackrest info failed ({result.returncode}): {(result.stderr or result.stdout)[-300:]}"
        )
    label, age = newest_backup_age(json.loads(result.stdout or "[]"), time.time())
    return _judge_backup_age(label, age)


def _judge_backup_age(label: str, age: float) -> str:
    detail = f"newest backup {label}, {age:.1f} h old"
    if age > BACKUP_MAX_AGE_HOURS:
        raise Failed(f"{detail} (limit {BACKUP_MAX_AGE_HOURS:.0f} h)")
    return detail


# ---------------------------------------------------------------- replication


def cluster_of(client: httpx.Client, urls: list[str]) -> dict[str, Any]:
    """``/cluster`` from the first member that answers."""
    errors = []
    for url in urls:
        try:
            response = client.get(f"{url}/cluster")
            response.raise_for_status()
            return dict(response.json())
        except (httpx.HTTPError, ValueError) as error:
            errors.append(f"{url}: {type(error).__name__}")
    raise Failed(f"no Patroni member answers ({'; '.join(errors)})")


def judge_cluster(cluster: dict[str, Any], standby_region: bool) -> str:
    """A leader, a synchronous standby (primary region) or a streaming standby leader (DR), lag in bounds."""
    members = cluster.get("members", [])
    roles = {m.get("name"): m.get("role") for m in members}
    summary = ", ".join(f"{m.get('name')} {m.get('role')}/{m.get('state')}" for m in members)
    if standby_region:
        leader = next((m for m in members if m.get("role") == "standby_leader"), None)
        if leader is None:
            raise Failed(f"no standby leader: {summary}")
        if leader.get("state") != "streaming":
            raise Failed(f"standby leader {leader.get('name')} is {leader.get('state')}, not streaming")
    else:
        if not any(role in ("leader", "primary") for role in roles.values()):
            raise Failed(f"no leader: {summary}")
        if "sync_standby" not in roles.values():
            raise Failed(f"no synchronous standby: {summary}")
    lagging = [
        f"{m.get('name')} {m['lag']} B"
        for m in members
        if isinstance(m.get("lag"), int) and m["lag"] > REPLICA_LAG_WARN_BYTES
    ]
    if lagging:
        raise Warned(f"replicas behind: {', '.join(lagging)}; {summary}")
    not_running = [m.get("name") for m in members if m.get("state") not in ("running", "streaming")]
    if not_running:
        raise Warned(f"not running: {', '.join(map(str, not_running))}; {summary}")
    return summary


def check_dr_lag(client: httpx.Client, prometheus_url: str | None) -> str:
    """The DR standby's replay lag in seconds, as Prometheus records it."""
    if not prometheus_url:
        raise Warned("unknown: no Prometheus configured")
    response = client.get(
        f"{prometheus_url}/api/v1/query", params={"query": "max(lofin:dr_standby_lag:seconds)"}
    )
    response.raise_for_status()
    result = response.json()["data"]["result"]
    if not result:
        raise Warned("unknown: Prometheus has no DR lag series")
    lag = float(result[0]["value"][1])
    if lag > DR_LAG_FAIL_SECONDS:
        raise Failed(f"DR standby {lag:.1f} s behind")
    if lag > DR_LAG_WARN_SECONDS:
        raise Warned(f"DR standby {lag:.1f} s behind")
    return f"DR standby {lag:.1f} s behind"


def judge_region(client: httpx.Client, urls: list[str], standby_region: bool) -> str:
    """One region's cluster, judged."""
    return judge_cluster(cluster_of(client, urls), standby_region)


def replication_checks(target: Target) -> list[Check]:
    """Each region's cluster, then the DR lag."""
    with httpx.Client(timeout=HTTP_TIMEOUT) as client:
        checks = [
            run_check(
                f"cluster {region}",
                "replication",
                partial(judge_region, client, urls, region != target.primary_region),
            )
            for region, urls in target.patroni_urls.items()
        ]
        checks.append(run_check("DR lag", "replication", lambda: check_dr_lag(client, target.prometheus_url)))
    return checks


# ---------------------------------------------------------------- certificates, disk, time


def check_certificates(paths: list[Path], lab: bool, now: dt.datetime) -> str:
    """Days until each configured certificate expires."""
    if not paths:
        if lab:
            return "not configured: the lab serves plain HTTP on loopback"
        raise Warned("not configured: no TLS certificate file is given to the inspection")
    lines, worst = [], float("inf")
    for path in paths:
        certificate = x509.load_pem_x509_certificate(path.read_bytes())
        days = (certificate.not_valid_after_utc - now).total_seconds() / 86400
        worst = min(worst, days)
        lines.append(f"{path}: {days:.0f} days left")
    detail = "; ".join(lines)
    if worst < CERT_FAIL_DAYS:
        raise Failed(detail)
    if worst < CERT_WARN_DAYS:
        raise Warned(detail)
    return detail


def check_disk(path: Path, previous: dict[str, Any] | None, now: float, measurements: dict[str, Any]) -> str:
    """Free space, and days until full at the growth since the previous inspection."""
    usage = shutil.disk_usage(path)
    free = usage.free / usage.total
    measurements[str(path)] = {"used_bytes": usage.used, "total_bytes": usage.total, "at": now}
    detail = f"{path}: {usage.free / 2**30:.1f} GiB free of {usage.total / 2**30:.1f} GiB ({free:.0%})"
    days_to_full: float | None = None
    if previous and previous.get("at") and now > previous["at"]:
        growth = (usage.used - previous["used_bytes"]) / (now - previous["at"])  # bytes per second
        if growth > 0:
            days_to_full = usage.free / growth / 86400
    detail += f"; full in {days_to_full:.0f} days" if days_to_full is not None else "; not growing"
    if free < DISK_FAIL_FREE or (days_to_full is not None and days_to_full < DISK_FAIL_DAYS):
        raise Failed(detail)
    if free < DISK_WARN_FREE or (days_to_full is not None and days_to_full < DISK_WARN_DAYS):
        raise Warned(detail)
    return detail


def check_time_sync() -> str:
    """Whether the clock is NTP-synchronised; unknown (a warning) when no tool can tell."""
    tried = []
    if shutil.which("timedatectl"):
        result = subprocess.run(
            ["timedatectl", "show", "-p", "NTPSynchronized", "--value"],  # noqa: S607 - system tool
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        if result.returncode == 0 and result.stdout.strip() in ("yes", "no"):
            if result.stdout.strip() == "no":
                raise Failed("timedatectl: NTPSynchronized=no")
            return "timedatectl: NTPSynchronized=yes"
        tried.append(f"timedatectl: {(result.stderr.strip().splitlines() or ['no answer'])[0]}")
    if shutil.which("chronyc"):
        result = subprocess.run(
            ["chronyc", "tracking"],  # noqa: S607 - system tool
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        leap = re.search(r"Leap status\s*:\s*(.+)", result.stdout)
        if result.returncode == 0 and leap:
            if leap[1].strip() != "Normal":
                raise Failed(f"chronyc: leap status {leap[1].strip()}")
            return "chronyc: synchronised (leap status Normal)"
        tried.append("chronyc: no answer")
    raise Warned("unknown: " + ("; ".join(tried) or "neither timedatectl nor chronyc is installed"))


# ---------------------------------------------------------------- the run


def previous_measurements(directory: Path) -> dict[str, Any]:
    """The disk measurements of the newest earlier report (for days-to-full)."""
    for path in sorted(directory.glob("*.json"), reverse=True):
        try:
            return dict(json.loads(path.read_text(encoding="utf-8")).get("measurements", {}).get("disk", {}))
        except (OSError, ValueError):
            continue
    return {}


def run_inspection(target: Target, reports_dir: Path = REPORTS_DIR) -> dict[str, Any]:
    """Every check; returns the report (not yet written or submitted)."""
    started = dt.datetime.now(dt.UTC)
    previous = previous_measurements(reports_dir)
    disk: dict[str, Any] = {}
    checks = service_checks(target)
    checks.append(run_check("newest backup", "backup", lambda: check_backup(target)))
    checks += replication_checks(target)
    checks.append(
        run_check(
            "TLS certificates",
            "certificates",
            lambda: check_certificates(target.certificates, target.lab, dt.datetime.now(dt.UTC)),
        )
    )
    checks += [
        run_check(
            f"disk {path}",
            "disk",
            partial(check_disk, path, previous.get(str(path)), time.time(), disk),
        )
        for path in target.disk_paths
    ]
    checks.append(run_check("time sync", "time", check_time_sync))
    return {
        "started_at": started.isoformat(),
        "finished_at": dt.datetime.now(dt.UTC).isoformat(),
        "environment": target.environment,
        "inspected_from": socket.gethostname(),
        "checks": [asdict(check) for check in checks],
        "measurements": {"disk": disk},
    }


def write_report(report: dict[str, Any], reports_dir: Path = REPORTS_DIR) -> Path:
    """``<dir>/<UTC stamp>.json``."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.fromisoformat(report["started_at"]).strftime("%Y%m%dT%H%M%SZ")
    path = reports_dir / f"{stamp}.json"
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return path


def submit(report: dict[str, Any], app_url: str, operator: Credentials) -> str:
    """Keep the report in the control center; returns its id."""
    body = {key: report[key] for key in ("started_at", "finished_at", "environment", "inspected_from")}
    body["checks"] = [
        {key: check[key] for key in ("name", "category", "status", "detail", "duration_seconds")}
        for check in report["checks"]
    ]
    with httpx.Client(timeout=HTTP_TIMEOUT) as client:
        issued = client.post(
            f"{app_url}/api/auth/token",
            json={"username": operator.username, "password": operator.password, "label": "daily inspection"},
        )
        issued.raise_for_status()
        headers = {"Authorization": f"Bearer {issued.json()['token']}"}
        stored = client.post(f"{app_url}/api/ops/inspections", json=body, headers=headers)
        stored.raise_for_status()
        return str(stored.json()["id"])


def failed(report: dict[str, Any]) -> list[str]:
    """Names of the checks that failed."""
    return [check["name"] for check in report["checks"] if check["status"] == "fail"]


def format_report(report: dict[str, Any]) -> str:
    """One line per check, as an operator reads it."""
    marks = {"ok": "OK  ", "warn": "WARN", "fail": "FAIL"}
    lines = [
        f"inspection of {report['environment']} from {report['inspected_from']} at {report['started_at']}"
    ]
    lines += [
        f"  {marks[c['status']]} {c['category']:<12} {c['name']:<34} {c['duration_seconds']:>6.2f} s  {c['detail']}"
        for c in report["checks"]
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------- where to look, from the topology


def backup_command(env: Environment) -> list[str]:
    """``pgbackrest info`` for the stanza, run as the user that owns the repository."""
    # the lab reads the repository through a db node's config, as `lofin-ops lab status` does
    host = backup_host(env) if not env.lab else next(iter(env.regions.values())).with_role("db")[0]
    argv = [
        "pgbackrest",
        f"--config={pgbackrest_config_path(env, host)}",
        f"--stanza={env.cluster['stanza']}",
    ]
    argv += ["info", "--output=json"]
    return [*AS_POSTGRES, *argv] if env.lab else ["runuser", "-u", "pgbackrest", "--", *argv]


def target_for(
    environment: EnvironmentName,
    account: Credentials,
    operator: Credentials,
    certificates: list[Path],
    disk_paths: list[Path],
) -> Target:
    """What to inspect in ``environment``, from ``infra/topology.toml``."""
    env = load(environment)
    ports = env.ports
    primary = next(region for region in env.regions.values() if region.kind == "primary")
    monitoring = primary.with_role("monitoring")
    if not disk_paths:
        disk_paths = [PROJECT_ROOT / "var"] if env.lab else [Path("/"), Path("/var/lib")]
    return Target(
        environment=environment,
        app_urls={
            region.name: [f"http://{host.address}:{ports['app']}" for host in region.with_role("app")]
            for region in env.regions.values()
        },
        primary_region=primary.name,
        patroni_urls={
            region.name: [f"http://{host.address}:{ports['patroni']}" for host in region.with_role("db")]
            for region in env.regions.values()
        },
        prometheus_url=f"http://{monitoring[0].address}:{ports['prometheus']}" if monitoring else None,
        # production runs this on an app host, without pgBackRest: the backup age comes from Prometheus
        backup_command=backup_command(env) if env.lab else None,
        certificates=certificates,
        disk_paths=disk_paths,
        account=account,
        operator=operator,
        lab=env.lab,
    )


# ---------------------------------------------------------------- the command


LAB_DEMO_PASSWORD = "lofin-demo-2026"  # noqa: S105 - the lab runs the published demo accounts
LAB_ACCOUNTS = ("official.jongno", "operator.center")


@click.command("inspect")
@click.option(
    "--env", "environment", type=click.Choice(["lab", "production"]), default="lab", show_default=True
)
@click.option(
    "--account", envvar="LOFIN_INSPECT_ACCOUNT", help="Account for the synthetic checks (an official)."
)
@click.option("--password", envvar="LOFIN_INSPECT_PASSWORD", help="Its password.")
@click.option("--operator", envvar="LOFIN_INSPECT_OPERATOR", help="Operator account that submits the report.")
@click.option("--operator-password", envvar="LOFIN_INSPECT_OPERATOR_PASSWORD", help="Its password.")
@click.option(
    "--cert", "certificates", multiple=True, type=click.Path(path_type=Path), help="TLS certificate file."
)
@click.option(
    "--disk", "disk_paths", multiple=True, type=click.Path(path_type=Path), help="Filesystem to watch."
)
@click.option("--reports-dir", type=click.Path(path_type=Path), default=REPORTS_DIR, show_default=True)
@click.option("--no-submit", is_flag=True, help="Only write the report file.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def inspect_command(
    environment: EnvironmentName,
    account: str | None,
    password: str | None,
    operator: str | None,
    operator_password: str | None,
    certificates: tuple[Path, ...],
    disk_paths: tuple[Path, ...],
    reports_dir: Path,
    no_submit: bool,
    as_json: bool,
) -> None:
    """The daily service inspection: services end to end, backup, replication, certificates, disk, time.

    Exits 1 when a check fails (or the report could not be submitted to the control center).
    """
    if environment == "lab":
        account, operator = account or LAB_ACCOUNTS[0], operator or LAB_ACCOUNTS[1]
        password, operator_password = password or LAB_DEMO_PASSWORD, operator_password or LAB_DEMO_PASSWORD
    if not (account and password and operator and operator_password):
        raise click.UsageError(
            "set LOFIN_INSPECT_ACCOUNT/_PASSWORD and LOFIN_INSPECT_OPERATOR/_OPERATOR_PASSWORD"
        )
    target = target_for(
        environment,
        Credentials(account, password),
        Credentials(operator, operator_password),
        list(certificates),
        list(disk_paths),
    )
    report = run_inspection(target, reports_dir)
    path = write_report(report, reports_dir)
    click.echo(json.dumps(report, indent=2) if as_json else format_report(report))
    click.echo(f"report: {path}")
    problems = failed(report)
    if not no_submit:
        try:
            stored = submit(report, target.app_urls[target.primary_region][0], target.operator)
            click.echo(f"submitted to the control center: inspection {stored}")
        except (httpx.HTTPError, KeyError, ValueError) as error:
            problems.append(f"submission ({type(error).__name__}: {error})")
    if problems:
        raise click.ClickException(f"failed: {', '.join(problems)}")
