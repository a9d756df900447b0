"""merges: merge_moves, the rows a merge of duplicate customers moved (shared.merges)

Revision ID: e1f2a3b4c5d7
Revises: c1a5e0f20a02
Create Date: 2026-11-30 15:10:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql  # noqa: F401


revision = 'e1f2a3b4c5d7'
down_revision = 'c1a5e0f20a02'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'merge_moves',
        sa.Column('merge_id', sa.String(length=36), nullable=False),
        sa.Column('table_name', sa.String(length=60), nullable=False),
        sa.Column('row_id', sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint('merge_id', 'table_name', 'row_id'),
    )


def downgrade() -> None:

    op.drop_table('merge_moves')
