"""Alembic environment: migrates the database of the settings, or a connection handed in by tests."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from app.platform.db import Base, create_engine
from app.platform.models import import_all_models
from app.platform.settings import get_settings

import_all_models()
target_metadata = Base.metadata


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _migrate_with_own_engine(url: str) -> None:
    engine = create_engine(url, get_settings())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_migrate)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_online() -> None:
    """Use the caller's connection if there is one, else open the configured database."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url") or get_settings().database_url
    asyncio.run(_migrate_with_own_engine(url))


if context.is_offline_mode():
    raise SystemExit("lofin migrations run online only (they need dialect-specific triggers)")
run_migrations_online()
