"""acl_grants: assignment grants (a record assigned to a user gives read access to its customer)

Revision ID: 58139c570481
Revises: b8ca1e4d95fb
Create Date: 2026-11-25 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '58139c570481'
down_revision = 'b8ca1e4d95fb'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('acl_grants',
    sa.Column('record_type', sa.String(length=40), nullable=False),
    sa.Column('record_id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('record_type', 'record_id', 'user_id')
    )
    op.create_index('ix_acl_grants_user_customer', 'acl_grants', ['user_id', 'customer_id'], unique=False)
    op.create_index('ix_acl_grants_customer', 'acl_grants', ['customer_id'], unique=False)
    # complaints assigned before grants existed: their assignees hold the grant
    op.execute(
        "INSERT INTO acl_grants (record_type, record_id, user_id, customer_id) "
        "SELECT 'complaint', id, assignee_id, customer_id FROM complaints ON CONFLICT DO NOTHING"
    )


def downgrade() -> None:
    op.drop_index('ix_acl_grants_customer', table_name='acl_grants')
    op.drop_index('ix_acl_grants_user_customer', table_name='acl_grants')
    op.drop_table('acl_grants')
