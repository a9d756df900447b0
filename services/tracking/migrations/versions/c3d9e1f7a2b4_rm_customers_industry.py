"""rm_customers.industry: sales by industry (issue 16); filled from the customers' latest
stored event that names an industry

Revision ID: c3d9e1f7a2b4
Revises: f1a2b3c4d5e9
Create Date: 2026-11-30 19:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'c3d9e1f7a2b4'
down_revision = 'f1a2b3c4d5e9'
branch_labels = None
depends_on = None


BACKFILL = (
    "UPDATE rm_customers c SET industry = NULLIF(left(btrim(latest.data->>'industry'), 100), '') "
    "FROM (SELECT DISTINCT ON (aggregate_id) aggregate_id, data FROM events "
    "      WHERE starts_with(event_type, 'customer.customer.') AND jsonb_exists(data, 'industry') "
    "      ORDER BY aggregate_id, aggregate_seq DESC, seq DESC) latest "
    "WHERE latest.aggregate_id = c.customer_id")


def upgrade() -> None:
    op.add_column('rm_customers', sa.Column('industry', sa.String(length=100), nullable=True))
    op.execute(BACKFILL)


def downgrade() -> None:
    op.drop_column('rm_customers', 'industry')
