"""Paging for lists: the API's limit/offset parameters and the pages' page numbers."""

from __future__ import annotations

from typing import Annotated

from litestar.params import QueryParameter

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
