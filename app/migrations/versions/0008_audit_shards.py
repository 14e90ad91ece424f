"""platform: audit chains sharded so unrelated writes of one government do not queue

From this revision on, ``record_event`` appends to ``<government>:<nn>`` (``national:<nn>``), ``nn``
one of ``AUDIT_SHARDS`` shards chosen by a stable hash of the changed record, instead of one chain per
government. The table needs no change: the longest name, ``national:31``, is 11 characters and fits
the 16-character ``chain`` column; the ``(chain, seq)`` unique index still finds a chain's last link;
chains written before this revision (``<government>``, ``national``) remain valid chains that
``lofin audit verify`` walks like any other and that simply stop growing.

On PostgreSQL it adds ``audit_chain_head(chain, lock_key)``: it takes the chain's advisory lock and
then reads the chain's last link in one round trip. That is correct only because a VOLATILE PL/pgSQL
function takes a fresh snapshot for each statement under READ COMMITTED: the read sees the link the
previous lock holder committed. (One SQL statement cannot do both: its snapshot predates its lock.)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 07:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION audit_chain_head(p_chain text, p_lock_key bigint, OUT seq integer, OUT hash text)
            LANGUAGE plpgsql VOLATILE AS $$
            BEGIN
                PERFORM pg_advisory_xact_lock(p_lock_key);
                SELECT e.seq, e.hash INTO seq, hash
                FROM audit_events AS e
                WHERE e.chain = p_chain
                ORDER BY e.seq DESC
                LIMIT 1;
            END
            $$
            """
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_chain_head(text, bigint)")
