"""sales_targets: an amount per rep and month, set by the rep's managers or an admin (issue 16)

Revision ID: a4c6e8f0b2d1
Revises: f1a2b3c4d5e7
Create Date: 2026-11-30 18:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'a4c6e8f0b2d1'
down_revision = 'f1a2b3c4d5e7'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sales_targets',
        sa.Column('owner_id', sa.String(length=36), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('amount', sa.Numeric(16, 2), nullable=False),
        sa.Column('set_by', sa.String(length=36), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.PrimaryKeyConstraint('owner_id', 'month'),
    )
    op.create_index('ix_sales_targets_month', 'sales_targets', ['month'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_sales_targets_month', table_name='sales_targets')
    op.drop_table('sales_targets')
