"""Patroni's post_bootstrap script, run for real against PostgreSQL: it creates the app's role and database."""

from __future__ import annotations

import base64
import hashlib
import hmac
import subprocess
from pathlib import Path

import psycopg

from infra.render import _context, render_template
from infra.topology import load
from tests.infra.test_render import SECRETS
from tests.support.postgres import PostgresServer

# quotes, a dollar sign and a backslash: nothing in the script may interpret the password
AWKWARD_PASSWORD = 'it\'s "$HOME" \\ `id`'


def render_script(tmp_path: Path, user: str, database: str) -> Path:
    env = load("production")
    context = _context(env, env.host("daejeon-db1"), {**SECRETS, "app_password": AWKWARD_PASSWORD})
    context["cluster"] = {**env.cluster, "app_user": user, "database": database}
    script = tmp_path / "post-bootstrap.sh"
    script.write_text(render_template("patroni-post-bootstrap.sh.j2", context), encoding="utf-8")
    return script


def test_the_script_creates_the_app_role_and_database_once(
    tmp_path: Path, postgres_server: PostgresServer
) -> None:
    script = render_script(tmp_path, "bootstrap_probe", "bootstrap_probe_db")
    superuser = f"postgresql://postgres@127.0.0.1:{postgres_server.port}/postgres"
    for _ in range(2):  # Patroni runs it once; a second run (a retried bootstrap) must change nothing
        result = subprocess.run(["sh", str(script), superuser], capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr

    with psycopg.connect(superuser) as conn:
        owner = conn.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'bootstrap_probe_db'"
        ).fetchone()
        assert owner == ("bootstrap_probe",)
    # the password arrived byte for byte: recompute the SCRAM verifier PostgreSQL stored from it
    with psycopg.connect(superuser) as conn:
        row = conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = 'bootstrap_probe'").fetchone()
    assert row is not None
    assert scram_matches(row[0], AWKWARD_PASSWORD)
    assert not scram_matches(row[0], AWKWARD_PASSWORD.replace("$HOME", "/root"))


def scram_matches(verifier: str, password: str) -> bool:
    """Whether ``verifier`` (SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>) is of ``password``."""
    method, iterations_salt, keys = verifier.split("$")
    assert method == "SCRAM-SHA-256"
    iterations, salt = iterations_salt.split(":")
    stored_key, server_key = keys.split(":")
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    return (
        base64.b64encode(hashlib.sha256(client_key).digest()).decode() == stored_key
        and base64.b64encode(hmac.new(salted, b"Server Key", "sha256").digest()).decode() == server_key
    )
