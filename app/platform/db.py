"""Database engine, sessions, the declarative base and the migration check.

One transaction per request: :func:`provide_db_session` opens a session, the handler and the services
it calls only ``flush()``, and the session commits after the handler returned (before the response is
sent), or rolls back if anything raised. A response is therefore never sent for an uncommitted write.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy import BigInteger, DateTime, Dialect, Integer, MetaData, TypeDecorator, event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import ConnectionPoolEntry

from app.platform.settings import PROJECT_ROOT, Settings

MIGRATIONS_DIR = PROJECT_ROOT / "app" / "migrations"

# Stable constraint names keep Alembic diffs reviewable and let migrations drop constraints by name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only auto-increments INTEGER PRIMARY KEY columns; PostgreSQL gets a 64-bit identity.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("lofin stores timezone-aware timestamps only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    """Declarative base of every lofin table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    """Creation and last-update times on every row."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


def new_uuid() -> uuid.UUID:
    """A random primary key."""
    return uuid.uuid4()


class SchemaNotCurrentError(RuntimeError):
    """The database schema is not at the newest migration."""


# Whether the transaction about to begin may write. Safe-method requests (GET, HEAD) say no, so on
# SQLite they read in parallel instead of queueing behind the single writer lock.
_sqlite_may_write: ContextVar[bool] = ContextVar("lofin_sqlite_may_write", default=True)


@contextmanager
def read_only_transactions() -> Iterator[None]:
    """Transactions begun inside this block only read (SQLite then takes no write lock up front)."""
    token = _sqlite_may_write.set(False)
    try:
        yield
    finally:
        _sqlite_may_write.reset(token)


def _configure_sqlite(engine: AsyncEngine) -> None:
    """Make SQLite behave like a server database for our purposes.

    pysqlite's own transaction handling does not emit BEGIN and breaks SAVEPOINT; SQLAlchemy's
    documented recipe takes over. Transactions that may write begin with ``BEGIN IMMEDIATE`` so the
    writer takes the lock up front (and waits for it under ``busy_timeout``) instead of failing later
    when it upgrades a read lock; read-only ones begin deferred and never block each other.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _sqlite_may_write.get() else "BEGIN")


def create_engine(url: str, settings: Settings) -> AsyncEngine:
    """An async engine for ``url`` with lofin's pool and dialect settings."""
    if url.startswith("sqlite"):
        db_path = url.split("///", 1)[-1]
        if db_path and db_path != ":memory:":
            Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, echo=settings.database_echo, connect_args={"timeout": 15})
        _configure_sqlite(engine)
        return engine
    return create_async_engine(
        url,
        echo=settings.database_echo,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_pre_ping=settings.database_pool_pre_ping,
        pool_recycle=1800,
    )


