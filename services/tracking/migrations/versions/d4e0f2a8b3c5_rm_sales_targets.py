"""rm_sales_targets: the reps' targets per month (sales.target.*) for the attainment report
(issue 16)

Revision ID: d4e0f2a8b3c5
Revises: c3d9e1f7a2b4
Create Date: 2026-11-30 18:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'd4e0f2a8b3c5'
down_revision = 'c3d9e1f7a2b4'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'rm_sales_targets',
        sa.Column('owner_id', sa.String(length=36), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('amount', sa.Numeric(18, 2), nullable=True),
        sa.Column('last_seq', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('owner_id', 'month'),
    )


def downgrade() -> None:
    op.drop_table('rm_sales_targets')
