"""platform: audit events appended in one round trip (hash scheme 2)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 10:45:00

Scheme 1 hashed an event's whole content together with its ``seq`` and the previous hash, so the
application had to read the chain's head before it could hash and insert: two round trips for every
audited write. Scheme 2 splits that in two: the application hashes the event's content (everything
but ``seq`` and ``prev_hash``), and the link ``sha256(prev_hash ":" seq ":" content_digest)`` is
computed where the head is read. On PostgreSQL ``audit_append`` takes the chain's advisory lock, reads
the head with a fresh snapshot (the same reasoning as ``audit_chain_head`` in 0008), links and inserts
— one round trip. ``hash_version`` says which scheme an event was hashed with; events written before
this migration keep scheme 1 and verify as they always did. Down refuses while scheme-2 events exist
(they would no longer verify).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ALTER TABLE on both backends: a batch rebuild would drop SQLite's append-only triggers.
    op.add_column(
        "audit_events", sa.Column("hash_version", sa.SmallInteger(), nullable=False, server_default="1")
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION audit_append(
                p_chain text, p_lock_key bigint, p_occurred_at timestamptz, p_actor_id uuid,
                p_actor_username text, p_actor_role text, p_government_code text, p_action text,
                p_target_type text, p_target_id text, p_before jsonb, p_after jsonb, p_request_id text,
                p_content_digest text,
                OUT id bigint, OUT seq integer, OUT prev_hash text, OUT hash text)
            LANGUAGE plpgsql VOLATILE AS $$
            BEGIN
                PERFORM pg_advisory_xact_lock(p_lock_key);
                SELECT e.seq, e.hash INTO seq, prev_hash
                FROM audit_events AS e
                WHERE e.chain = p_chain
                ORDER BY e.seq DESC
                LIMIT 1;
                seq := coalesce(seq, 0) + 1;
                prev_hash := coalesce(prev_hash, repeat('0', 64));
                hash := encode(sha256(convert_to(prev_hash || ':' || seq || ':' || p_content_digest, 'UTF8')), 'hex');
                INSERT INTO audit_events (
                    chain, seq, occurred_at, actor_id, actor_username, actor_role, government_code,
                    action, target_type, target_id, before, after, request_id, prev_hash, hash, hash_version)
                VALUES (
                    p_chain, seq, p_occurred_at, p_actor_id, p_actor_username, p_actor_role,
                    p_government_code, p_action, p_target_type, p_target_id, p_before, p_after,
                    p_request_id, prev_hash, hash, 2)
                RETURNING audit_events.id INTO id;
            END
            $$
            """
        )


def downgrade() -> None:
    bind = op.get_bind()
    newer = bind.execute(sa.text("SELECT count(*) FROM audit_events WHERE hash_version <> 1")).scalar_one()
    if newer:
        raise RuntimeError(
            f"{newer} audit event(s) are hashed with scheme 2, which revision 0010 cannot verify; "
            "the audit trail cannot go down past 0011 without losing its evidence."
        )
    if bind.dialect.name == "postgresql":
        op.execute(
            "DROP FUNCTION IF EXISTS audit_append(text, bigint, timestamptz, uuid, text, text, text, text,"
            " text, text, jsonb, jsonb, text, text)"
        )
    op.drop_column("audit_events", "hash_version")
