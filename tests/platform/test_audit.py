"""The append-only, hash-chained audit trail and its verification."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from app.platform.audit import GENESIS_HASH, AuditEvent, event_hash, record_event, verify_audit_trail
from app.platform.auth.models import Role
from app.platform.tenancy import Actor

ACTOR = Actor(user_id=None, username="tester", role=Role.ADMIN, government_code="11110")


async def _record_three(session: AsyncSession, government_code: str = "11110") -> list[AuditEvent]:
    return [
        await record_event(
            session,
            ACTOR,
            "test.change",
            target_type="thing",
            target_id=str(n),
            government_code=government_code,
            before={"n": n},
            after={"n": n + 1, "note": "한글"},
        )
        for n in range(3)
    ]


async def _drop_append_only_triggers(session: AsyncSession) -> None:
    """What an attacker with DDL rights would do first (rolled back with the test)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
    else:
        await session.execute(text("DROP TRIGGER audit_events_no_update"))
        await session.execute(text("DROP TRIGGER audit_events_no_delete"))


class TestChain:
    async def test_events_link_to_their_predecessor(self, session: AsyncSession) -> None:
        events = await _record_three(session, "26110")
        assert events[0].seq == 1
        assert events[0].prev_hash == GENESIS_HASH
        assert [e.prev_hash for e in events[1:]] == [e.hash for e in events[:-1]]
        report = await verify_audit_trail(session)
        assert report.ok, report.first_break

    async def test_governments_have_separate_chains(self, session: AsyncSession) -> None:
        a = await _record_three(session, "26110")
        b = await _record_three(session, "26140")
        assert a[0].chain != b[0].chain
        assert b[0].seq == 1


class TestAppendOnly:
    async def test_update_is_refused_by_the_database(self, session: AsyncSession) -> None:
        events = await _record_three(session)
        with pytest.raises(DBAPIError, match="append-only"):
            async with session.begin_nested():
                await session.execute(
                    text("UPDATE audit_events SET action = 'x' WHERE id = :id"), {"id": events[0].id}
                )

    async def test_delete_is_refused_by_the_database(self, session: AsyncSession) -> None:
        events = await _record_three(session)
        with pytest.raises(DBAPIError, match="append-only"):
            async with session.begin_nested():
                await session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": events[1].id})


class TestVerification:
    async def test_altered_row_is_the_first_broken_link(self, session: AsyncSession) -> None:
        events = await _record_three(session, "27720")
        altered_id = events[1].id
        await _drop_append_only_triggers(session)
        await session.execute(
            text("UPDATE audit_events SET target_id = 'forged' WHERE id = :id"), {"id": altered_id}
        )
        session.expire_all()
        report = await verify_audit_trail(session)
        assert report.first_break is not None
        assert report.first_break.event_id == altered_id
        assert report.first_break.chain == "27720"
        assert "altered" in report.first_break.reason

    async def test_rehashed_forgery_breaks_the_next_link(self, session: AsyncSession) -> None:
        events = await _record_three(session, "27720")
        forged_id, next_id = events[0].id, events[1].id
        forged = AuditEvent(**{c.key: getattr(events[0], c.key) for c in AuditEvent.__table__.columns})
        forged.target_id = "forged"
        await _drop_append_only_triggers(session)
        await session.execute(
            text("UPDATE audit_events SET target_id = 'forged', hash = :h WHERE id = :id"),
            {"id": forged_id, "h": event_hash(forged)},
        )
        session.expire_all()
        report = await verify_audit_trail(session)
        assert report.first_break is not None
        assert report.first_break.event_id == next_id
        assert "prev_hash" in report.first_break.reason

    async def test_deleted_row_is_reported_as_a_gap(self, session: AsyncSession) -> None:
        events = await _record_three(session, "27720")
        ids, deleted_seq = [e.id for e in events], events[1].seq
        await _drop_append_only_triggers(session)
        await session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": ids[1]})
        session.expire_all()
        report = await verify_audit_trail(session)
        assert report.first_break is not None
        assert report.first_break.event_id == ids[2]
        assert report.first_break.seq == deleted_seq
        assert "missing" in report.first_break.reason
