"""Building a test database the way production does: Alembic migrations, then reference data."""

from __future__ import annotations

from alembic import command
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from app.platform.db import alembic_config
from app.platform.seed import seed_demo_accounts, seed_reference_data


def _upgrade(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def migrate_and_seed(engine: AsyncEngine, *, demo_accounts: bool = False) -> None:
    """Run every migration on ``engine`` and load the 243 governments (and the demo accounts)."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade)
    async with async_sessionmaker(engine)() as session, session.begin():
        await seed_reference_data(session)
        if demo_accounts:
            await seed_demo_accounts(session)
