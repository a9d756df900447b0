"""rm_orders.region: head office's reports by region (issue 18)

Revision ID: c5d2e3f4a6b7
Revises: b3c1d2e4f5a6
Create Date: 2026-11-30 09:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'c5d2e3f4a6b7'
down_revision = 'b3c1d2e4f5a6'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('rm_orders', sa.Column('region', sa.String(length=40), nullable=True))
    # orders applied before this revision: the region of the event that last set them
    op.execute("UPDATE rm_orders o SET region = e.region FROM (SELECT DISTINCT ON (aggregate_id) aggregate_id, region "
               "FROM events WHERE event_type LIKE 'sales.order.%' ORDER BY aggregate_id, aggregate_seq DESC) e "
               "WHERE e.aggregate_id = o.order_id")
    op.create_index('ix_rm_orders_region_created', 'rm_orders', ['region', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_rm_orders_region_created', table_name='rm_orders')
    op.drop_column('rm_orders', 'region')
