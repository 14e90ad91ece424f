"""The audit API: read the trail of your government, verify every chain (ministry)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, get
from litestar.di import Provide
from litestar.params import QueryParameter

from app.platform.audit import AuditEvent, list_events, verify_audit_trail
from app.platform.auth.guards import ActingActor, provide_actor, require_roles
from app.platform.auth.models import Role
from app.platform.db import DbSession
from app.platform.errors import ForbiddenError

require_audit_reader = require_roles(Role.AUDITOR, Role.ADMIN)


class AuditEventOut(msgspec.Struct):
    """One audit event."""

    id: int
    chain: str
    seq: int
    occurred_at: datetime
    actor_id: uuid.UUID | None
    actor_username: str
    actor_role: str
    government_code: str | None
    action: str
    target_type: str
    target_id: str
    before: Any
    after: Any
    request_id: str | None
    hash: str


class AuditEventPage(msgspec.Struct):
    """One page of audit events."""

    items: list[AuditEventOut]
    total: int
    limit: int
    offset: int


class VerificationOut(msgspec.Struct):
    """Result of verifying every chain."""

    ok: bool
    events_checked: int
    chains_checked: int
    broken_chain: str | None = None
    broken_seq: int | None = None
    broken_event_id: int | None = None
    reason: str | None = None


def event_out(event: AuditEvent) -> AuditEventOut:
    """The API shape of an event."""
    return AuditEventOut(
        id=event.id,
        chain=event.chain,
        seq=event.seq,
        occurred_at=event.occurred_at,
        actor_id=event.actor_id,
        actor_username=event.actor_username,
        actor_role=event.actor_role,
        government_code=event.government_code,
        action=event.action,
        target_type=event.target_type,
        target_id=event.target_id,
        before=event.before,
        after=event.after,
        request_id=event.request_id,
        hash=event.hash,
    )


class AuditController(Controller):
    """Auditors and administrators read their government's audit trail."""

    path = "/api/audit"
    tags = ["audit"]  # noqa: RUF012
    guards = [require_audit_reader]  # noqa: RUF012
    dependencies = {"actor": Provide(provide_actor)}  # noqa: RUF012

    @get("/events", summary="Audit events of your government, newest first")
    async def events(
        self,
        db_session: DbSession,
        actor: ActingActor,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
        offset: Annotated[int, QueryParameter(ge=0, le=10_000_000)] = 0,
        action: Annotated[str | None, QueryParameter(max_length=64)] = None,
    ) -> AuditEventPage:
        """Filter by ``action`` (e.g. ``user.create``)."""
        rows, total = await list_events(db_session, actor, limit=limit, offset=offset, action=action)
        return AuditEventPage(items=[event_out(e) for e in rows], total=total, limit=limit, offset=offset)

    @get("/verify", summary="Verify every hash chain (ministry only)")
    async def verify(self, db_session: DbSession, actor: ActingActor) -> VerificationOut:
        """Reports the first broken link, if any."""
        if not actor.is_ministry:
            raise ForbiddenError("Only the ministry verifies the whole audit trail.")
        report = await verify_audit_trail(db_session)
        broken = report.first_break
        return VerificationOut(
            ok=report.ok,
            events_checked=report.events_checked,
            chains_checked=report.chains_checked,
            broken_chain=broken.chain if broken else None,
            broken_seq=broken.seq if broken else None,
            broken_event_id=broken.event_id if broken else None,
            reason=broken.reason if broken else None,
        )
