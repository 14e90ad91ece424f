"""Route guards. Every route either names the roles it admits or is listed as public in the tests."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from app.platform.auth.middleware import CurrentUser
from app.platform.auth.models import STAFF_ROLES, Role
from app.platform.i18n import Term, gettext
from app.platform.tenancy import Actor
from app.platform.web import ROLE_LABELS


def signed_in_user(connection: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser:
    """The signed-in user, or a 401."""
    user = connection.scope.get("user")
    if not isinstance(user, CurrentUser):
        raise NotAuthorizedException(
            gettext("Sign in first (a session for pages, a bearer token for the API).")
        )
    return user


def require_roles(*roles: Role) -> Guard:
    """A guard admitting signed-in users with one of ``roles`` (any role if none are given)."""
    admitted = frozenset(roles)

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
        user = signed_in_user(connection)
        if admitted and user.actor.role not in admitted:
            raise PermissionDeniedException(
                gettext(
                    "Your role ({role}) may not use this; it needs one of: {roles}.",
                    role=Term(ROLE_LABELS[user.actor.role]),
                    roles=Term(*(ROLE_LABELS[role] for role in sorted(admitted))),
                )
            )

    guard.__qualname__ = f"require_roles({', '.join(sorted(admitted)) or 'any'})"
    guard.admitted_roles = admitted  # type: ignore[attr-defined]  # read by the route-coverage tests
    return guard


require_signed_in = require_roles()
require_staff = require_roles(*STAFF_ROLES)
require_admin = require_roles(Role.ADMIN)


async def public_route(_connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    """Marks a route as deliberately open to everyone (the guard-coverage test looks for it)."""


async def provide_actor(request: ASGIConnection[Any, Any, Any, Any]) -> Actor:
    """The acting account for service calls (routes using it are guarded, so this only re-checks)."""
    return signed_in_user(request).actor


async def provide_current_user(request: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser | None:
    """The signed-in user, if any (for pages that look different when signed in)."""
    user = request.scope.get("user")
    return user if isinstance(user, CurrentUser) else None


ActingActor = NamedDependency[Actor]
"""How a handler asks for the acting account (provided by :func:`provide_actor`)."""
OptionalUser = NamedDependency[CurrentUser | None]
"""How a page asks for the signed-in user, if any (provided by :func:`provide_current_user`)."""
