"""The durable job queue: transactional enqueue, claiming, retries with back-off, failure."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.platform.auth.models import AuthToken, Role, TokenKind
from app.platform.auth.services import issue_token
from app.platform.db import Database, utcnow
from app.platform.jobs import Job, JobStatus, Worker, WorkerStats, enqueue, task
from tests.conftest import Accounts

CALLS: list[dict[str, Any]] = []


@task("test.record")
async def record_call(_session: AsyncSession, payload: dict[str, Any]) -> None:
    CALLS.append(payload)


@task("test.explode")
async def explode(_session: AsyncSession, payload: dict[str, Any]) -> None:
    raise RuntimeError(f"boom {payload['n']}")


@pytest.fixture(autouse=True)
def _clear_calls() -> None:
    CALLS.clear()


class TestQueue:
    async def test_unknown_task_is_refused_at_enqueue(self, session: AsyncSession) -> None:
        with pytest.raises(ValueError, match="unknown task"):
            await enqueue(session, "no.such.task")

    async def test_rolled_back_enqueue_leaves_no_job(self, session: AsyncSession) -> None:
        async with session.begin_nested() as savepoint:
            await enqueue(session, "test.record", {"n": 1})
            await savepoint.rollback()
        assert (await session.scalars(select(Job).where(Job.task == "test.record"))).all() == []

    async def test_job_runs_once_and_is_done(self, session: AsyncSession, database: Database) -> None:
        job = await enqueue(session, "test.record", {"n": 7})
        await session.commit()
        stats = await Worker(database).run(max_jobs=5, max_seconds=2, idle_sleep=0.05)
        assert stats.done == 1
        assert CALLS == [{"n": 7}]
        await session.refresh(job)
        assert job.status is JobStatus.DONE
        assert job.attempts == 1

    async def test_delayed_job_waits(self, session: AsyncSession, database: Database) -> None:
        await enqueue(session, "test.record", {"n": 1}, delay=timedelta(hours=1))
        await session.commit()
        assert not await Worker(database).run_one(WorkerStats())
        assert CALLS == []

    async def test_failing_job_is_retried_then_failed(
        self, session: AsyncSession, database: Database
    ) -> None:
        job = await enqueue(session, "test.explode", {"n": 3}, max_attempts=2)
        await session.commit()
        worker = Worker(database)
        stats = WorkerStats()
        assert await worker.run_one(stats)
        await session.refresh(job)
        assert job.status is JobStatus.QUEUED
        assert "boom 3" in (job.last_error or "")
        assert job.run_after > utcnow()
        job.run_after = utcnow() - timedelta(seconds=1)
        await session.commit()
        assert await worker.run_one(stats)
        await session.refresh(job)
        assert job.status is JobStatus.FAILED
        assert (stats.retried, stats.failed) == (1, 1)

    async def test_stale_running_job_is_taken_back(self, session: AsyncSession, database: Database) -> None:
        job = await enqueue(session, "test.record", {"n": 9})
        job.status, job.locked_by, job.locked_at = (
            JobStatus.RUNNING,
            "dead-host:1",
            utcnow() - timedelta(hours=1),
        )
        await session.commit()
        stats = await Worker(database, stale_after=timedelta(minutes=5)).run(
            max_jobs=1, max_seconds=2, idle_sleep=0.05
        )
        assert stats.done == 1
        assert CALLS == [{"n": 9}]


class TestPurgeExpiredTokens:
    async def test_old_tokens_go_and_live_ones_stay(
        self, session: AsyncSession, database: Database, accounts: Accounts
    ) -> None:
        account = await accounts.make(Role.OFFICIAL)
        old = await issue_token(session, account.user, TokenKind.SESSION, timedelta(days=-30))
        await enqueue(session, "auth.purge_expired_tokens")
        await session.commit()
        await Worker(database).run(max_jobs=1, max_seconds=2, idle_sleep=0.05)
        remaining = (
            await session.scalars(select(AuthToken.user_id).where(AuthToken.user_id == account.user.id))
        ).all()
        assert len(remaining) == 1
        assert old.token not in remaining
