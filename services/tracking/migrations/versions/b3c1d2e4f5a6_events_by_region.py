"""events by region: head office filters the timeline and audit by region (issue 18)

Revision ID: b3c1d2e4f5a6
Revises: 72ebe32c9624
Create Date: 2026-11-30 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'b3c1d2e4f5a6'
down_revision = '72ebe32c9624'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_events_region_time', 'events',
                    ['region', sa.text('occurred_at DESC'), sa.text('seq DESC')], unique=False)


def downgrade() -> None:
    op.drop_index('ix_events_region_time', table_name='events')
