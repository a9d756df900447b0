"""merges: merge_moves, the rows a merge of duplicate customers moved (shared.merges); customer_merges and customers.merged_into (the tombstone's survivor)

Revision ID: e1f2a3b4c5d6
Revises: c1a5e0f20a01
Create Date: 2026-11-30 15:10:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql  # noqa: F401


revision = 'e1f2a3b4c5d6'
down_revision = 'c1a5e0f20a01'
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
    op.add_column('customers', sa.Column('merged_into', sa.String(length=36), nullable=True))
    op.create_table(
        'customer_merges',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('survivor_id', sa.String(length=36), nullable=False),
        sa.Column('duplicate_id', sa.String(length=36), nullable=False),
        sa.Column('fields', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('survivor_before', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('survivor_after', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('added_shares', postgresql.ARRAY(sa.String(length=36)), nullable=False),
        sa.Column('moved', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column('merged_by', sa.String(length=36), nullable=True),
        sa.Column('merged_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.Column('undone_by', sa.String(length=36), nullable=True),
        sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_customer_merges_survivor', 'customer_merges', ['survivor_id', sa.text('merged_at DESC')])
    op.create_index('ix_customer_merges_duplicate', 'customer_merges', ['duplicate_id', sa.text('merged_at DESC')])

def downgrade() -> None:
    op.drop_index('ix_customer_merges_duplicate', table_name='customer_merges')
    op.drop_index('ix_customer_merges_survivor', table_name='customer_merges')
    op.drop_table('customer_merges')
    op.drop_column('customers', 'merged_into')
    op.drop_table('merge_moves')
