"""Who is calling: a bearer token on the API, the session cookie on pages."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from app.platform.auth.models import TokenKind
from app.platform.auth.services import actor_for, user_for_token
from app.platform.db import Database, open_request_session
from app.platform.tenancy import Actor

SESSION_COOKIE = "lofin_session"
UNAUTHENTICATED_PREFIXES = ("/static", "/health", "/metrics")


@dataclass(frozen=True, slots=True)
class CurrentUser:
    """The signed-in account, as guards, handlers and templates see it."""

    actor: Actor
    display_name: str
    via: TokenKind

    @property
    def id(self) -> uuid.UUID | None:
        """The account id."""
        return self.actor.user_id


def _bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


class AuthenticationMiddleware(ASGIMiddleware):
    """Sets ``scope["user"]`` to a :class:`CurrentUser` or ``None``; guards decide what that allows.

    The API accepts only bearer tokens and pages only the session cookie, so a page's cookie can never
    authorise a cross-site API call (the API is exempt from CSRF checks for that reason).
    """

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        scope["user"] = None
        path: str = scope["path"]
        if not path.startswith(UNAUTHENTICATED_PREFIXES):
            connection: ASGIConnection[Any, Any, Any, Any] = ASGIConnection(scope)
            if path.startswith("/api"):
                token, kind = _bearer_token(connection), TokenKind.API
            else:
                token, kind = connection.cookies.get(SESSION_COOKIE), TokenKind.SESSION
            if token:
                database: Database = scope["litestar_app"].state.database
                # The handler's transaction begins here: one BEGIN … COMMIT per request, not two.
                async with open_request_session(scope, database) as session:
                    user = await user_for_token(session, token, kind)
                    if user is not None:
                        scope["user"] = CurrentUser(
                            actor=actor_for(user), display_name=user.display_name, via=kind
                        )
                    await next_app(scope, receive, send)
                return
        await next_app(scope, receive, send)
