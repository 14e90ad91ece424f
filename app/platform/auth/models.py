"""Accounts and their credentials."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.platform.db import Base, TimestampMixin, UTCDateTime, new_uuid


class Role(enum.StrEnum):
    """What an account may do. Each account has exactly one role."""

    RESIDENT = "resident"
    BUSINESS = "business"
    OFFICIAL = "official"
    FINANCE_OFFICER = "finance_officer"
    APPROVER = "approver"
    AUDITOR = "auditor"
    POLICY_ANALYST = "policy_analyst"
    OPERATOR = "operator"
    ADMIN = "admin"

    @property
    def is_staff(self) -> bool:
        """Staff accounts act for one government (or the ministry) and see non-public records."""
        return self not in PUBLIC_ROLES


PUBLIC_ROLES = frozenset({Role.RESIDENT, Role.BUSINESS})
STAFF_ROLES = frozenset(set(Role) - PUBLIC_ROLES)


class TokenKind(enum.StrEnum):
    """How a credential is presented."""

    SESSION = "session"
    API = "api"


def _enum_values(enum_class: type[enum.Enum]) -> list[str]:
    return [str(member.value) for member in enum_class]


class User(TimestampMixin, Base):
    """A person or organisation that signs in.

    ``government_code`` is the government a staff account acts for; ``None`` on a staff account means
    the ministry (행정안전부), which may read every government's records. Residents and businesses are
    not tenants of any government.
    """

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_uuid)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20, values_callable=_enum_values))
    government_code: Mapped[str | None] = mapped_column(
        String(5), ForeignKey("local_governments.code"), index=True, default=None
    )
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class AuthToken(TimestampMixin, Base):
    """A browser session or an API bearer token; only its SHA-256 is stored."""

    __tablename__ = "auth_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[TokenKind] = mapped_column(
        Enum(TokenKind, native_enum=False, length=10, values_callable=_enum_values)
    )
    label: Mapped[str] = mapped_column(String(100), default="")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
