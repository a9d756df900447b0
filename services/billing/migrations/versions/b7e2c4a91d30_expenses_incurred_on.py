"""expenses.incurred_on: the day an expense was incurred, checked against the validity
period for claims (报销有效期, BILLING_EXPENSE_VALIDITY_DAYS); existing claims take the day
they were submitted (issue 16)

Revision ID: b7e2c4a91d30
Revises: e71485d80dd6
Create Date: 2026-11-30 18:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'b7e2c4a91d30'
down_revision = 'e71485d80dd6'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('expenses', sa.Column('incurred_on', sa.Date(), server_default=sa.text('CURRENT_DATE'),
                                        nullable=False))
    op.execute("UPDATE expenses SET incurred_on = (created_at AT TIME ZONE 'UTC')::date")


def downgrade() -> None:
    op.drop_column('expenses', 'incurred_on')
