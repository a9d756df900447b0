"""free invoice numbers (issue 16): the real fapiao number beside the automatic sequence

Revision ID: f3b4c5d6e7a8
Revises: b7e2c4a91d30
Create Date: 2026-11-30 18:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'f3b4c5d6e7a8'
down_revision = 'b7e2c4a91d30'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # a manually numbered invoice takes no place in the year's sequence (seq null; (year, seq)
    # stays unique for the sequence, number stays unique for all)
    op.alter_column('invoices', 'seq', existing_type=sa.Integer(), nullable=True)
    op.add_column('invoices', sa.Column('number_source', sa.String(length=10), server_default='sequence',
                                        nullable=False))


def downgrade() -> None:
    op.execute("DELETE FROM invoices WHERE seq IS NULL")
    op.drop_column('invoices', 'number_source')
    op.alter_column('invoices', 'seq', existing_type=sa.Integer(), nullable=False)
