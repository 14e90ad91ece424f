"""The audit trail: an append-only, hash-chained record of every state change.

Each local government's events are spread over :data:`AUDIT_SHARDS` chains named
``<government>:<nn>`` (the ministry and platform-wide changes use ``national:<nn>``), ``nn`` a stable
hash of the changed record (target type and id). So all events of one record — a payment order's
request, approval and payment — stay in one chain, in order, while audited writes about different
records take different chain locks and do not queue behind each other. Chains named before sharding
(``<government>``, ``national``) stay valid chains that simply stop growing.

Every event stores a SHA-256 that covers its content, its ``seq`` and the previous event's hash
(scheme 2, :func:`link_hash`: the application hashes the content, the link is made where the chain's
head is read — on PostgreSQL inside ``audit_append``, so an audited write costs one round trip;
events written before migration 0011 keep scheme 1, one hash over everything, and still verify);
:func:`verify_audit_trail` recomputes every chain and reports the first link that does not hold —
an altered row, a deleted row (a gap in ``seq``) or a reordered one. UPDATE and DELETE are refused
by database triggers installed by the migration; the hash chain catches whoever bypasses them.
Tamper evidence holds per chain: deleting the *newest* events of a chain leaves no gap, whatever the
number of chains; what sharding changes is only that the order *between* records' chains is no
longer hash-linked (it is still the order of ``id``).
"""

from __future__ import annotations

import enum
import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    Uuid,
    bindparam,
    column,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from app.platform.db import Base, BigIntPK, UTCDateTime, utcnow
from app.platform.paging import fetch_page
from app.platform.requestid import current_request_id
from app.platform.tenancy import Actor, restrict_to_actor

NATIONAL_CHAIN = "national"
AUDIT_SHARDS = 32
"""Chains per government. Fixed: a record's events stay in one chain only while this stays the same."""
GENESIS_HASH = "0" * 64
HASH_SCHEME = 2
"""The scheme new events are hashed with (``AuditEvent.hash_version``)."""
JsonValue = JSON().with_variant(JSONB(), "postgresql")


class AuditEvent(Base):
    """One state change: who, in which role and government, did what to which record, before/after."""

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("chain", "seq"),)

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    chain: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, default=None)
    actor_username: Mapped[str] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(20))
    government_code: Mapped[str | None] = mapped_column(String(5), index=True, default=None)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(64))
    target_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[Any | None] = mapped_column(JsonValue, default=None)
    after: Mapped[Any | None] = mapped_column(JsonValue, default=None)
    request_id: Mapped[str | None] = mapped_column(String(64), default=None)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash_version: Mapped[int] = mapped_column(SmallInteger, default=HASH_SCHEME, server_default="1")


def to_jsonable(value: Any) -> Any:
    """Plain JSON values for a before/after snapshot (UUIDs, dates, enums and decimals as strings)."""
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if isinstance(value, datetime):
        return _timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot put a {type(value).__name__} into an audit snapshot")


def _timestamp(moment: datetime) -> str:
    """Canonical UTC text; SQLite hands timestamps back without a zone, PostgreSQL with one."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _canonical_sha256(content: list[Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _content(event: AuditEvent) -> list[Any]:
    """Everything the event says except its place in the chain (``seq``, ``prev_hash``)."""
    return [
        event.chain,
        _timestamp(event.occurred_at),
        str(event.actor_id) if event.actor_id else None,
        event.actor_username,
        event.actor_role,
        event.government_code,
        event.action,
        event.target_type,
        event.target_id,
        event.before,
        event.after,
        event.request_id,
    ]


def content_digest(event: AuditEvent) -> str:
    """Scheme 2: SHA-256 over the canonical JSON of the event's content."""
    return _canonical_sha256(_content(event))


def link_hash(prev_hash: str, seq: int, digest: str) -> str:
    """Scheme 2: the event's hash, linking its content digest to its place after ``prev_hash``.

    ``audit_append`` (migration 0011) computes the same on PostgreSQL.
    """
    return hashlib.sha256(f"{prev_hash}:{seq}:{digest}".encode()).hexdigest()


def event_hash(event: AuditEvent) -> str:
    """The hash ``event`` must carry under the scheme it was written with."""
    if event.hash_version == 1:
        # Scheme 1: one SHA-256 over the canonical JSON of everything, including seq and prev_hash.
        content = _content(event)
        return _canonical_sha256([*content[:1], event.seq, *content[1:], event.prev_hash])
    return link_hash(event.prev_hash, event.seq, content_digest(event))


def chain_for(government_code: str | None, target_type: str, target_id: str) -> str:
    """The chain an event about ``target_type``/``target_id`` goes to: ``<government>:<nn>``.

    ``nn`` comes from SHA-256, not Python's per-process ``hash()``, so every worker and host agrees.
    """
    digest = hashlib.sha256(f"{target_type}:{target_id}".encode()).digest()
    shard = int.from_bytes(digest[:4], "big") % AUDIT_SHARDS
    return f"{government_code or NATIONAL_CHAIN}:{shard:02d}"


