"""competitor losses: rm_competitors and rm_opportunities.lost_to_competitor_id (issue 16)

Revision ID: f1a2b3c4d5e9
Revises: e1f2a3b4c5d9
Create Date: 2026-11-30 16:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'f1a2b3c4d5e9'
down_revision = 'e1f2a3b4c5d9'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'rm_competitors',
        sa.Column('competitor_id', sa.String(length=36), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('competitor_id'),
    )
    op.add_column('rm_opportunities', sa.Column('lost_to_competitor_id', sa.String(length=36), nullable=True))


def downgrade() -> None:
    op.drop_column('rm_opportunities', 'lost_to_competitor_id')
    op.drop_table('rm_competitors')
