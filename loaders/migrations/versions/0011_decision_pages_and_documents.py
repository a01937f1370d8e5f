"""decision pages and their signed documents

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 15:40:00

What each national decision's page says (number, summary, date, issuer, how many attachments)
and each attachment downloaded: its code, name, storage path, SHA-256 and size, and what its
annex gave (the number it carries, or why it gives no decision).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _tracking() -> list[sa.Column]:
    return [
        sa.Column("content_hash", sa.BigInteger(), nullable=False),
        sa.Column("source_ref", sa.String(length=200), nullable=False),
        sa.Column("first_run_id", sa.String(length=64), nullable=False),
        sa.Column("run_id", sa.String(length=64), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "national_decision_pages",
        sa.Column("decision_id", sa.String(length=20), nullable=False),
        sa.Column("number_raw", sa.String(length=200), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("decision_date", sa.Date(), nullable=True),
        sa.Column("issuer", sa.Text(), nullable=True),
        sa.Column("attachments", sa.Integer(), nullable=False),
        *_tracking(),
        sa.PrimaryKeyConstraint("decision_id"),
    )
    op.create_table(
        "national_documents",
        sa.Column("decision_id", sa.String(length=20), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("file_id", sa.Text(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("annex_problem", sa.Text(), nullable=True),
        sa.Column("document_number", sa.String(length=100), nullable=True),
        sa.Column("number_matches_portal", sa.Boolean(), nullable=True),
        *_tracking(),
        sa.PrimaryKeyConstraint("decision_id", "code"),
    )


def downgrade() -> None:
    op.drop_table("national_documents")
    op.drop_table("national_decision_pages")
