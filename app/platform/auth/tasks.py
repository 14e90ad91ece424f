"""Background work of the account module."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from app.platform.auth.models import AuthToken
from app.platform.db import utcnow
from app.platform.jobs import task

EXPIRED_TOKEN_RETENTION = timedelta(days=7)


@task("auth.purge_expired_tokens")
async def purge_expired_tokens(session: AsyncSession, _payload: dict[str, Any]) -> None:
    """Forget sessions and API tokens that expired a week ago or more."""
    await session.execute(delete(AuthToken).where(AuthToken.expires_at < utcnow() - EXPIRED_TOKEN_RETENTION))
