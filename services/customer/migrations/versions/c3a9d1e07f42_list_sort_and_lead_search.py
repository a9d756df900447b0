"""customers sorted by name (GET /customers?sort=name), leads searched by q

Revision ID: c3a9d1e07f42
Revises: 58139c570481
Create Date: 2026-11-30 08:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'c3a9d1e07f42'
down_revision = '58139c570481'
branch_labels = None
depends_on = None

LEAD_SEARCH = ("lower(name || ' ' || coalesce(company, '') || ' ' || coalesce(phone, '') "
               "|| ' ' || coalesce(email, ''))")


def upgrade() -> None:
    op.create_index('ix_customers_live_name', 'customers', ['name', 'id'], unique=False,
                    postgresql_where=sa.text('deleted_at IS NULL'))
    op.execute(f"CREATE INDEX ix_leads_search_trgm ON leads USING gin (({LEAD_SEARCH}) gin_trgm_ops)")


def downgrade() -> None:
    op.drop_index('ix_leads_search_trgm', table_name='leads')
    op.drop_index('ix_customers_live_name', table_name='customers')
