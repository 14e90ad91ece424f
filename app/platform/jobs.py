"""A durable job queue in the application's own database.

Jobs are rows, enqueued in the same transaction as the change that causes them (a screening run is
queued exactly when the application it screens is committed, never otherwise). Workers claim jobs with
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers on several hosts share one queue; on the
embedded SQLite database the single writer lock gives the same guarantee. A failed job is retried with
exponential back-off until ``max_attempts``; a job whose worker died is taken back after
``stale_after``.
"""

from __future__ import annotations

import asyncio
import enum
import os
import socket
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import JSON, Enum, Integer, String, Text, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from app.platform.db import Base, BigIntPK, Database, TimestampMixin, UTCDateTime, utcnow

logger = structlog.get_logger("lofin.jobs")

TaskFunction = Callable[[AsyncSession, dict[str, Any]], Awaitable[None]]
_TASKS: dict[str, TaskFunction] = {}


class JobStatus(enum.StrEnum):
    """Where a job is in its life."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(TimestampMixin, Base):
    """One unit of background work."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    queue: Mapped[str] = mapped_column(String(40), default="default")
    task: Mapped[str] = mapped_column(String(100))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[JobStatus] = mapped_column(
        Enum(JobStatus, native_enum=False, length=10, values_callable=lambda e: [m.value for m in e]),
        default=JobStatus.QUEUED,
        index=True,
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    run_after: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    locked_by: Mapped[str | None] = mapped_column(String(100), default=None)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)


def task(name: str) -> Callable[[TaskFunction], TaskFunction]:
    """Register an async function ``(session, payload)`` as the task ``name``."""

    def register(function: TaskFunction) -> TaskFunction:
        if name in _TASKS and _TASKS[name] is not function:
            raise ValueError(f"task {name!r} is registered twice")
        _TASKS[name] = function
        return function

    return register


def registered_tasks() -> dict[str, TaskFunction]:
    """Every known task by name."""
    return dict(_TASKS)


async def enqueue(
    session: AsyncSession,
    task_name: str,
    payload: dict[str, Any] | None = None,
    *,
    queue: str = "default",
    delay: timedelta = timedelta(0),
    max_attempts: int = 5,
) -> Job:
    """Queue ``task_name`` inside the caller's transaction: it runs only if that transaction commits."""
    if task_name not in _TASKS:
        raise ValueError(f"unknown task {task_name!r}")
    job = Job(
        queue=queue,
        task=task_name,
        payload=payload or {},
        run_after=utcnow() + delay,
        max_attempts=max_attempts,
    )
    session.add(job)
    await session.flush()
    return job


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 2 ** min(attempts, 12)))


@dataclass(slots=True)
class WorkerStats:
    """What one worker run did."""

    done: int = 0
    failed: int = 0
    retried: int = 0


class Worker:
    """Claims and runs queued jobs until a count or time limit is reached."""

    def __init__(
        self,
        database: Database,
        *,
        queues: tuple[str, ...] = ("default",),
        stale_after: timedelta = timedelta(minutes=10),
    ) -> None:
        self.database = database
        self.queues = queues
        self.stale_after = stale_after
        self.name = f"{socket.gethostname()}:{os.getpid()}"

    async def _claim(self) -> Job | None:
        async with self.database.sessionmaker() as session, session.begin():
            now = utcnow()
            await session.execute(
                update(Job)
                .where(Job.status == JobStatus.RUNNING, Job.locked_at < now - self.stale_after)
                .values(status=JobStatus.QUEUED, locked_by=None, locked_at=None)
            )
            job = await session.scalar(
                select(Job)
                .where(Job.status == JobStatus.QUEUED, Job.run_after <= now, Job.queue.in_(self.queues))
                .order_by(Job.run_after, Job.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            if job is None:
                return None
            job.status = JobStatus.RUNNING
            job.locked_by = self.name
            job.locked_at = now
            job.attempts += 1
            return job

    async def _finish(self, job_id: int, error: str | None, stats: WorkerStats) -> None:
        async with self.database.sessionmaker() as session, session.begin():
            job = await session.get(Job, job_id)
            if job is None:
                return
            job.locked_by = None
            job.locked_at = None
            if error is None:
                job.status, job.finished_at, job.last_error = JobStatus.DONE, utcnow(), None
                stats.done += 1
            elif job.attempts >= job.max_attempts:
                job.status, job.finished_at, job.last_error = JobStatus.FAILED, utcnow(), error
                stats.failed += 1
            else:
                job.status, job.run_after, job.last_error = (
                    JobStatus.QUEUED,
                    utcnow() + _retry_delay(job.attempts),
                    error,
                )
                stats.retried += 1

    async def run_one(self, stats: WorkerStats) -> bool:
        """Run the next due job, if any; returns whether there was one."""
        job = await self._claim()
        if job is None:
            return False
        function = _TASKS.get(job.task)
        error: str | None = None
        log = logger.bind(job_id=job.id, task=job.task, attempt=job.attempts)
        if function is None:
            error = f"unknown task {job.task!r}"
        else:
            try:
                async with self.database.sessionmaker() as session, session.begin():
                    await function(session, job.payload)
            except Exception as exc:  # a task's failure is recorded and retried, never lost
                error = "".join(traceback.format_exception_only(exc)).strip()[:2000]
                log.warning("job_failed", error=error)
        await self._finish(job.id, error, stats)
        if error is None:
            log.info("job_done")
        return True

    async def run(self, *, max_jobs: int, max_seconds: float, idle_sleep: float = 1.0) -> WorkerStats:
        """Work until ``max_jobs`` ran or ``max_seconds`` passed (both bounds always apply)."""
        stats = WorkerStats()
        deadline = time.monotonic() + max_seconds
        ran = 0
        while ran < max_jobs and time.monotonic() < deadline:
            if await self.run_one(stats):
                ran += 1
            else:
                await asyncio.sleep(min(idle_sleep, max(0.0, deadline - time.monotonic())))
        return stats
