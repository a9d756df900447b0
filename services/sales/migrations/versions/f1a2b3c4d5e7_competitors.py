"""competitors: the copy of the customer service's competitors; opportunities name competitor_ids and lost_to_competitor_id (issue 16)

Revision ID: f1a2b3c4d5e7
Revises: f50fe8bcd461
Create Date: 2026-11-30 16:00:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision = 'f1a2b3c4d5e7'
down_revision = 'f50fe8bcd461'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'competitors',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.add_column('opportunities', sa.Column('competitor_ids', postgresql.JSONB(astext_type=sa.Text()),
                                             server_default=sa.text("'[]'::jsonb"), nullable=False))
    op.add_column('opportunities', sa.Column('lost_to_competitor_id', sa.String(length=36), nullable=True))


def downgrade() -> None:
    op.drop_column('opportunities', 'lost_to_competitor_id')
    op.drop_column('opportunities', 'competitor_ids')
    op.drop_table('competitors')
