"""annex columns of unknown headers kept

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 16:20:00

An annex table whose header holds a column the reader does not know ("Số bộ hồ sơ") used to
have every row held; its values are now kept beside the row, by header, as JSON.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("province_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("extra_columns", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("province_items", schema=None) as batch_op:
        batch_op.drop_column("extra_columns")
