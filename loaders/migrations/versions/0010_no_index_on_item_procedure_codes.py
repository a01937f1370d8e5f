"""no index on the annex rows' procedure codes

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 11:40:00

The index served one query, a procedure's history (``tthc mirror procedure``), in milliseconds
instead of a scan of the annex rows (about 0.1 s a million rows). Its keys arrive in no order,
so every loaded row cost a descent of the index: a third of a bulk load's time at a million
rows. No report or reconciliation query reads it.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("province_items", schema=None) as batch_op:
        batch_op.drop_index("ix_province_items_procedure_code")


def downgrade() -> None:
    with op.batch_alter_table("province_items", schema=None) as batch_op:
        batch_op.create_index("ix_province_items_procedure_code", ["procedure_code"], unique=False)
