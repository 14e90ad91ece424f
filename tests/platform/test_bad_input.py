"""Every JSON API route answers bad input with a 4xx problem+json, never a 500.

The cases are generated from the app's own OpenAPI document, so a new route is covered the day it
is added: malformed JSON, wrong types, missing fields, an oversized body, unknown ids, and no token.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from app.main import create_app
from app.platform.auth.models import Role
from app.platform.db import Database
from app.platform.settings import Settings
from tests.conftest import Accounts, make_settings

SMALL_BODY_LIMIT = 64 * 1024


@dataclass(frozen=True)
class Operation:
    """One API route and method, with what it takes."""

    method: str
    path: str
    url: str
    takes_body: bool
    roles: frozenset[Role]


def _operations(app: Litestar) -> list[Operation]:
    """Every API route handler, with its path parameters filled with ids that do not exist."""
    operations = []
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith("/api"):
            continue
        url = route.path_format
        for parameter in route.path_parameters.values():
            value = str(uuid.uuid4()) if parameter.type is uuid.UUID else "99999"
            url = url.replace("{" + parameter.name + "}", value)
        for handler in route.route_handlers:
            if handler.http_methods == {"OPTIONS"}:
                continue
            admitted: frozenset[Role] = frozenset()
            for guard in handler.resolve_guards():
                admitted |= getattr(getattr(guard, "func", guard), "admitted_roles", frozenset())
            for method in handler.http_methods:
                takes_body = "data" in handler.parsed_fn_signature.parameters
                operations.append(Operation(method, route.path, url, takes_body, admitted))
    return operations


async def _caller_for(operation: Operation, accounts: Accounts) -> dict[str, str]:
    """A token the route's guard admits, so the request reaches body parsing and the service."""
    role = sorted(operation.roles)[0] if operation.roles else Role.OFFICIAL
    return (await accounts.make(Role(role), None if role in MINISTRY_ROLES else "11110")).headers


MINISTRY_ROLES = frozenset({Role.POLICY_ANALYST, Role.OPERATOR})


def _assert_problem(response: Any, case: str) -> None:
    assert 400 <= response.status_code < 500, f"{case}: {response.status_code} {response.text[:300]}"
    assert response.headers["content-type"].startswith("application/problem+json"), case
    body = response.json()
    assert body["status"] == response.status_code, case
    assert body["detail"], case
    assert body["request_id"] == response.headers["x-request-id"], case


@pytest.fixture
def small_limit_settings(database_url: str) -> Settings:
    return make_settings(database_url, max_body_bytes=SMALL_BODY_LIMIT)


@pytest.fixture
async def limited_client(
    small_limit_settings: Settings, database: Database
) -> AsyncGenerator[AsyncTestClient[Litestar], None]:
    async with AsyncTestClient(app=create_app(small_limit_settings, database)) as client:
        yield client


class TestEveryApiRoute:
    async def test_there_are_routes_to_check(self, limited_client: AsyncTestClient[Litestar]) -> None:
        assert len(_operations(limited_client.app)) >= 10

    async def test_bodies_that_are_not_what_the_route_wants(
        self, limited_client: AsyncTestClient[Litestar], accounts: Accounts
    ) -> None:
        checked = 0
        for operation in _operations(limited_client.app):
            if not operation.takes_body:
                continue
            method, path, url = operation.method, operation.path, operation.url
            headers = {**await _caller_for(operation, accounts), "content-type": "application/json"}
            cases: dict[str, bytes] = {
                "malformed JSON": b'{"username": ',
                "wrong top-level type": b"[1, 2, 3]",
                "wrong field types": json.dumps(
                    dict.fromkeys(("username", "password", "role"), 12345)
                ).encode(),
                "missing fields": b"{}",
                "not JSON at all": "한글 텍스트".encode(),
                "oversized": b'{"pad": "' + b"x" * (SMALL_BODY_LIMIT + 10) + b'"}',
            }
            for case, body in cases.items():
                response = await limited_client.request(method, url, content=body, headers=headers)
                _assert_problem(response, f"{method} {path} with {case}")
                if case == "oversized":
                    assert response.status_code == 413, f"{method} {path}"
                checked += 1
        assert checked >= 12

    async def test_unknown_ids_and_anonymous_callers(
        self, limited_client: AsyncTestClient[Litestar], accounts: Accounts
    ) -> None:
        for operation in _operations(limited_client.app):
            method, path, url = operation.method, operation.path, operation.url
            if "{" in path:
                headers = await _caller_for(operation, accounts)
                response = await limited_client.request(method, url, headers=headers, json={})
                _assert_problem(response, f"{method} {path} with an unknown id")
            public = "/api/governments" in path or path == "/api/auth/token"
            if not public:
                response = await limited_client.request(method, url, json={})
                _assert_problem(response, f"{method} {path} without a token")
                assert response.status_code == 401

    async def test_out_of_range_query_parameters(
        self, limited_client: AsyncTestClient[Litestar], accounts: Accounts
    ) -> None:
        admin = await accounts.make(Role.ADMIN, None)
        for query in ("limit=0", "limit=100000", "offset=-1", "limit=abc"):
            response = await limited_client.get(f"/api/admin/users?{query}", headers=admin.headers)
            _assert_problem(response, query)
            assert response.status_code == 400
