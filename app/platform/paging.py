"""Paging for lists: the API's limit/offset parameters and the pages' page numbers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, TypeVar

from litestar.params import QueryParameter
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

RowT = TypeVar("RowT")

Limit = Annotated[int, QueryParameter(ge=1, le=200)]
"""How many items an API list returns (default set by each route)."""
Offset = Annotated[int, QueryParameter(ge=0, le=10_000_000)]
"""How many items an API list skips."""
PageNumber = Annotated[int, QueryParameter(ge=1, le=100_000)]
"""Which page of a list a page shows, from 1."""

PAGE_SIZE = 50


def page_offset(page: int) -> int:
    """The offset of page ``page`` (1-based)."""
    return (page - 1) * PAGE_SIZE


def page_count(total: int) -> int:
    """How many pages ``total`` items fill (at least one, so an empty list still has a page)."""
    return max(1, -(-total // PAGE_SIZE))


async def fetch_page(
    session: AsyncSession,
    query: Select[RowT],
    *,
    order_by: Sequence[ColumnElement[Any] | InstrumentedAttribute[Any]],
    limit: int,
    offset: int,
) -> tuple[list[RowT], int]:
    """One page of ``query``'s rows in ``order_by`` order, and how many rows there are in all."""
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await session.scalars(query.order_by(*order_by).limit(limit).offset(offset))
    return list(rows.all()), total
