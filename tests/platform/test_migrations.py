"""Migrations that change a table's constraints go down as well as up, on both backends."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from app.platform.db import alembic_config
from tests.support.postgres import PostgresServer


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database(f"lofin_migrations_{uuid.uuid4().hex[:8]}")


def _sync_url(url: str) -> str:
    """The same database for a synchronous engine (psycopg 3 serves both; SQLite needs the stdlib driver)."""
    return url.replace("+aiosqlite", "")


def test_the_chart_of_accounts_goes_down_and_up_again(empty_database: str) -> None:
    config = alembic_config(empty_database)
    command.upgrade(config, "0003")
    engine = sa.create_engine(_sync_url(empty_database))
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM fin_ledger_accounts")).scalar_one() == 25
        command.downgrade(config, "0002")
        with engine.connect() as conn:
            assert "fin_ledger_accounts" not in sa.inspect(conn).get_table_names()
            checks = sa.inspect(conn).get_check_constraints("fin_journal_lines")
            assert any("cash" in (check.get("sqltext") or "") for check in checks), checks
        command.upgrade(config, "0003")
        with engine.connect() as conn:
            foreign = sa.inspect(conn).get_foreign_keys("fin_journal_lines")
            assert {"fin_ledger_accounts", "fin_journal_entries"} <= {fk["referred_table"] for fk in foreign}
    finally:
        engine.dispose()


def test_the_audit_hash_scheme_goes_down_only_while_no_event_uses_scheme_2(empty_database: str) -> None:
    config = alembic_config(empty_database)
    command.upgrade(config, "0011")
    engine = sa.create_engine(_sync_url(empty_database))
    try:
        command.downgrade(config, "0010")
        with engine.connect() as conn:
            assert "hash_version" not in {c["name"] for c in sa.inspect(conn).get_columns("audit_events")}
        command.upgrade(config, "0011")
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO audit_events (chain, seq, occurred_at, actor_username, actor_role, action,"
                    " target_type, target_id, prev_hash, hash, hash_version) VALUES ('11110:00', 1,"
                    " CURRENT_TIMESTAMP, 'tester', 'admin', 'test', 'thing', '1', :zero, :hash, 2)"
                ),
                {"zero": "0" * 64, "hash": "f" * 64},
            )
        with pytest.raises(RuntimeError, match="scheme 2"):
            command.downgrade(config, "0010")
        with engine.connect() as conn:
            assert "hash_version" in {c["name"] for c in sa.inspect(conn).get_columns("audit_events")}
    finally:
        engine.dispose()