class Database:
    """The engines and the session factories one process uses."""

    def __init__(
        self,
        engine: AsyncEngine,
        sessionmaker: async_sessionmaker[AsyncSession],
        replica_sessionmaker: async_sessionmaker[AsyncSession] | None = None,
    ) -> None:
        self.engine = engine
        self.sessionmaker = sessionmaker
        self.replica_sessionmaker = replica_sessionmaker

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        """The database named by the settings (and its read-only replica endpoint, if configured)."""
        engine = create_engine(settings.database_url, settings)
        replica = None
        if settings.database_readonly_url:
            replica_engine = create_engine(settings.database_readonly_url, settings)
            replica = async_sessionmaker(replica_engine, expire_on_commit=False)
        return cls(engine, async_sessionmaker(engine, expire_on_commit=False), replica)

    def sessions_for(self, *, replica: bool) -> async_sessionmaker[AsyncSession]:
        """The replica's sessions when asked for and configured, else the primary's."""
        if replica and self.replica_sessionmaker is not None:
            return self.replica_sessionmaker
        return self.sessionmaker

    @classmethod
    def bound_to(cls, connection: AsyncConnection) -> Database:
        """Sessions that live inside an outer transaction on ``connection`` (tests roll it back)."""
        sessionmaker = async_sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        return cls(connection.engine, sessionmaker)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    async def dispose(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()
        if self.replica_sessionmaker is not None:
            bind = self.replica_sessionmaker.kw.get("bind")
            if isinstance(bind, AsyncEngine):
                await bind.dispose()


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ATTEMPT_KEY = "lofin.attempt"
REQUEST_SESSION_KEY = "lofin.session"


@dataclass(slots=True)
class Attempt:
    """What one run of a request learned about the database (see ``app.platform.failover``)."""

    use_replica: bool = False
    primary_failed: bool = False
    commit_started: bool = False


def current_attempt(scope: Mapping[str, Any]) -> Attempt | None:
    """The attempt record of the request being handled, if the failover middleware runs."""
    attempt = scope.get(ATTEMPT_KEY)
    return attempt if isinstance(attempt, Attempt) else None


class TransactionIntentMiddleware(ASGIMiddleware):
    """Marks safe-method requests as read-only, so SQLite begins their transactions deferred."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope.get("method") in SAFE_METHODS:
            with read_only_transactions():
                await next_app(scope, receive, send)
        else:
            await next_app(scope, receive, send)


def open_request_session(scope: Mapping[str, Any], database: Database) -> AsyncSession:
    """A new session for the request in ``scope``: the replica's when its attempt reads from there.

    The first part of a request that needs the database (authentication, or else the handler's
    dependency) opens it and keeps it in the scope, so a request runs one transaction, not two.
    """
    attempt = current_attempt(scope)
    session = database.sessions_for(replica=attempt is not None and attempt.use_replica)()
    scope[REQUEST_SESSION_KEY] = session  # type: ignore[index]  # scopes are plain dicts at runtime
    return session


def request_session(scope: Mapping[str, Any]) -> AsyncSession | None:
    """The session the request has already opened, if any."""
    session = scope.get(REQUEST_SESSION_KEY)
    return session if isinstance(session, AsyncSession) else None


async def provide_db_session(
    state: State, request: Request[Any, Any, Any]
) -> AsyncGenerator[AsyncSession, None]:
    """The request's session: committed after the handler returns, rolled back if it raised.

    Authentication may already have opened it (and closes it when the response is sent); otherwise it
    is opened here and closed here. The failover middleware's attempt record learns whether COMMIT was
    sent (a write that failed after that point may have committed, so it is not re-run without an
    idempotency key) and whether reads should go to the replica.
    """
    attempt = current_attempt(request.scope)
    session = request_session(request.scope)
    opened = None
    if session is None:
        session = opened = open_request_session(request.scope, state.database)
    try:
        yield session
    except BaseException:
        await session.rollback()
        raise
    else:
        if attempt is not None:
            attempt.commit_started = True
        await session.commit()
    finally:
        if opened is not None:
            await opened.close()


def alembic_config(database_url: str | None = None) -> AlembicConfig:
    """Alembic's configuration for lofin's migrations, without needing an ini file."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if database_url is not None:
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def migration_head() -> str | None:
    """The newest migration revision in the source tree."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _read_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


async def revision_on(connection: AsyncConnection) -> str | None:
    """The migration revision seen through an open connection."""
    return await connection.run_sync(_read_revision)


async def current_revision(database: Database, *, replica: bool = False) -> str | None:
    """The revision the database (or its replica endpoint) is at, or ``None`` if never migrated."""
    async with database.sessions_for(replica=replica)() as session:
        return await revision_on(await session.connection())


async def ensure_schema_current(database: Database, *, replica: bool = False) -> None:
    """Refuse to serve a database whose schema is missing or behind the code."""
    current, head = await current_revision(database, replica=replica), migration_head()
    if current != head:
        raise SchemaNotCurrentError(
            f"The database schema is at revision {current or 'none (empty database)'} but the code needs "
            f"{head}. Run `lofin db upgrade` (or `make run`, which does it) before starting the app."
        )


DbSession = NamedDependency[AsyncSession]
"""How a handler asks for the request's session."""
