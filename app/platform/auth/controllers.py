"""The account API: bearer tokens, the signed-in account, and account administration."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody

from app.platform.auth import services
from app.platform.auth.guards import (
    ActingActor,
    provide_actor,
    public_route,
    require_admin,
    require_signed_in,
    signed_in_user,
)
from app.platform.auth.models import TokenKind, User
from app.platform.auth.schemas import Me, TokenRequest, TokenResponse, UserCreate, UserOut, UserPage
from app.platform.db import DbSession
from app.platform.errors import problem_response
from app.platform.i18n import gettext
from app.platform.paging import Limit, Offset
from app.platform.settings import Settings

THROTTLE_RETRY_AFTER = str(int(services.FAILED_SIGN_IN_WINDOW.total_seconds()))


def sign_in_throttled_message() -> str:
    """What a throttled sign-in is told, in the user's language."""
    return gettext(
        "Too many failed sign-ins for this account. Please wait {minutes} minutes and try again.",
        minutes=int(services.FAILED_SIGN_IN_WINDOW.total_seconds() // 60),
    )


def user_out(user: User) -> UserOut:
    """The public shape of an account."""
    return UserOut(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        government_code=user.government_code,
        is_active=user.is_active,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
    )


class AuthController(Controller):
    """Exchange credentials for a bearer token, inspect it, revoke it."""

    path = "/api/auth"
    tags = ["auth"]  # noqa: RUF012

    @post(
        "/token",
        guards=[public_route],
        summary="Exchange a username and password for a bearer token",
        responses={201: ResponseSpec(data_container=TokenResponse, description="A new bearer token")},
    )
    async def create_token(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[TokenRequest],
        db_session: DbSession,
        state: State,
    ) -> Response[Any]:
        """401 on wrong credentials (without saying which part), 429 after repeated failures."""
        settings: Settings = state.settings
        result = await services.authenticate(db_session, data.username, data.password, channel="api")
        if result.refusal is services.SignInRefusal.THROTTLED:
            return problem_response(
                request, 429, sign_in_throttled_message(), {"Retry-After": THROTTLE_RETRY_AFTER}
            )
        if result.user is None:
            return problem_response(
                request, 401, gettext("Wrong username or password, or the account is locked.")
            )
        user = result.user
        issued = await services.issue_token(
            db_session, user, TokenKind.API, timedelta(days=settings.api_token_ttl_days), data.label
        )
        token = TokenResponse(token=issued.token, token_type="bearer", expires_at=issued.expires_at)  # noqa: S106 - the OAuth token type, not a secret
        return Response(token, status_code=201)

    @delete("/token", guards=[require_signed_in], summary="Revoke the bearer token of this request")
    async def revoke_token(self, request: Request[Any, Any, Any], db_session: DbSession) -> None:
        """The token stops working immediately."""
        _scheme, _, token = request.headers.get("authorization", "").partition(" ")
        await services.revoke_token(db_session, token.strip())

    @get("/me", guards=[require_signed_in], summary="The signed-in account")
    async def me(self, request: Request[Any, Any, Any]) -> Me:
        """Who the token belongs to and which government it acts for."""
        user = signed_in_user(request)
        return Me(
            id=user.id,
            username=user.actor.username,
            display_name=user.display_name,
            role=user.actor.role,
            government_code=user.actor.government_code,
            is_ministry=user.actor.is_ministry,
        )


class UserAdminController(Controller):
    """Account administration, limited to the administrator's own government (the ministry sees all)."""

    path = "/api/admin/users"
    tags = ["admin"]  # noqa: RUF012
    dependencies = {"actor": Provide(provide_actor)}  # noqa: RUF012

    @get("/", guards=[require_admin], summary="List accounts of your government")
    async def list_users(
        self, db_session: DbSession, actor: ActingActor, limit: Limit = 50, offset: Offset = 0
    ) -> UserPage:
        """Newest first."""
        users, total = await services.list_users(db_session, actor, limit=limit, offset=offset)
        return UserPage(items=[user_out(u) for u in users], total=total, limit=limit, offset=offset)

    @post("/", guards=[require_admin], summary="Create an account")
    async def create_user(
        self, data: JSONBody[UserCreate], db_session: DbSession, actor: ActingActor
    ) -> UserOut:
        """Staff accounts of a government can only be created by that government's (or the ministry's) admin."""
        user = await services.create_user(
            db_session,
            actor,
            username=data.username,
            display_name=data.display_name,
            role=data.role,
            password=data.password,
            government_code=data.government_code,
        )
        return user_out(user)

    @get("/{user_id:uuid}", guards=[require_admin], summary="One account")
    async def get_user(
        self, user_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> UserOut:
        """404 for accounts of other governments."""
        return user_out(await services.get_user(db_session, actor, user_id))

    @post("/{user_id:uuid}/lock", guards=[require_admin], summary="Lock an account and revoke its tokens")
    async def lock_user(
        self, user_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> UserOut:
        """Locked accounts cannot sign in."""
        return user_out(await services.set_user_active(db_session, actor, user_id, active=False))

    @post("/{user_id:uuid}/unlock", guards=[require_admin], summary="Unlock an account")
    async def unlock_user(
        self, user_id: FromPath[uuid.UUID], db_session: DbSession, actor: ActingActor
    ) -> UserOut:
        """The account can sign in again."""
        return user_out(await services.set_user_active(db_session, actor, user_id, active=True))
