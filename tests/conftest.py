"""Test harness: every database test runs on SQLite and on a real PostgreSQL 15, inside a rolled-back transaction.

The schema is built by the Alembic migrations (never ``create_all``), the 243 governments are loaded
once per backend, and each test gets a connection whose outer transaction is rolled back afterwards;
the app under test joins it through savepoints, so a test sees its own writes and leaves nothing behind.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from app.main import create_app
from app.platform.auth.models import Role, TokenKind, User
from app.platform.auth.services import create_user, issue_token
from app.platform.db import Database, create_engine
from app.platform.settings import Settings
from app.platform.tenancy import SYSTEM_ACTOR
from tests.support.database import migrate_and_seed
from tests.support.postgres import PostgresServer

BACKENDS = ("sqlite", "postgresql")
TEST_PASSWORD = "correct-horse-battery"
TEST_SECRET = "lofin-test-secret-0123456789abcdef-0123456789"


def make_settings(database_url: str, **overrides: object) -> Settings:
    """Settings for an app under test."""
    values: dict[str, object] = {
        "environment": "test",
        "database_url": database_url,
        "secret_key": TEST_SECRET,
        "log_json": False,
        "log_level": "WARNING",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL 15 server for the whole session, started and stopped here."""
    server = PostgresServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Which database the test runs on."""
    return str(request.param)


@pytest.fixture(scope="session")
def database_url(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """A fresh, empty database of the backend."""
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('sqlite') / 'lofin.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database(f"lofin_test_{uuid.uuid4().hex[:8]}")


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncGenerator[AsyncEngine, None]:
    """The migrated database with reference data loaded."""
    settings = make_settings(database_url)
    engine = create_engine(database_url, settings)
    await migrate_and_seed(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncGenerator[AsyncConnection, None]:
    """A connection in a transaction that is rolled back after the test."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        try:
            yield connection
        finally:
            await transaction.rollback()


@pytest.fixture
def database(connection: AsyncConnection) -> Database:
    """The app's database, joined to the test's transaction."""
    return Database.bound_to(connection)


@pytest.fixture
async def session(database: Database) -> AsyncGenerator[AsyncSession, None]:
    """A session for arranging data and calling services directly."""
    async with database.sessionmaker() as session:
        yield session


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Settings of the app under test."""
    return make_settings(database_url)


@pytest.fixture
def app(settings: Settings, database: Database) -> Litestar:
    """The application, on the test's transaction."""
    return create_app(settings, database)


@pytest.fixture
async def client(app: Litestar) -> AsyncGenerator[AsyncTestClient[Litestar], None]:
    """An HTTP client for the application (lifespan included)."""
    async with AsyncTestClient(app=app) as client:
        yield client


@dataclass(frozen=True, slots=True)
class Account:
    """A user created for a test, with an API token."""

    user: User
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """Authorization headers for the API, asking for English so assertions can read the message ids.

        Korean is the default for clients that ask for nothing; ``tests/platform/test_error_messages.py``
        covers that default.
        """
        return {"Authorization": f"Bearer {self.token}", "Accept-Language": "en"}


class Accounts:
    """Creates users of any role and government, with API tokens."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def make(
        self, role: Role, government_code: str | None = "11110", username: str | None = None
    ) -> Account:
        """A user with ``role`` acting for ``government_code`` (``None``: the ministry)."""
        from datetime import timedelta

        user = await create_user(
            self.session,
            SYSTEM_ACTOR,
            username=username or f"{role.value.replace('_', '-')}-{uuid.uuid4().hex[:8]}",
            display_name=f"Test {role.value}",
            role=role,
            password=TEST_PASSWORD,
            government_code=government_code,
        )
        issued = await issue_token(self.session, user, TokenKind.API, timedelta(hours=1), "test")
        await self.session.flush()
        return Account(user=user, token=issued.token)


@pytest.fixture
def accounts(session: AsyncSession) -> Accounts:
    """Factory of test accounts."""
    return Accounts(session)


@pytest.fixture
def artifacts_dir() -> Path:
    """Where tests leave screenshots and reports for people to look at."""
    path = Path(__file__).resolve().parents[1] / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last: while Playwright's sync API is open, no asyncio test can run."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
