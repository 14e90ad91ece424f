"""Every route declares who may use it: role guards, or an explicit public marker."""

from __future__ import annotations

from litestar import Litestar
from litestar.routes import HTTPRoute

from app.platform.auth.guards import public_route

# Framework routes that serve no data: static assets and the OpenAPI document.
FRAMEWORK_PUBLIC_PREFIXES = ("/static", "/schema")


def test_every_route_is_guarded_or_explicitly_public(app: Litestar) -> None:
    unguarded = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith(FRAMEWORK_PUBLIC_PREFIXES):
            continue
        for handler in route.route_handlers:
            if handler.http_methods == {"OPTIONS"}:  # Litestar's automatic CORS preflight answers
                continue
            if not handler.resolve_guards():
                unguarded.append(f"{route.path} {sorted(handler.http_methods)}")
    assert not unguarded, f"routes without guards: {unguarded}"


def test_public_routes_are_the_expected_ones(app: Litestar) -> None:
    public = {
        route.path
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
        if public_route in [getattr(guard, "func", guard) for guard in handler.resolve_guards()]
    }
    assert public == {
        "/",
        "/login",
        "/logout",
        "/health/live",
        "/health/ready",
        "/metrics",
        "/api/auth/token",
        "/api/governments",
        "/api/governments/{code:str}",
        "/participation",
        "/disclosure",
    }
