"""campaigns: the copy of the customer service's marketing campaigns; opportunities.campaign_id (issue 16)

Revision ID: d8e3f1a6b2c9
Revises: d6e8f0a2b4c7
Create Date: 2026-11-30 18:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'd8e3f1a6b2c9'
down_revision = 'd6e8f0a2b4c7'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'campaigns',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.add_column('opportunities', sa.Column('campaign_id', sa.String(length=36), nullable=True))


def downgrade() -> None:
    op.drop_column('opportunities', 'campaign_id')
    op.drop_table('campaigns')