def _chain_lock_key(chain: str) -> int:
    """A signed 64-bit advisory-lock key for one chain."""
    return int.from_bytes(hashlib.sha256(f"audit:{chain}".encode()).digest()[:8], "big", signed=True)


async def _sqlite_chain_head(session: AsyncSession, chain: str) -> tuple[int, str]:
    """The next ``seq`` and the previous hash of ``chain`` (SQLite's writer lock serialises appends)."""
    head = (
        await session.execute(
            select(AuditEvent.seq, AuditEvent.hash)
            .where(AuditEvent.chain == chain)
            .order_by(AuditEvent.seq.desc())
            .limit(1)
        )
    ).first()
    if head is None:
        return 1, GENESIS_HASH
    return head.seq + 1, head.hash


async def record_event(
    session: AsyncSession,
    actor: Actor,
    action: str,
    *,
    target_type: str,
    target_id: str | uuid.UUID,
    government_code: str | None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to its record's chain of ``government_code`` inside the caller's transaction.

    On PostgreSQL ``audit_append`` takes the chain's transaction-scoped advisory lock, links and
    inserts in one round trip; the lock serialises appends to one chain until commit, so two
    concurrent writers cannot both extend the same link. SQLite serialises writers anyway. Call this
    as the last statement of the transaction where possible, so the chain is held for the COMMIT only.
    """
    chain = chain_for(government_code, target_type, str(target_id))
    event = AuditEvent(
        chain=chain,
        occurred_at=utcnow(),
        actor_id=actor.user_id,
        actor_username=actor.username,
        actor_role=str(actor.role),
        government_code=government_code,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        before=to_jsonable(before) if before is not None else None,
        after=to_jsonable(after) if after is not None else None,
        request_id=current_request_id(),
        hash_version=HASH_SCHEME,
    )
    digest = content_digest(event)
    if session.get_bind().dialect.name != "postgresql":
        event.seq, event.prev_hash = await _sqlite_chain_head(session, chain)
        event.hash = link_hash(event.prev_hash, event.seq, digest)
        session.add(event)
        await session.flush()
        return event
    await session.flush()  # the caller's pending changes first: the event follows them
    appended = (
        await session.execute(
            select(
                column("id", Integer),
                column("seq", Integer),
                column("prev_hash", String),
                column("hash", String),
            ).select_from(
                func.audit_append(
                    chain,
                    _chain_lock_key(chain),
                    event.occurred_at,
                    event.actor_id,
                    event.actor_username,
                    event.actor_role,
                    event.government_code,
                    event.action,
                    event.target_type,
                    event.target_id,
                    bindparam("before", event.before, type_=JSONB),
                    bindparam("after", event.after, type_=JSONB),
                    event.request_id,
                    digest,
                ).table_valued("id", "seq", "prev_hash", "hash")
            )
        )
    ).one()
    event.id, event.seq, event.prev_hash, event.hash = appended
    return event


@dataclass(frozen=True, slots=True)
class BrokenLink:
    """Where a chain stops holding."""

    chain: str
    seq: int
    event_id: int | None
    reason: str


@dataclass(frozen=True, slots=True)
class VerificationReport:
    """Outcome of :func:`verify_audit_trail`."""

    events_checked: int
    chains_checked: int
    first_break: BrokenLink | None

    @property
    def ok(self) -> bool:
        """Every chain holds."""
        return self.first_break is None


async def verify_audit_trail(session: AsyncSession) -> VerificationReport:
    """Walk every event in insertion order and report the first broken link."""
    expected: dict[str, tuple[int, str]] = {}
    checked = 0
    stream = await session.stream_scalars(
        select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000)
    )
    async for event in stream:
        checked += 1
        next_seq, prev_hash = expected.get(event.chain, (1, GENESIS_HASH))
        problem: str | None = None
        if event.seq != next_seq:
            problem = (
                f"event seq {event.seq} follows seq {next_seq - 1}: "
                f"{event.seq - next_seq} event(s) missing (deleted)"
                if event.seq > next_seq
                else f"event seq {event.seq} is out of order (expected {next_seq})"
            )
        elif event.prev_hash != prev_hash:
            problem = (
                "prev_hash does not match the previous event's hash (previous event altered or replaced)"
            )
        elif event_hash(event) != event.hash:
            problem = "content does not match its hash (event altered)"
        if problem is not None:
            await stream.close()
            return VerificationReport(
                checked, len(expected), BrokenLink(event.chain, next_seq, event.id, problem)
            )
        expected[event.chain] = (event.seq + 1, event.hash)
    return VerificationReport(checked, len(expected), None)


async def list_events(
    session: AsyncSession, actor: Actor, *, limit: int, offset: int, action: str | None = None
) -> tuple[list[AuditEvent], int]:
    """Events of the actor's government (every chain for the ministry), newest first."""
    query = restrict_to_actor(select(AuditEvent), AuditEvent.government_code, actor)
    if action:
        query = query.where(AuditEvent.action == action)
    return await fetch_page(session, query, order_by=[AuditEvent.id.desc()], limit=limit, offset=offset)
