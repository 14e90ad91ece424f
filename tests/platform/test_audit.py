"""The append-only, hash-chained audit trail and its verification."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.platform.audit import (
    AUDIT_SHARDS,
    GENESIS_HASH,
    AuditEvent,
    chain_for,
    content_digest,
    event_hash,
    link_hash,
    record_event,
    verify_audit_trail,
)
from app.platform.auth.models import Role
from app.platform.db import utcnow
from app.platform.tenancy import Actor

ACTOR = Actor(user_id=None, username="tester", role=Role.ADMIN, government_code="11110")


async def _record_three(
    session: AsyncSession, government_code: str = "11110", target_id: str = "thing-1"
) -> list[AuditEvent]:
    """Three changes of one record: they share a chain, in order."""
    return [
        await record_event(
            session,
            ACTOR,
            "test.change",
            target_type="thing",
            target_id=target_id,
            government_code=government_code,
            before={"n": n},
            after={"n": n + 1, "note": "한글"},
        )
        for n in range(3)
    ]


def _targets_in_different_chains(government_code: str, count: int) -> list[str]:
    """Target ids of ``thing``s whose events go to ``count`` different chains of the government."""
    by_chain: dict[str, str] = {}
    number = 0
    while len(by_chain) < count:
        number += 1
        by_chain.setdefault(chain_for(government_code, "thing", f"thing-{number}"), f"thing-{number}")
    return list(by_chain.values())


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


class TestShards:
    def test_one_record_always_goes_to_the_same_chain_of_its_government(self) -> None:
        chain = chain_for("11110", "payment_order", "7f1c0a52-3b8e-4d2a-9a51-0c2f6f1e9b11")
        assert chain == chain_for("11110", "payment_order", "7f1c0a52-3b8e-4d2a-9a51-0c2f6f1e9b11")
        government, shard = chain.split(":")
        assert government == "11110"
        assert 0 <= int(shard) < AUDIT_SHARDS
        assert chain_for(None, "user", "1").startswith("national:")

    def test_records_spread_over_every_shard_and_names_fit_the_column(self) -> None:
        chains = {chain_for("11110", "payment_order", str(n)) for n in range(2_000)}
        assert len(chains) == AUDIT_SHARDS
        column_length = AuditEvent.__table__.c.chain.type.length
        assert max(len(chain_for(None, "x", str(n))) for n in range(200)) <= column_length

    async def test_a_records_events_share_one_chain_in_order(self, session: AsyncSession) -> None:
        first, second = _targets_in_different_chains("26110", 2)
        a = await _record_three(session, "26110", first)
        b = await _record_three(session, "26110", second)
        assert {e.chain for e in a} == {chain_for("26110", "thing", first)}
        assert [e.seq for e in a] == [1, 2, 3]
        assert b[0].chain != a[0].chain
        assert b[0].seq == 1
        assert b[0].prev_hash == GENESIS_HASH

    async def test_chains_from_before_sharding_still_verify(self, session: AsyncSession) -> None:
        legacy = AuditEvent(
            chain="26110",
            seq=1,
            occurred_at=utcnow(),
            actor_username="tester",
            actor_role="admin",
            government_code="26110",
            action="test.legacy",
            target_type="thing",
            target_id="old",
            prev_hash=GENESIS_HASH,
        )
        legacy.hash = event_hash(legacy)
        session.add(legacy)
        await session.flush()
        await _record_three(session, "26110")
        report = await verify_audit_trail(session)
        assert report.ok, report.first_break


class TestHashSchemes:
    async def test_a_new_event_links_its_content_to_its_place_in_the_chain(
        self, session: AsyncSession
    ) -> None:
        """Read back from the database: on PostgreSQL ``audit_append`` made the link, here Python checks it."""
        written = await _record_three(session, "11110", "scheme-2")
        session.expunge_all()
        stored = (
            await session.scalars(
                select(AuditEvent).where(AuditEvent.target_id == "scheme-2").order_by(AuditEvent.seq)
            )
        ).all()
        assert [e.hash for e in stored] == [e.hash for e in written]
        for event in stored:
            assert event.hash_version == 2
            assert event.hash == link_hash(event.prev_hash, event.seq, content_digest(event))
        assert stored[1].prev_hash == stored[0].hash

    async def test_scheme_1_events_before_scheme_2_events_of_one_chain_verify(
        self, session: AsyncSession
    ) -> None:
        chain = chain_for("11110", "thing", "mixed")
        old = AuditEvent(
            chain=chain,
            seq=1,
            occurred_at=utcnow(),
            actor_username="tester",
            actor_role="admin",
            government_code="11110",
            action="test.scheme1",
            target_type="thing",
            target_id="mixed",
            after={"n": 1},
            prev_hash=GENESIS_HASH,
            hash_version=1,
        )
        old.hash = event_hash(old)
        assert old.hash != link_hash(GENESIS_HASH, 1, content_digest(old))
        session.add(old)
        await session.flush()
        newer = await _record_three(session, "11110", "mixed")
        assert [e.seq for e in newer] == [2, 3, 4] and newer[0].prev_hash == old.hash
        report = await verify_audit_trail(session)
        assert report.ok, report.first_break

        await _drop_append_only_triggers(session)
        await session.execute(text("UPDATE audit_events SET after = NULL WHERE id = :id"), {"id": old.id})
        session.expunge_all()
        report = await verify_audit_trail(session)
        assert report.first_break is not None and report.first_break.event_id == old.id


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
        assert report.first_break.chain == events[1].chain
        assert report.first_break.chain.startswith("27720:")
        assert "altered" in report.first_break.reason

    async def test_tampering_in_one_shard_is_found_among_interleaved_chains(
        self, session: AsyncSession
    ) -> None:
        targets = _targets_in_different_chains("27720", 3)
        events: list[AuditEvent] = []
        for _ in range(2):  # interleaved: one event per record per round
            for target in targets:
                events.extend(await _record_three(session, "27720", target))
        victim = next(e for e in events if e.target_id == targets[1] and e.seq == 4)
        await _drop_append_only_triggers(session)
        await session.execute(text("UPDATE audit_events SET after = NULL WHERE id = :id"), {"id": victim.id})
        session.expire_all()
        report = await verify_audit_trail(session)
        assert report.first_break is not None
        assert (report.first_break.event_id, report.first_break.chain, report.first_break.seq) == (
            victim.id,
            chain_for("27720", "thing", targets[1]),
            4,
        )

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


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
class TestConcurrentAppends:
    """Two open transactions: appends to different shards proceed, to the same shard one waits."""

    async def _append_while_another_is_open(
        self, engine: AsyncEngine, first_target: str, second_target: str
    ) -> AuditEvent | None:
        """Append about ``first_target`` and keep that transaction open while appending about ``second_target``.

        Returns the second event, or ``None`` if it had to wait for the first transaction. Both roll back.
        """
        async with engine.connect() as holder, engine.connect() as other:
            holding = AsyncSession(bind=holder)
            await holding.begin()
            await record_event(
                holding,
                ACTOR,
                "test.hold",
                target_type="thing",
                target_id=first_target,
                government_code="26110",
            )
            appending = AsyncSession(bind=other)
            await appending.begin()
            try:
                await appending.execute(text("SET LOCAL lock_timeout = '500ms'"))
                return await asyncio.wait_for(
                    record_event(
                        appending,
                        ACTOR,
                        "test.append",
                        target_type="thing",
                        target_id=second_target,
                        government_code="26110",
                    ),
                    timeout=5,
                )
            except DBAPIError as error:
                assert "lock timeout" in str(error)
                return None
            finally:
                await appending.rollback()
                await holding.rollback()

    async def test_different_shards_do_not_wait_for_each_other(
        self, engine: AsyncEngine, backend: str
    ) -> None:
        assert backend == "postgresql"
        first, second = _targets_in_different_chains("26110", 2)
        appended = await self._append_while_another_is_open(engine, first, second)
        assert appended is not None
        assert appended.chain == chain_for("26110", "thing", second)

    async def test_the_same_shard_waits_for_the_open_transaction(
        self, engine: AsyncEngine, backend: str
    ) -> None:
        assert backend == "postgresql"
        assert await self._append_while_another_is_open(engine, "thing-1", "thing-1") is None
