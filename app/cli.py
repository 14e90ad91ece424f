"""``lofin``: serve the app, migrate and seed the database, manage accounts, verify the audit trail."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from collections.abc import Awaitable, Callable, Mapping
from typing import TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncSession

from app.finance.bulk.cli import continuity
from app.platform.errors import DomainError
from app.platform.i18n import use_locale
from app.platform.settings import Settings, get_settings

T = TypeVar("T")


def cli_locale(environ: Mapping[str, str] = os.environ) -> str:
    """The language of refusals printed by the CLI: Korean if the POSIX locale asks for it, else English.

    The first of ``LC_ALL``, ``LC_MESSAGES`` and ``LANG`` that is set decides, as for every other
    program; scripts and logs on a server with ``C.UTF-8`` get English.
    """
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "")
        if value:
            return "ko" if value.lower().startswith("ko") else "en"
    return "en"


def refusal(error: DomainError) -> click.ClickException:
    """A refused business rule as the CLI reports it, in :func:`cli_locale`'s language."""
    with use_locale(cli_locale()):
        return click.ClickException(error.detail)


def _run(coroutine_factory: Callable[[], Awaitable[T]]) -> T:
    async def main() -> T:
        return await coroutine_factory()

    return asyncio.run(main())


@click.group()
def main() -> None:
    """lofin — local finance platform for Korea's 243 local governments."""


@main.command()
@click.option("--host", default=None, help="Address to listen on (LOFIN_HOST, default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (LOFIN_PORT, default 8000).")
@click.option("--workers", type=int, default=None, help="Worker processes (LOFIN_WORKERS).")
def serve(host: str | None, port: int | None, workers: int | None) -> None:
    """Serve the app with uvicorn: several workers, graceful shutdown, metrics across workers."""
    settings = get_settings()
    metrics_dir = settings.metrics_dir
    # Prometheus' multiprocess mode needs an empty directory named before any worker imports the client.
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)

    from app.platform.db import Database
    from app.platform.failover import check_database_at_start
    from app.platform.logging import configure_logging

    configure_logging(settings.log_level, settings.log_json)

    async def check() -> None:
        database = Database.from_settings(settings)
        try:
            await check_database_at_start(database)
        finally:
            await database.dispose()

    try:
        _run(check)
    except Exception as exc:  # the message explains what to run; a traceback would hide it
        raise click.ClickException(str(exc)) from exc

    import uvicorn

    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        timeout_graceful_shutdown=settings.graceful_shutdown_seconds,
        access_log=True,
        log_config=None,
        proxy_headers=True,
        server_header=False,
    )


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION."""
    from alembic import command

    from app.platform.db import alembic_config

    command.upgrade(alembic_config(get_settings().database_url), revision)
    click.echo(f"database at {revision}")


@db.command("current")
def db_current() -> None:
    """Show the revision the database is at."""
    from app.platform.db import Database, current_revision, migration_head

    async def read() -> str | None:
        database = Database.from_settings(get_settings())
        try:
            return await current_revision(database)
        finally:
            await database.dispose()

    click.echo(f"current: {_run(read) or 'none'}  head: {migration_head()}")


async def _in_transaction(settings: Settings, work: Callable[..., Awaitable[T]]) -> T:
    from app.platform.db import Database, ensure_schema_current

    database = Database.from_settings(settings)
    try:
        await ensure_schema_current(database)
        async with database.sessionmaker() as session, session.begin():
            return await work(session)
    finally:
        await database.dispose()


@main.command()
@click.option("--demo", is_flag=True, help="Also create the demo accounts listed in the README.")
def seed(demo: bool) -> None:
    """Load the 243 local governments (and demo data). Running it twice changes nothing."""
    from app.platform.seed import seed_demo_accounts, seed_demo_finance, seed_reference_data

    async def work(session: AsyncSession) -> tuple[int, int, int]:
        governments = await seed_reference_data(session)
        accounts = await seed_demo_accounts(session) if demo else 0
        budget_lines = await seed_demo_finance(session) if demo else 0
        return governments, accounts, budget_lines

    governments, accounts, budget_lines = _run(lambda: _in_transaction(get_settings(), work))
    click.echo(
        f"local governments changed: {governments}; demo accounts created: {accounts}; "
        f"demo budget lines created: {budget_lines}"
    )


@main.group()
def user() -> None:
    """Accounts."""


@user.command("create")
@click.option("--username", required=True)
@click.option("--display-name", required=True)
@click.option(
    "--role",
    required=True,
    type=click.Choice(
        [
            "resident",
            "business",
            "official",
            "finance_officer",
            "approver",
            "auditor",
            "policy_analyst",
            "operator",
            "admin",
        ]
    ),
)
@click.option("--government", "government_code", default=None, help="5-digit code; omit for the ministry.")
@click.password_option(envvar="LOFIN_NEW_USER_PASSWORD")
def user_create(
    username: str, display_name: str, role: str, government_code: str | None, password: str
) -> None:
    """Create an account (as the system; recorded in the audit trail)."""
    from app.platform.auth.models import Role
    from app.platform.auth.services import create_user
    from app.platform.tenancy import SYSTEM_ACTOR

    async def work(session: AsyncSession) -> str:
        created = await create_user(
            session,
            SYSTEM_ACTOR,
            username=username,
            display_name=display_name,
            role=Role(role),
            password=password,
            government_code=government_code,
        )
        return str(created.id)

    try:
        user_id = _run(lambda: _in_transaction(get_settings(), work))
    except DomainError as exc:
        raise refusal(exc) from exc
    click.echo(f"created {username} ({role}) id={user_id}")


@main.group()
def audit() -> None:
    """The audit trail."""


@audit.command("verify")
def audit_verify() -> None:
    """Recompute every hash chain; exit 1 and name the first broken link if one does not hold."""
    from app.platform.audit import VerificationReport, verify_audit_trail

    async def work(session: AsyncSession) -> VerificationReport:
        return await verify_audit_trail(session)

    report = _run(lambda: _in_transaction(get_settings(), work))
    if report.first_break is None:
        click.echo(f"audit trail OK: {report.events_checked} events in {report.chains_checked} chains")
        return
    broken = report.first_break
    click.echo(
        f"audit trail BROKEN at chain {broken.chain} seq {broken.seq} (event id {broken.event_id}): "
        f"{broken.reason}; {report.events_checked} events checked",
        err=True,
    )
    sys.exit(1)


@main.command()
@click.option("--max-jobs", type=int, default=1000, show_default=True, help="Stop after this many jobs.")
@click.option("--max-seconds", type=float, default=3600, show_default=True, help="Stop after this long.")
@click.option("--queue", "queues", multiple=True, default=["default"], show_default=True)
def worker(max_jobs: int, max_seconds: float, queues: tuple[str, ...]) -> None:
    """Run background jobs (bounded; run it under a supervisor that restarts it)."""
    import app.tasks  # noqa: F401 - registers every service's tasks
    from app.platform.db import Database
    from app.platform.jobs import Worker, WorkerStats
    from app.platform.logging import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)

    async def work() -> WorkerStats:
        database = Database.from_settings(settings)
        try:
            return await Worker(database, queues=queues).run(max_jobs=max_jobs, max_seconds=max_seconds)
        finally:
            await database.dispose()

    stats = _run(work)
    click.echo(f"jobs done: {stats.done}, retried: {stats.retried}, failed: {stats.failed}")


main.add_command(continuity)  # lofin continuity export|import (issue 5), from app/finance/bulk/cli.py


if __name__ == "__main__":
    main()
