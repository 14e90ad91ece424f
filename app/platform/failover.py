"""Riding through a primary database failover.

When the primary PostgreSQL goes away (Patroni fails over in ~20 s, an operator switches over in
~2 s), a request that hits the gap fails with a connection error. This module makes users see a
slower answer instead of an error:

* :class:`FailoverMiddleware` re-runs a request whose database work failed because no writable
  primary answered, with back-off, for up to ``LOFIN_WRITE_RETRY_SECONDS`` (30 s). A write is
  re-run only when that is safe: it failed before its COMMIT was sent, or it carries an
  ``Idempotency-Key``. Reads are re-run at once against the read-only replica endpoint.
* If the budget runs out, the process enters **read-only mode**: reads are served from the replica,
  writes get an immediate 503 with ``Retry-After`` and a message in the user's language, and
  ``/health/ready`` says ``read-only``. A probe checks the primary every second and leaves the mode
  by itself when a writable primary answers again.

A request is only ever acknowledged after its COMMIT returned; with Patroni's synchronous mode that
means the synchronous standby has the transaction too.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import suppress
from typing import Any

import structlog
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, ReceiveMessage, Scope, Send
from litestar.utils.scope.state import ScopeState
from prometheus_client import Counter, Gauge
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.platform.db import ATTEMPT_KEY, SAFE_METHODS, Attempt, Database, ensure_schema_current
from app.platform.errors import UnavailableError

logger = structlog.get_logger("lofin.failover")

BYPASS_PREFIXES = ("/static", "/metrics", "/health")
PROBE_INTERVAL_SECONDS = 1.0
PROBE_TIMEOUT_SECONDS = 2.0
MAX_BACKOFF_SECONDS = 0.25  # a switchover hands over in ~4 s: retry often so the first write after it wins
READ_ONLY_RETRY_AFTER_SECONDS = 15


# SQLSTATEs meaning "this server is not (or no longer) a writable primary" (PostgreSQL appendix A).
PRIMARY_GONE_SQLSTATES = frozenset(
    {
        "25006",  # read_only_sql_transaction: we reached a replica (or a demoted primary)
        "57P01",  # admin_shutdown
        "57P02",  # crash_shutdown
        "57P03",  # cannot_connect_now (starting up, in recovery)
        "08000",  # connection_exception
        "08001",  # sqlclient_unable_to_establish_sqlconnection
        "08003",  # connection_does_not_exist
        "08004",  # sqlserver_rejected_establishment_of_sqlconnection
        "08006",  # connection_failure
    }
)

READ_ONLY_MODE = Gauge(
    "lofin_read_only_mode",
    "1 while this app process has no writable primary and serves reads only.",
    multiprocess_mode="livemax",
)
RETRIED_REQUESTS = Counter(
    "lofin_failover_retried_requests",
    "Request attempts re-run because the primary database was unavailable.",
    ["method"],
)


def primary_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means no writable PostgreSQL primary answered (never true for SQLite)."""
    if isinstance(exc, DBAPIError):
        if type(exc.orig).__module__.startswith("sqlite3"):
            return False
        if exc.connection_invalidated:
            return True
        sqlstate = getattr(exc.orig, "sqlstate", None)
        if sqlstate in PRIMARY_GONE_SQLSTATES:
            return True
        # psycopg raises OperationalError without a SQLSTATE when the socket breaks or refuses.
        return sqlstate is None and type(exc.orig).__name__ in {"OperationalError", "InterfaceError"}
    return isinstance(exc, ConnectionError)


