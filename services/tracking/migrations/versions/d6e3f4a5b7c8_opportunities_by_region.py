"""rm_opportunities.region: head office compares the regions' pipelines (issue 18)

Revision ID: d6e3f4a5b7c8
Revises: c5d2e3f4a6b7
Create Date: 2026-11-30 09:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'd6e3f4a5b7c8'
down_revision = 'c5d2e3f4a6b7'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('rm_opportunities', sa.Column('region', sa.String(length=40), nullable=True))
    # opportunities applied before this revision: the region of the event that last set them
    op.execute("UPDATE rm_opportunities o SET region = e.region FROM (SELECT DISTINCT ON (aggregate_id) aggregate_id, "
               "region FROM events WHERE event_type LIKE 'sales.opportunity.%' ORDER BY aggregate_id, aggregate_seq DESC) e "
               "WHERE e.aggregate_id = o.opportunity_id")


def downgrade() -> None:
    op.drop_column('rm_opportunities', 'region')
