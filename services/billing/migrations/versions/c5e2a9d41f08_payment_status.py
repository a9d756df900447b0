"""payments.status (confirmed / unconfirmed / rejected) and who decided

Revision ID: c5e2a9d41f08
Revises: d37bc7f37dd6
Create Date: 2026-11-24 09:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'c5e2a9d41f08'
down_revision = 'd37bc7f37dd6'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # every payment recorded so far counted at once: confirmed
    op.add_column('payments', sa.Column('status', sa.String(length=12), server_default='confirmed', nullable=False))
    op.add_column('payments', sa.Column('decided_by', sa.String(length=36), nullable=True))
    op.add_column('payments', sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('payments', sa.Column('decision_note', sa.Text(), nullable=True))
    op.create_index('ix_payments_unconfirmed', 'payments',
                    [sa.literal_column('received_at DESC'), sa.literal_column('id DESC')], unique=False,
                    postgresql_where=sa.text("status = 'unconfirmed'"))


def downgrade() -> None:
    op.drop_index('ix_payments_unconfirmed', table_name='payments', postgresql_where=sa.text("status = 'unconfirmed'"))
    op.drop_column('payments', 'decision_note')
    op.drop_column('payments', 'decided_at')
    op.drop_column('payments', 'decided_by')
    op.drop_column('payments', 'status')
