"""Pages of the web shell: home, sign-in/out, the service landing pages, administration."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlparse

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie, State
from litestar.di import Provide
from litestar.params import QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template

from app.platform import audit
from app.platform.auth import services
from app.platform.auth.controllers import THROTTLE_RETRY_AFTER, sign_in_throttled_message
from app.platform.auth.guards import (
    ActingActor,
    OptionalUser,
    provide_actor,
    provide_current_user,
    public_route,
    require_roles,
)
from app.platform.auth.middleware import SESSION_COOKIE
from app.platform.auth.models import Role, TokenKind
from app.platform.db import DbSession
from app.platform.governments import list_governments
from app.platform.i18n import gettext
from app.platform.paging import PAGE_SIZE, PageNumber, page_count, page_offset
from app.platform.settings import Settings
from app.platform.web import SERVICES, ServiceInfo


class LoginForm(msgspec.Struct):
    """The sign-in form."""

    username: Annotated[str, msgspec.Meta(max_length=64)] = ""
    password: Annotated[str, msgspec.Meta(max_length=256)] = ""
    next: Annotated[str, msgspec.Meta(max_length=500)] = "/"


def safe_next(target: str) -> str:
    """Only local paths: a sign-in link must not be able to send people to another site."""
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


class ShellPages(Controller):
    """Home, sign-in and sign-out."""

    dependencies = {"current_user": Provide(provide_current_user)}  # noqa: RUF012
    include_in_schema = False
    guards = [public_route]  # noqa: RUF012

    @get("/")
    async def home(self, current_user: OptionalUser) -> Template:
        """Introduces and links the six services."""
        return Template("home.html", context={"current_user": current_user})

    @get("/login")
    async def login_form(
        self,
        current_user: OptionalUser,
        next_path: Annotated[str, QueryParameter(name="next", max_length=500)] = "/",
    ) -> Template:
        """The sign-in form."""
        return Template(
            "login.html", context={"current_user": current_user, "next": safe_next(next_path), "error": None}
        )

    @post("/login")
    async def login(
        self,
        data: URLEncodedBody[LoginForm],
        db_session: DbSession,
        state: State,
    ) -> Template | Redirect:
        """Sets the session cookie and goes where the visitor was heading."""
        settings: Settings = state.settings
        result = await services.authenticate(db_session, data.username, data.password, channel="web")
        if result.user is None:
            throttled = result.refusal is services.SignInRefusal.THROTTLED
            return Template(
                "login.html",
                context={
                    "current_user": None,
                    "next": safe_next(data.next),
                    "username": data.username,
                    "error": sign_in_throttled_message()
                    if throttled
                    else gettext("Wrong username or password, or the account is locked."),
                },
                status_code=429 if throttled else 401,
                headers={"Retry-After": THROTTLE_RETRY_AFTER} if throttled else None,
            )
        user = result.user
        lifetime = timedelta(hours=settings.session_ttl_hours)
        issued = await services.issue_token(db_session, user, TokenKind.SESSION, lifetime, "browser")
        cookie = Cookie(
            key=SESSION_COOKIE,
            value=issued.token,
            max_age=int(lifetime.total_seconds()),
            httponly=True,
            secure=settings.secure_cookies,
            samesite="lax",
            path="/",
        )
        return Redirect(path=safe_next(data.next), cookies=[cookie], status_code=303)

    @post("/logout")
    async def logout(self, request: Request[Any, Any, Any], db_session: DbSession) -> Redirect:
        """Revokes the session and clears the cookie."""
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            await services.revoke_token(db_session, token)
        expired = Cookie(key=SESSION_COOKIE, value="", max_age=0, expires=0, path="/", httponly=True)
        return Redirect(path="/", cookies=[expired], status_code=303)


def service_landing_page(service: ServiceInfo) -> type[Controller]:
    """The landing page of one service: what it does, who it is for, where to start."""

    class ServicePage(Controller):
        path = service.path
        include_in_schema = False
        dependencies = {"current_user": Provide(provide_current_user)}  # noqa: RUF012
        guards = [public_route if service.public else require_roles(*service.roles)]  # noqa: RUF012

        @get("/", name=f"{service.slug}:home")
        async def landing(self, current_user: OptionalUser) -> Template:
            return Template("service.html", context={"current_user": current_user, "service": service})

    ServicePage.__name__ = f"{service.slug.capitalize()}LandingPage"
    return ServicePage


SERVICE_PAGES = [service_landing_page(service) for service in SERVICES]


class AdminPages(Controller):
    """Administrators and auditors: the accounts and the audit trail of their government."""

    path = "/admin"
    include_in_schema = False
    guards = [require_roles(Role.ADMIN, Role.AUDITOR)]  # noqa: RUF012
    dependencies = {  # noqa: RUF012
        "current_user": Provide(provide_current_user),
        "actor": Provide(provide_actor),
    }

    @get("/")
    async def overview(
        self,
        current_user: OptionalUser,
        actor: ActingActor,
        db_session: DbSession,
        page: PageNumber = 1,
    ) -> Template:
        """Accounts (administrators) and the latest audit events."""
        users: list[Any] = []
        users_total = 0
        if actor.role is Role.ADMIN:
            users, users_total = await services.list_users(db_session, actor, limit=PAGE_SIZE, offset=0)
        events, events_total = await audit.list_events(
            db_session, actor, limit=PAGE_SIZE, offset=page_offset(page)
        )
        governments = {g.code: g for g in await list_governments(db_session)}
        return Template(
            "admin.html",
            context={
                "current_user": current_user,
                "users": users,
                "users_total": users_total,
                "events": events,
                "events_total": events_total,
                "page": page,
                "pages": page_count(events_total),
                "governments": governments,
            },
        )
