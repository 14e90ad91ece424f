"""The ``lofin`` command as operators and ``make run`` use it, on a real SQLite file."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from app.platform.db import migration_head
from app.platform.seed import DEMO_ACCOUNTS
from tests.support.server import lofin_env, run_lofin


def _env(tmp_path: Path) -> dict[str, str]:
    return lofin_env(
        f"sqlite+aiosqlite:///{tmp_path / 'lofin.db'}", LOFIN_METRICS_DIR=str(tmp_path / "metrics")
    )


class TestSetup:
    def test_serve_refuses_an_unmigrated_database(self, tmp_path: Path) -> None:
        result = run_lofin("serve", env=_env(tmp_path), check=False)
        assert result.returncode != 0
        assert "lofin db upgrade" in result.stderr

    def test_upgrade_and_seed_are_idempotent(self, tmp_path: Path) -> None:
        env = _env(tmp_path)
        run_lofin("db", "upgrade", env=env)
        first = run_lofin("seed", "--demo", env=env)
        assert f"local governments changed: 243; demo accounts created: {len(DEMO_ACCOUNTS)}" in first.stdout
        run_lofin("db", "upgrade", env=env)
        second = run_lofin("seed", "--demo", env=env)
        assert "local governments changed: 0; demo accounts created: 0" in second.stdout
        head = migration_head()
        assert f"current: {head}  head: {head}" in run_lofin("db", "current", env=env).stdout


class TestAccountsAndAudit:
    def test_user_create_is_audited_and_verify_catches_tampering(self, tmp_path: Path) -> None:
        env = _env(tmp_path)
        run_lofin("db", "upgrade", env=env)
        run_lofin("seed", env=env)
        created = run_lofin(
            "user",
            "create",
            "--username",
            "finance.busan",
            "--display-name",
            "부산 재무관",
            "--role",
            "finance_officer",
            "--government",
            "26000",
            env={**env, "LOFIN_NEW_USER_PASSWORD": "a-long-enough-password"},
        )
        assert "created finance.busan" in created.stdout
        # A refusal speaks English unless the POSIX locale asks for Korean.
        for locale, refusal in (
            ("C.UTF-8", "The username finance.busan is already taken."),
            ("ko_KR.UTF-8", "사용자 이름 finance.busan은(는) 이미 사용 중입니다."),
        ):
            duplicate = run_lofin(
                "user",
                "create",
                "--username",
                "finance.busan",
                "--display-name",
                "x",
                "--role",
                "official",
                env={**env, "LOFIN_NEW_USER_PASSWORD": "a-long-enough-password", "LC_ALL": locale},
                check=False,
            )
            assert duplicate.returncode != 0
            assert refusal in duplicate.stderr
        assert "audit trail OK: 1 events" in run_lofin("audit", "verify", env=env).stdout

        with sqlite3.connect(tmp_path / "lofin.db") as db:
            db.execute("DROP TRIGGER audit_events_no_update")
            db.execute("UPDATE audit_events SET after = json_set(after, '$.role', 'admin')")
        tampered = run_lofin("audit", "verify", env=env, check=False)
        assert tampered.returncode == 1
        assert re.search(r"BROKEN at chain 26000:\d\d seq 1 \(event id 1\)", tampered.stderr)
