"""rm_customers, rm_leads, rm_expenses: region, so every report takes a region filter and
names each row's region (issue 18)

Revision ID: e7f4a5b6c8d9
Revises: d6e3f4a5b7c8
Create Date: 2026-11-30 11:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'e7f4a5b6c8d9'
down_revision = 'd6e3f4a5b7c8'
branch_labels = None
depends_on = None

_TABLES = (("rm_customers", "customer_id", "customer.customer.%"),
           ("rm_leads", "lead_id", "customer.lead.%"),
           ("rm_expenses", "expense_id", "billing.expense.%"))


def upgrade() -> None:
    for table, key, events in _TABLES:
        op.add_column(table, sa.Column('region', sa.String(length=40), nullable=True))
        # rows applied before this revision: the region of the event that last set them
        op.execute(f"UPDATE {table} t SET region = e.region FROM (SELECT DISTINCT ON (aggregate_id) aggregate_id, "
                   f"region FROM events WHERE event_type LIKE '{events}' ORDER BY aggregate_id, aggregate_seq DESC) e "
                   f"WHERE e.aggregate_id = t.{key}")
    op.create_index('ix_rm_customers_region_created', 'rm_customers', ['region', 'created_at'])


def downgrade() -> None:
    op.drop_index('ix_rm_customers_region_created', table_name='rm_customers')
    for table, _key, _events in _TABLES:
        op.drop_column(table, 'region')
