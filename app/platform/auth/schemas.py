"""Request and response bodies of the account API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from app.platform.auth.models import Role

Username = Annotated[str, msgspec.Meta(min_length=3, max_length=64, pattern=r"^[a-z0-9][a-z0-9._-]*$")]
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]
GovernmentCode = Annotated[str, msgspec.Meta(pattern=r"^\d{5}$")]


class TokenRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Credentials exchanged for an API bearer token."""

    username: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    password: Password
    label: Annotated[str, msgspec.Meta(max_length=100)] = ""


class TokenResponse(msgspec.Struct):
    """A new bearer token; it is shown only once."""

    token: str
    token_type: str
    expires_at: datetime


class UserCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new account."""

    username: Username
    display_name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    role: Role
    password: Annotated[str, msgspec.Meta(min_length=10, max_length=256)]
    government_code: GovernmentCode | None = None


class UserOut(msgspec.Struct):
    """An account as administrators see it (never with its password hash)."""

    id: uuid.UUID
    username: str
    display_name: str
    role: Role
    government_code: str | None
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None


class UserPage(msgspec.Struct):
    """One page of accounts."""

    items: list[UserOut]
    total: int
    limit: int
    offset: int


class Me(msgspec.Struct):
    """The signed-in account."""

    id: uuid.UUID | None
    username: str
    display_name: str
    role: Role
    government_code: str | None
    is_ministry: bool