class Availability:
    """This process' view of whether a writable primary exists."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.read_only_since: float | None = None
        self._probe: asyncio.Task[None] | None = None

    @property
    def read_only(self) -> bool:
        """Whether writes are currently refused without trying."""
        return self.read_only_since is not None

    def enter_read_only(self, reason: str) -> None:
        """Serve reads only, and start probing for a primary."""
        if self.read_only:
            return
        self.read_only_since = time.monotonic()
        READ_ONLY_MODE.set(1)
        logger.warning("read_only_mode_entered", reason=reason)
        self._probe = asyncio.get_running_loop().create_task(self._probe_until_writable())

    def leave_read_only(self) -> None:
        """A writable primary answers again."""
        if self.read_only_since is None:
            return
        outage = time.monotonic() - self.read_only_since
        self.read_only_since = None
        READ_ONLY_MODE.set(0)
        logger.warning("read_only_mode_left", seconds=round(outage, 1))

    async def primary_is_writable(self) -> bool:
        """One quick check of the read-write endpoint."""
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_SECONDS), self.database.engine.connect() as connection:
                if self.database.dialect != "postgresql":
                    return True
                in_recovery = await connection.scalar(text("SELECT pg_is_in_recovery()"))
                return not in_recovery
        except (TimeoutError, OSError, DBAPIError):
            return False

    async def _probe_until_writable(self) -> None:
        while self.read_only:
            await asyncio.sleep(PROBE_INTERVAL_SECONDS)
            if await self.primary_is_writable():
                self.leave_read_only()

    async def close(self) -> None:
        """Stop probing (application shutdown)."""
        if self._probe is not None:
            self._probe.cancel()
            with suppress(asyncio.CancelledError):
                await self._probe
            self._probe = None


async def check_database_at_start(database: Database) -> bool:
    """Check the schema before serving; ``False`` means: start in read-only mode.

    A DR-site instance points at its own region's read-write endpoint, which has no primary until
    the standby cluster is promoted. When the primary does not answer but the replica endpoint does
    (with a current schema), the app starts read-only and its probe picks up the primary once it
    appears, so activating the DR site needs no reconfiguration of the app.
    """
    try:
        await ensure_schema_current(database)
    except Exception as exc:
        if not primary_unavailable(exc) or database.replica_sessionmaker is None:
            raise
        await ensure_schema_current(database, replica=True)
        logger.warning("starting_read_only", reason="no writable primary answers; the replica does")
        return False
    return True


async def _read_body(receive: Receive) -> list[ReceiveMessage]:
    messages: list[ReceiveMessage] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            return messages


def _replay(messages: list[ReceiveMessage], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> ReceiveMessage:
        return pending.pop(0) if pending else await receive()

    return replay


# What Litestar caches per connection that must not leak from one run of a request into the next.
_PER_RUN_STATE = ("dependency_cache", "response_started", "do_cache", "is_cached", "response_compressed")


def _fresh_scope(scope: Scope, attempt: Attempt) -> Scope:
    """A copy of the scope for one run: same request, fresh dependencies and response state."""
    copy: dict[str, Any] = dict(scope)
    state = dict(scope.get("state", {}))
    original = ScopeState.from_scope(scope)
    fresh = ScopeState()
    for name in ScopeState.__slots__:
        if name not in _PER_RUN_STATE:
            setattr(fresh, name, getattr(original, name))
    for key, value in state.items():
        if value is original:
            state[key] = fresh
    copy["state"] = state
    copy[ATTEMPT_KEY] = attempt
    return copy  # type: ignore[return-value]


class FailoverMiddleware(ASGIMiddleware):
    """Re-runs requests across a primary failover; see the module docstring."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, availability: Availability, retry_seconds: float) -> None:
        self.availability = availability
        self.retry_seconds = retry_seconds

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if scope["path"].startswith(BYPASS_PREFIXES):
            await next_app(scope, receive, send)
            return
        method = scope.get("method", "GET")
        safe = method in SAFE_METHODS
        if not safe and self.availability.read_only:
            raise UnavailableError(
                "The service is in read-only mode while the database switches over. "
                "Nothing was saved; please try again in a moment.",
                retry_after=READ_ONLY_RETRY_AFTER_SECONDS,
            )
        has_idempotency_key = any(name == b"idempotency-key" for name, _ in scope.get("headers", []))
        body = await _read_body(receive)
        deadline = time.monotonic() + self.retry_seconds
        backoff = 0.1
        use_replica = safe and self.availability.read_only
        while True:
            attempt = Attempt(use_replica=use_replica)
            scope[ATTEMPT_KEY] = attempt  # type: ignore[literal-required]  # read by the outer error handler
            retry = False
            sent_anything = False

            def may_retry(current: Attempt = attempt) -> bool:
                if not current.primary_failed or time.monotonic() >= deadline:
                    return False
                if not safe and self.availability.read_only:
                    return False
                return safe or has_idempotency_key or not current.commit_started

            async def guarded_send(message: Message, current: Attempt = attempt) -> None:
                nonlocal retry, sent_anything
                if message["type"] == "http.response.start" and may_retry(current):
                    retry = True
                if not retry:
                    sent_anything = True
                    await send(message)

            try:
                await next_app(_fresh_scope(scope, attempt), _replay(body, receive), guarded_send)
            except Exception as exc:
                if not primary_unavailable(exc):
                    raise
                attempt.primary_failed = True
                if sent_anything or not may_retry():
                    self._give_up(attempt, safe, deadline)
                    raise
                retry = True
            if not retry:
                self._give_up(attempt, safe, deadline)
                return
            RETRIED_REQUESTS.labels(method).inc()
            if safe and self.database_has_replica:
                use_replica = True
                continue
            await asyncio.sleep(min(backoff, max(0.0, deadline - time.monotonic())))
            backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)

    def _give_up(self, attempt: Attempt, safe: bool, deadline: float) -> None:
        """A write that found no primary for the whole budget puts the process into read-only mode."""
        if attempt.primary_failed and not safe and time.monotonic() >= deadline:
            self.availability.enter_read_only("no writable primary within the retry budget")

    @property
    def database_has_replica(self) -> bool:
        """Whether reads can go to a replica endpoint."""
        return self.availability.database.replica_sessionmaker is not None
