"""Who is acting, and which local government's records they may touch.

Every service function that reads or changes a government's non-public records takes an
:class:`Actor` and narrows its queries with :func:`restrict_to_actor` / checks single rows with
:meth:`Actor.require_access`. A row of another government is reported as *not found*, so that its
existence does not leak.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from sqlalchemy import Select, false
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.platform.auth.models import Role
from app.platform.errors import NotFoundError
from app.platform.i18n import N_, Term

SelectT = TypeVar("SelectT", bound=Select[Any])


class GovernmentOwned(Protocol):
    """A row that belongs to one local government."""

    @property
    def government_code(self) -> str: ...


OwnedT = TypeVar("OwnedT", bound=GovernmentOwned)


@dataclass(frozen=True, slots=True)
class Actor:
    """The authenticated account a request acts as."""

    user_id: uuid.UUID | None
    username: str
    role: Role
    government_code: str | None

    @property
    def is_staff(self) -> bool:
        """Acts for a government or the ministry."""
        return self.role.is_staff

    @property
    def is_ministry(self) -> bool:
        """A staff account of the ministry, which may read every government's records."""
        return self.is_staff and self.government_code is None

    def may_access(self, government_code: str | None) -> bool:
        """Whether this actor may see a non-public record of ``government_code``."""
        if not self.is_staff:
            return False
        return self.is_ministry or government_code == self.government_code

    def require_access(self, government_code: str | None, what: str = N_("record")) -> None:
        """Raise *not found* for a record the actor may not see."""
        if not self.may_access(government_code):
            raise NotFoundError("No such {what}.", what=Term(what))


async def get_for_actor(
    session: AsyncSession,
    actor: Actor,
    model: type[OwnedT],
    record_id: uuid.UUID,
    what: str,
    *,
    lock: bool = False,
) -> OwnedT:
    """One row by primary key that ``actor`` may see; another government's row is *not found*.

    ``lock`` takes the row lock (``SELECT … FOR UPDATE``) and re-reads the row, so the values a
    service checks are the committed ones.
    """
    record = await session.get(model, record_id, with_for_update=lock, populate_existing=lock)
    if record is None:
        raise NotFoundError("No such {what}.", what=Term(what))
    actor.require_access(record.government_code, what)
    return record


SYSTEM_ACTOR = Actor(user_id=None, username="system", role=Role.ADMIN, government_code=None)


def restrict_to_actor(query: SelectT, column: InstrumentedAttribute[Any], actor: Actor) -> SelectT:
    """Narrow ``query`` to the rows of the actor's government (no narrowing for the ministry)."""
    if not actor.is_staff:
        return query.where(false())
    if actor.is_ministry:
        return query
    return query.where(column == actor.government_code)
