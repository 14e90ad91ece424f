"""Account rules: password hashing, sign-in, tokens, and account administration under tenancy."""

from __future__ import annotations

import enum
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.platform.audit import AuditEvent, record_event
from app.platform.auth.models import AuthToken, Role, TokenKind, User
from app.platform.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from app.platform.governments import get_government
from app.platform.paging import fetch_page
from app.platform.tenancy import Actor, restrict_to_actor

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
API_TOKEN_PREFIX = "lfn_"  # noqa: S105 - a public prefix that makes leaked tokens recognisable


def hash_password(password: str) -> str:
    """Argon2id hash of a password."""
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash`` (never raises)."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Verifying against a real hash for unknown usernames keeps sign-in time independent of whether the
# account exists.
_DUMMY_HASH = _hasher.hash("lofin-not-a-real-password")


def token_digest(token: str) -> str:
    """What we store for a token: its SHA-256 (tokens are 256-bit random, so no salt is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def actor_for(user: User) -> Actor:
    """The :class:`Actor` a signed-in user acts as."""
    return Actor(
        user_id=user.id, username=user.username, role=user.role, government_code=user.government_code
    )


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A freshly issued credential; ``token`` is shown once and never stored."""

    token: str
    expires_at: datetime


class SignInRefusal(enum.StrEnum):
    """Why a sign-in was refused (never told apart to the caller beyond "try later")."""

    WRONG_CREDENTIALS = "wrong_credentials"
    THROTTLED = "throttled"


@dataclass(frozen=True, slots=True)
class SignInResult:
    """The signed-in user, or why there is none."""

    user: User | None
    refusal: SignInRefusal | None = None


MAX_FAILED_SIGN_INS = 5
FAILED_SIGN_IN_WINDOW = timedelta(minutes=15)
ANONYMOUS_ACTOR = Actor(user_id=None, username="anonymous", role=Role.RESIDENT, government_code=None)


async def recent_failed_sign_ins(session: AsyncSession, username: str) -> int:
    """Failed sign-ins for ``username`` within the throttling window (read from the audit trail)."""
    since = datetime.now(UTC) - FAILED_SIGN_IN_WINDOW
    count = await session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.action == "auth.sign_in_failed",
            AuditEvent.target_id == username[:64],
            AuditEvent.occurred_at > since,
        )
    )
    return count or 0


async def authenticate(session: AsyncSession, username: str, password: str, *, channel: str) -> SignInResult:
    """Check credentials; failures and successes go to the audit trail.

    After ``MAX_FAILED_SIGN_INS`` failures within ``FAILED_SIGN_IN_WINDOW`` an account name is
    throttled: even the right password is refused until the window has passed, which makes online
    password guessing impractical without letting anyone lock an account forever. The caller must
    commit a refusal (return an error response rather than raise) so the failure is remembered.
    """
    if await recent_failed_sign_ins(session, username) >= MAX_FAILED_SIGN_INS:
        return SignInResult(None, SignInRefusal.THROTTLED)
    user = await session.scalar(select(User).where(User.username == username))
    if user is None:
        password_matches(_DUMMY_HASH, password)
    if user is None or not password_matches(user.password_hash, password) or not user.is_active:
        await record_event(
            session,
            actor_for(user) if user else ANONYMOUS_ACTOR,
            "auth.sign_in_failed",
            target_type="account",
            target_id=username[:64],
            government_code=user.government_code if user else None,
            after={"channel": channel, "known_account": user is not None},
        )
        return SignInResult(None, SignInRefusal.WRONG_CREDENTIALS)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = datetime.now(UTC)
    await session.flush()
    await record_event(
        session,
        actor_for(user),
        "auth.sign_in",
        target_type="account",
        target_id=user.username,
        government_code=user.government_code,
        after={"channel": channel},
    )
    return SignInResult(user)


async def issue_token(
    session: AsyncSession, user: User, kind: TokenKind, lifetime: timedelta, label: str = ""
) -> IssuedToken:
    """Create a session or API token for ``user``."""
    raw = secrets.token_urlsafe(32)
    token = f"{API_TOKEN_PREFIX}{raw}" if kind is TokenKind.API else raw
    expires_at = datetime.now(UTC) + lifetime
    session.add(
        AuthToken(
            token_hash=token_digest(token), user_id=user.id, kind=kind, label=label, expires_at=expires_at
        )
    )
    await session.flush()
    return IssuedToken(token=token, expires_at=expires_at)


