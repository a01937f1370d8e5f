"""procedure versions as a view

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 09:00:00

A procedure's versions are a function of the annex rows and decisions the mirror keeps: a view
reads them when asked, so a load no longer rebuilds them and they cannot fall behind a decision
whose dates changed. Kept here as SQL of its own: a migration must not change when the code does.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Portable SQL (PostgreSQL, SQLite >= 3.28). Each decision's annex row opens a version from the
# date it takes effect (its signing date when none is given); the next one closes it. A query
# on (province_code, procedure_code), the window's partition, reaches the index on the items.
VERSIONS = """
SELECT d.province_code AS province_code,
       i.procedure_code AS procedure_code,
       row_number() OVER w AS version_no,
       COALESCE(d.effective_date, d.signed_date) AS valid_from,
       lead(COALESCE(d.effective_date, d.signed_date)) OVER w AS valid_to,
       CASE WHEN i.action = 'abolished' THEN 'abolished' ELSE 'in force' END AS status,
       i.action AS action,
       i.decision_id AS decision_id
FROM province_items AS i
JOIN province_decisions AS d ON d.decision_id = i.decision_id
WHERE i.procedure_code IS NOT NULL
WINDOW w AS (
    PARTITION BY d.province_code, i.procedure_code
    ORDER BY COALESCE(d.effective_date, d.signed_date), d.signed_date, i.decision_id
)
"""


def upgrade() -> None:
    op.drop_table("procedure_versions")
    op.execute(f"CREATE VIEW procedure_versions AS {VERSIONS}")


def downgrade() -> None:
    op.execute("DROP VIEW procedure_versions")
    op.create_table(
        "procedure_versions",
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("procedure_code", sa.String(length=40), nullable=False),
        sa.Column("version_no", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("decision_id", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("province_code", "procedure_code", "version_no"),
    )
    op.execute(f"INSERT INTO procedure_versions {VERSIONS}")
