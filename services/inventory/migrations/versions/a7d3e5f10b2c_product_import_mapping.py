"""product imports: mode, match key, updated count and the file's header (for the error file)

Revision ID: a7d3e5f10b2c
Revises: e1f2a3b4c5da
Create Date: 2026-11-30 16:55:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = 'a7d3e5f10b2c'
down_revision = 'e1f2a3b4c5da'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('product_imports', sa.Column('mode', sa.String(length=20), server_default='create', nullable=False))
    op.add_column('product_imports', sa.Column('match_on', sa.String(length=20), server_default='sku', nullable=False))
    op.add_column('product_imports', sa.Column('updated', sa.Integer(), server_default='0', nullable=False))
    op.add_column('product_imports', sa.Column('header', postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.add_column('product_imports', sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('product_imports', 'finished_at')
    op.drop_column('product_imports', 'header')
    op.drop_column('product_imports', 'updated')
    op.drop_column('product_imports', 'match_on')
    op.drop_column('product_imports', 'mode')
