"""Every JSON API route answers bad input with a 4xx problem+json, never a 500.

The cases are generated from the app's own OpenAPI document, so a new route is covered the day it
is added: malformed JSON, wrong types, missing fields, an oversized body, unknown ids, and no token.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncGenerator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.main import create_app
from app.platform.auth.models import Role
from app.platform.db import Database
from app.platform.settings import Settings
from tests.conftest import Accounts, make_settings

SMALL_BODY_LIMIT = 64 * 1024


def _operations(app: Litestar) -> list[tuple[str, str, dict[str, Any]]]:
    schema = app.openapi_schema.to_schema()
    return [
        (method.upper(), path, operation)
        for path, item in schema["paths"].items()
        if path.startswith("/api")
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def _fill_path(path: str, operation: dict[str, Any]) -> str:
    for parameter in operation.get("parameters", []):
        if parameter["in"] != "path":
            continue
        schema = parameter.get("schema", {})
        value = str(uuid.uuid4()) if schema.get("format") == "uuid" else "99999"
        path = path.replace("{" + parameter["name"] + "}", value)
    return path


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
        admin = await accounts.make(Role.ADMIN, None)
        checked = 0
        for method, path, operation in _operations(limited_client.app):
            if "requestBody" not in operation:
                continue
            url = _fill_path(path, operation)
            headers = {**admin.headers, "content-type": "application/json"}
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
        admin = await accounts.make(Role.ADMIN, None)
        for method, path, operation in _operations(limited_client.app):
            url = _fill_path(path, operation)
            if "{" in path:
                response = await limited_client.request(method, url, headers=admin.headers, json={})
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