async def user_for_token(session: AsyncSession, token: str, kind: TokenKind) -> User | None:
    """The active user a valid, unexpired, unrevoked token belongs to."""
    now = datetime.now(UTC)
    return await session.scalar(
        select(User)
        .join(AuthToken, AuthToken.user_id == User.id)
        .where(
            AuthToken.token_hash == token_digest(token),
            AuthToken.kind == kind,
            AuthToken.revoked_at.is_(None),
            AuthToken.expires_at > now,
            User.is_active.is_(True),
        )
    )


async def revoke_token(session: AsyncSession, token: str) -> None:
    """Revoke a token (sign-out); unknown tokens are ignored."""
    await session.execute(
        update(AuthToken)
        .where(AuthToken.token_hash == token_digest(token), AuthToken.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
    )


def _user_snapshot(user: User) -> dict[str, object]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "government_code": user.government_code,
        "is_active": user.is_active,
    }


async def create_user(
    session: AsyncSession,
    actor: Actor,
    *,
    username: str,
    display_name: str,
    role: Role,
    password: str,
    government_code: str | None,
) -> User:
    """Create an account. Admins of a government create accounts only for their own government."""
    if actor.role is not Role.ADMIN:
        raise ForbiddenError("Only administrators create accounts.")
    if role.is_staff and not actor.is_ministry and government_code != actor.government_code:
        raise ForbiddenError("A government's administrator can only create accounts for that government.")
    if role is Role.ADMIN and not actor.is_ministry and government_code is None:
        raise ForbiddenError("Only the ministry creates ministry accounts.")
    if not role.is_staff:
        government_code = None
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInputError(
            "The password must be at least {length} characters long.", length=MIN_PASSWORD_LENGTH
        )
    if government_code is not None and await get_government(session, government_code) is None:
        raise InvalidInputError("Unknown local government code {code}.", code=government_code)
    if await session.scalar(select(func.count()).select_from(User).where(User.username == username)):
        raise ConflictError("The username {username} is already taken.", username=username)
    user = User(
        username=username,
        display_name=display_name,
        role=role,
        government_code=government_code,
        password_hash=hash_password(password),
    )
    session.add(user)
    await session.flush()
    await record_event(
        session,
        actor,
        "user.create",
        target_type="user",
        target_id=user.id,
        government_code=user.government_code,
        after=_user_snapshot(user),
    )
    return user


async def list_users(
    session: AsyncSession, actor: Actor, *, limit: int, offset: int
) -> tuple[list[User], int]:
    """The accounts of the actor's government (all of them for the ministry), newest first."""
    query = restrict_to_actor(select(User), User.government_code, actor)
    return await fetch_page(
        session, query, order_by=[User.created_at.desc(), User.username], limit=limit, offset=offset
    )


async def get_user(session: AsyncSession, actor: Actor, user_id: uuid.UUID) -> User:
    """One account the actor may see."""
    user = await session.get(User, user_id)
    if user is None or not actor.may_access(user.government_code):
        raise NotFoundError("No such account.")
    return user


async def set_user_active(session: AsyncSession, actor: Actor, user_id: uuid.UUID, *, active: bool) -> User:
    """Lock or unlock an account; locking revokes its tokens."""
    if actor.role is not Role.ADMIN:
        raise ForbiddenError("Only administrators lock or unlock accounts.")
    user = await get_user(session, actor, user_id)
    if user.id == actor.user_id:
        raise ConflictError("You cannot lock your own account.")
    before = _user_snapshot(user)
    user.is_active = active
    if not active:
        await session.execute(
            update(AuthToken)
            .where(AuthToken.user_id == user.id, AuthToken.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
        )
    await session.flush()
    await record_event(
        session,
        actor,
        "user.unlock" if active else "user.lock",
        target_type="user",
        target_id=user.id,
        government_code=user.government_code,
        before=before,
        after=_user_snapshot(user),
    )
    return user
