"""orders: fees, delivery dates (order and line), edited_by (issue 16)

Revision ID: d6e8f0a2b4c7
Revises: b4c5d6e7f8a9
Create Date: 2026-11-30 19:20:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB


revision = 'd6e8f0a2b4c7'
down_revision = 'b4c5d6e7f8a9'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('orders', sa.Column('fees', JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")))
    op.add_column('orders', sa.Column('delivery_date', sa.Date, nullable=True))
    op.add_column('orders', sa.Column('edited_by', sa.String(length=36), nullable=True))
    op.add_column('order_lines', sa.Column('delivery_date', sa.Date, nullable=True))


def downgrade() -> None:
    op.drop_column('order_lines', 'delivery_date')
    op.drop_column('orders', 'edited_by')
    op.drop_column('orders', 'delivery_date')
    op.drop_column('orders', 'fees')
