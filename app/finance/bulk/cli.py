"""``lofin continuity export|import``: treasury files from the DR replica, and their reconciliation.

The app's modules are imported inside the commands: ``lofin serve`` imports this group too, and
Prometheus' multiprocess mode needs its directory named before any metric module is imported.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import click


@click.group()
def continuity() -> None:
    """Pay urgent items while lofin is down (from the DR replica), reconcile them afterwards."""


@continuity.command("export")
@click.option("--database-url", required=True, help="The (read-only) DR replica, as a SQLAlchemy URL.")
@click.option("--government", "government_code", required=True, help="Government code, e.g. 11110.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--all", "include_all", is_flag=True, help="Every approved item, not only salaries and welfare."
)
def export(database_url: str, government_code: str, out_dir: Path, include_all: bool) -> None:
    """Write the bank files of approved, unpaid items and manifest.json; reads only."""
    from app.finance.bulk.continuity import Export, describe_source, export_unpaid, read_only_snapshot
    from app.platform.db import create_engine
    from app.platform.settings import get_settings

    async def work() -> Export:
        from sqlalchemy.ext.asyncio import AsyncSession

        engine = create_engine(database_url, get_settings())
        try:
            async with engine.connect() as connection:
                if connection.dialect.name == "postgresql":  # one snapshot for every file and the manifest
                    await connection.execution_options(isolation_level="REPEATABLE READ")
                source = {"url": describe_source(database_url), **await read_only_snapshot(connection)}
                session = AsyncSession(bind=connection)
                export = await export_unpaid(
                    session, government_code=government_code, include_all=include_all, source=source
                )
                await connection.rollback()  # nothing was written; end the read-only transaction
                return export
        finally:
            await engine.dispose()

    export_ = asyncio.run(work())
    manifest_path = export_.write(out_dir)
    manifest = export_.manifest
    totals = manifest["totals"]
    click.echo(
        f"exported {totals['items']} item(s) ({totals['bulk_batches']} bulk batch(es), "
        f"{totals['payment_orders']} payment order(s)), {totals['amount']:,} won, "
        f"{len(manifest['files'])} file(s) → {manifest_path}"
    )


@continuity.command("import")
@click.option(
    "--manifest", "manifest_path", required=True, type=click.Path(dir_okay=False, exists=True, path_type=Path)
)
@click.option(
    "--result",
    "result_paths",
    required=True,
    multiple=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A bank result file (LOFIN-TBR); repeat for each file.",
)
@click.option(
    "--as", "username", required=True, help="The finance officer (지출원) who records the payments."
)
@click.option("--database-url", default=None, help="The recovered primary (default: LOFIN_DATABASE_URL).")
def import_(
    manifest_path: Path, result_paths: tuple[Path, ...], username: str, database_url: str | None
) -> None:
    """Record what the bank paid; report what changed since the export. Exit 1 if something needs attention."""
    from sqlalchemy import select

    from app.finance.bulk.continuity import ImportReport, import_results, load_manifest
    from app.platform.auth.models import User
    from app.platform.auth.services import actor_for
    from app.platform.db import Database, ensure_schema_current
    from app.platform.settings import get_settings

    settings = get_settings()
    if database_url:
        settings = settings.model_copy(update={"database_url": database_url})
    manifest = load_manifest(manifest_path)
    results = [path.read_bytes() for path in result_paths]

    async def work() -> ImportReport:
        database = Database.from_settings(settings)
        try:
            await ensure_schema_current(database)
            async with database.sessionmaker() as session, session.begin():
                user = await session.scalar(select(User).where(User.username == username))
                if user is None or not user.is_active:
                    raise click.ClickException(f"no active user {username!r}")
                return await import_results(session, actor_for(user), manifest, results)
        finally:
            await database.dispose()

    report = asyncio.run(work())
    click.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    if report.needs_attention:
        sys.exit(1)
