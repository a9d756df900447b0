"""quotes: terms, and the approval of a quote discounted past the threshold (issue 16)

Revision ID: b5d7f9a1c3e2
Revises: a4c6e8f0b2d1
Create Date: 2026-11-30 19:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'b5d7f9a1c3e2'
down_revision = 'a4c6e8f0b2d1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('quotes', sa.Column('terms', sa.Text(), nullable=True))
    op.add_column('quotes', sa.Column('needs_approval', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('quotes', sa.Column('approval_status', sa.String(length=12), nullable=True))
    op.add_column('quotes', sa.Column('approval_note', sa.Text(), nullable=True))
    op.add_column('quotes', sa.Column('approval_comment', sa.Text(), nullable=True))
    op.add_column('quotes', sa.Column('approval_by', sa.String(length=36), nullable=True))
    op.add_column('quotes', sa.Column('approval_at', sa.DateTime(timezone=True), nullable=True))
    op.create_index('ix_quotes_approval_pending', 'quotes', ['approval_status'], unique=False,
                    postgresql_where=sa.text("approval_status = 'pending'"))


def downgrade() -> None:
    op.drop_index('ix_quotes_approval_pending', table_name='quotes')
    for column in ('approval_at', 'approval_by', 'approval_comment', 'approval_note', 'approval_status',
                   'needs_approval', 'terms'):
        op.drop_column('quotes', column)
