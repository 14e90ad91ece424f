"""platform: audit chains sharded so unrelated writes of one government do not queue

From this revision on, ``record_event`` appends to ``<government>:<nn>`` (``national:<nn>``), ``nn``
one of ``AUDIT_SHARDS`` shards chosen by a stable hash of the changed record, instead of one chain per
government. No DDL is needed, and none is done: the longest name, ``national:31``, is 11 characters
and fits the 16-character ``chain`` column; the ``(chain, seq)`` unique index still finds a chain's
last link; chains written before this revision (``<government>``, ``national``) remain valid chains
that ``lofin audit verify`` walks like any other and that simply stop growing. Downgrading the code
is safe too: the old ``record_event`` would start the unsharded chains again where they stopped.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 07:30:00
"""

from collections.abc import Sequence

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing to change in the schema (see the module docstring)."""


def downgrade() -> None:
    """Nothing to undo."""
