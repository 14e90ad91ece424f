"""Accounts, tokens, sessions, role guards and the tenancy rule, on real routes."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.platform.audit import AuditEvent
from app.platform.auth.models import Role
from app.platform.auth.services import (
    MAX_FAILED_SIGN_INS,
    authenticate,
    hash_password,
    password_matches,
    recent_failed_sign_ins,
)
from tests.conftest import TEST_PASSWORD, Accounts


class TestPasswords:
    def test_argon2id_and_verification(self) -> None:
        hashed = hash_password("a sufficiently long secret")
        assert hashed.startswith("$argon2id$")
        assert password_matches(hashed, "a sufficiently long secret")
        assert not password_matches(hashed, "wrong")
        assert not password_matches("not-a-hash", "anything")


class TestTokenApi:
    async def test_anonymous_gets_401_problem(self, client: AsyncTestClient[Litestar]) -> None:
        response = await client.get("/api/auth/me")
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["request_id"] == response.headers["x-request-id"]

    async def test_wrong_password_is_refused_without_detail(
        self, client: AsyncTestClient[Litestar], accounts: Accounts
    ) -> None:
        account = await accounts.make(Role.OFFICIAL)
        response = await client.post(
            "/api/auth/token", json={"username": account.user.username, "password": "nope"}
        )
        assert response.status_code == 401
        unknown = await client.post("/api/auth/token", json={"username": "nobody", "password": "nope"})
        assert unknown.status_code == 401
        assert unknown.json()["detail"] == response.json()["detail"]

    async def test_token_round_trip_and_revocation(
        self, client: AsyncTestClient[Litestar], accounts: Accounts
    ) -> None:
        account = await accounts.make(Role.OFFICIAL, "41110")
        issued = await client.post(
            "/api/auth/token", json={"username": account.user.username, "password": TEST_PASSWORD}
        )
        assert issued.status_code == 201
        token = issued.json()["token"]
        assert token.startswith("lfn_")
        headers = {"Authorization": f"Bearer {token}"}
        me = await client.get("/api/auth/me", headers=headers)
        assert me.json()["government_code"] == "41110"
        assert me.json()["role"] == "official"
        assert (await client.delete("/api/auth/token", headers=headers)).status_code == 204
        assert (await client.get("/api/auth/me", headers=headers)).status_code == 401

    async def test_locked_account_cannot_sign_in(self, session: AsyncSession, accounts: Accounts) -> None:
        account = await accounts.make(Role.OFFICIAL)
        account.user.is_active = False
        await session.flush()
        result = await authenticate(session, account.user.username, TEST_PASSWORD, channel="api")
        assert result.user is None

    async def test_session_cookie_does_not_authorise_the_api(
        self, client: AsyncTestClient[Litestar], accounts: Accounts
    ) -> None:
        account = await accounts.make(Role.ADMIN)
        await _sign_in(client, account.user.username)
        assert (await client.get("/admin/")).status_code == 200
        assert (await client.get("/api/admin/users")).status_code == 401


async def _sign_in(client: AsyncTestClient[Litestar], username: str, next_path: str = "/") -> None:
    form = await client.get("/login")
    csrf = re.search(r'name="_csrf_token" value="([^"]+)"', form.text)
    assert csrf, "the login form carries a CSRF token"
    response = await client.post(
        "/login",
        data={
            "username": username,
            "password": TEST_PASSWORD,
            "next": next_path,
            "_csrf_token": csrf.group(1),
        },
    )
    assert response.status_code in (200, 303), response.text


class TestThrottling:
    async def test_repeated_failures_throttle_even_the_right_password(
        self, client: AsyncTestClient[Litestar], accounts: Accounts
    ) -> None:
        account = await accounts.make(Role.FINANCE_OFFICER)
        credentials = {"username": account.user.username, "password": "guess"}
        for _ in range(MAX_FAILED_SIGN_INS):
            assert (await client.post("/api/auth/token", json=credentials)).status_code == 401
        right = await client.post(
            "/api/auth/token", json={"username": account.user.username, "password": TEST_PASSWORD}
        )
        assert right.status_code == 429
        assert int(right.headers["retry-after"]) >= 60
        assert right.headers["content-type"].startswith("application/problem+json")
        other = await accounts.make(Role.FINANCE_OFFICER)
        fine = await client.post(
            "/api/auth/token", json={"username": other.user.username, "password": TEST_PASSWORD}
        )
        assert fine.status_code == 201, "throttling is per account name"

    async def test_sign_ins_and_failures_are_audited(self, session: AsyncSession, accounts: Accounts) -> None:
        account = await accounts.make(Role.OFFICIAL, "41110")
        await authenticate(session, account.user.username, "wrong", channel="web")
        await authenticate(session, "nobody-here", "wrong", channel="web")
        await authenticate(session, account.user.username, TEST_PASSWORD, channel="web")
        events = (
            await session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action.in_(["auth.sign_in", "auth.sign_in_failed"]))
                .order_by(AuditEvent.id)
            )
        ).all()
        assert [(e.action, e.target_id, e.government_code) for e in events[-3:]] == [
            ("auth.sign_in_failed", account.user.username, "41110"),
            ("auth.sign_in_failed", "nobody-here", None),
            ("auth.sign_in", account.user.username, "41110"),
        ]
        assert await recent_failed_sign_ins(session, account.user.username) == 1


class TestPages:
    async def test_login_without_csrf_token_is_refused(
        self, client: AsyncTestClient[Litestar], accounts: Accounts
    ) -> None:
        account = await accounts.make(Role.OFFICIAL)
        await client.get("/login")
        response = await client.post(
            "/login", data={"username": account.user.username, "password": TEST_PASSWORD}
        )
        assert response.status_code == 403
        assert "lofin_session" not in response.cookies

    async def test_wrong_password_shows_the_form_again(self, client: AsyncTestClient[Litestar]) -> None:
        form = await client.get("/login")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text)
        assert token
        response = await client.post(
            "/login", data={"username": "x", "password": "y", "_csrf_token": token.group(1)}
        )
        assert response.status_code == 401
        assert 'role="alert"' in response.text

    async def test_protected_page_redirects_to_login(self, client: AsyncTestClient[Litestar]) -> None:
        response = await client.get("/admin/", follow_redirects=False)
        assert response.status_code in (302, 303, 307)
        assert response.headers["location"].startswith("/login?next=%2Fadmin")

    async def test_open_redirect_is_neutralised(
        self, client: AsyncTestClient[Litestar], accounts: Accounts
    ) -> None:
        account = await accounts.make(Role.OFFICIAL)
        form = await client.get("/login")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text)
        assert token
        response = await client.post(
            "/login",
            data={
                "username": account.user.username,
                "password": TEST_PASSWORD,
                "next": "//evil.example/",
                "_csrf_token": token.group(1),
            },
            follow_redirects=False,
        )
        assert response.headers["location"] == "/"

    async def test_wrong_role_gets_a_readable_403_page(
        self, client: AsyncTestClient[Litestar], accounts: Accounts
    ) -> None:
        account = await accounts.make(Role.RESIDENT, None)
        await _sign_in(client, account.user.username)
        response = await client.get("/finance/")
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("text/html")
        assert "권한" in response.text

    async def test_navigation_follows_the_role(
        self, client: AsyncTestClient[Litestar], accounts: Accounts
    ) -> None:
        resident = await accounts.make(Role.RESIDENT, None)
        await _sign_in(client, resident.user.username)
        page = (await client.get("/")).text
        assert 'href="/participation/"' in page
        assert 'href="/finance/"' not in page.split("<main")[0]
        assert 'href="/admin/"' not in page

    async def test_logout_revokes_the_session(
        self, client: AsyncTestClient[Litestar], accounts: Accounts
    ) -> None:
        account = await accounts.make(Role.ADMIN)
        await _sign_in(client, account.user.username)
        home = await client.get("/")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', home.text)
        assert token
        await client.post("/logout", data={"_csrf_token": token.group(1)})
        response = await client.get("/admin/", follow_redirects=False)
        assert response.status_code in (302, 303, 307)


class TestRoleGuards:
    async def test_official_cannot_administer_accounts(
        self, client: AsyncTestClient[Litestar], accounts: Accounts
    ) -> None:
        official = await accounts.make(Role.OFFICIAL)
        response = await client.get("/api/admin/users", headers=official.headers)
        assert response.status_code == 403
        assert "admin" in response.json()["detail"]

    async def test_resident_cannot_read_the_audit_trail(
        self, client: AsyncTestClient[Litestar], accounts: Accounts
    ) -> None:
        resident = await accounts.make(Role.RESIDENT, None)
        assert (await client.get("/api/audit/events", headers=resident.headers)).status_code == 403


class TestTenancy:
    """An admin of one government can neither read nor change another government's accounts."""

    async def test_list_shows_only_own_government(
        self, client: AsyncTestClient[Litestar], accounts: Accounts
    ) -> None:
        jongno_admin = await accounts.make(Role.ADMIN, "11110")
        await accounts.make(Role.OFFICIAL, "41110")
        body = (await client.get("/api/admin/users", headers=jongno_admin.headers)).json()
        assert body["total"] >= 1
        assert {item["government_code"] for item in body["items"]} == {"11110"}

    async def test_other_governments_account_is_not_found(
        self, client: AsyncTestClient[Litestar], accounts: Accounts
    ) -> None:
        jongno_admin = await accounts.make(Role.ADMIN, "11110")
        suwon_official = await accounts.make(Role.OFFICIAL, "41110")
        path = f"/api/admin/users/{suwon_official.user.id}"
        assert (await client.get(path, headers=jongno_admin.headers)).status_code == 404
        lock = await client.post(f"{path}/lock", headers=jongno_admin.headers)
        assert lock.status_code == 404
        assert (await client.get("/api/auth/me", headers=suwon_official.headers)).status_code == 200

    async def test_cannot_create_accounts_for_another_government(
        self, client: AsyncTestClient[Litestar], accounts: Accounts
    ) -> None:
        jongno_admin = await accounts.make(Role.ADMIN, "11110")
        response = await client.post(
            "/api/admin/users",
            headers=jongno_admin.headers,
            json={
                "username": "intruder",
                "display_name": "x",
                "role": "official",
                "password": "long-enough-password",
                "government_code": "41110",
            },
        )
        assert response.status_code == 403

    async def test_ministry_admin_sees_every_government(
        self, client: AsyncTestClient[Litestar], accounts: Accounts
    ) -> None:
        ministry = await accounts.make(Role.ADMIN, None)
        suwon = await accounts.make(Role.OFFICIAL, "41110")
        response = await client.get(f"/api/admin/users/{suwon.user.id}", headers=ministry.headers)
        assert response.status_code == 200

    async def test_lock_revokes_tokens_and_is_audited(
        self, client: AsyncTestClient[Litestar], accounts: Accounts
    ) -> None:
        admin = await accounts.make(Role.ADMIN, "11110")
        official = await accounts.make(Role.OFFICIAL, "11110")
        locked = await client.post(f"/api/admin/users/{official.user.id}/lock", headers=admin.headers)
        assert locked.status_code == 201
        assert locked.json()["is_active"] is False
        assert (await client.get("/api/auth/me", headers=official.headers)).status_code == 401
        events = (await client.get("/api/audit/events?action=user.lock", headers=admin.headers)).json()
        assert events["items"][0]["target_id"] == str(official.user.id)
        assert events["items"][0]["before"]["is_active"] is True
        assert events["items"][0]["after"]["is_active"] is False

    async def test_duplicate_username_is_a_conflict(
        self, client: AsyncTestClient[Litestar], accounts: Accounts
    ) -> None:
        admin = await accounts.make(Role.ADMIN, "11110")
        payload = {
            "username": admin.user.username,
            "display_name": "dup",
            "role": "official",
            "password": "long-enough-password",
            "government_code": "11110",
        }
        response = await client.post("/api/admin/users", headers=admin.headers, json=payload)
        assert response.status_code == 409
