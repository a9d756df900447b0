"""lead activities (issue 16): activities.lead_id, customer_id optional until the lead is converted

Revision ID: a1d2e3f4a5b6
Revises: c8e2a4f6b1d3
Create Date: 2026-11-30 18:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'a1d2e3f4a5b6'
down_revision = 'c8e2a4f6b1d3'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('activities', sa.Column('lead_id', sa.String(length=36), nullable=True))
    op.alter_column('activities', 'customer_id', existing_type=sa.String(length=36), nullable=True)
    op.create_index('ix_activities_lead_time', 'activities',
                    ['lead_id', sa.literal_column('occurred_at DESC'), sa.literal_column('id DESC')],
                    unique=False, postgresql_where=sa.text('lead_id IS NOT NULL'))
    # an activity belongs to a customer, a lead, or both (a lead's, carried over at conversion)
    op.create_check_constraint('ck_activities_customer_or_lead', 'activities',
                               'customer_id IS NOT NULL OR lead_id IS NOT NULL')


def downgrade() -> None:
    op.execute("DELETE FROM activity_comments WHERE activity_id IN (SELECT id FROM activities WHERE customer_id IS NULL)")
    op.execute("DELETE FROM activities WHERE customer_id IS NULL")
    op.drop_constraint('ck_activities_customer_or_lead', 'activities', type_='check')
    op.drop_index('ix_activities_lead_time', table_name='activities')
    op.alter_column('activities', 'customer_id', existing_type=sa.String(length=36), nullable=False)
    op.drop_column('activities', 'lead_id')
