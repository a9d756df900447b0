"""orders.created_by: who wrote the order (four eyes on approval)

Revision ID: a7c3e1f05b21
Revises: 5e9a4893ef1b
Create Date: 2026-11-24 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'a7c3e1f05b21'
down_revision = '5e9a4893ef1b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('orders', sa.Column('created_by', sa.String(length=36), nullable=True))
    # existing orders: the actor of their sales.order.created event, while the outbox still
    # holds it (older orders keep NULL; the approval rule then counts the owner as creator)
    op.execute(
        "UPDATE orders o SET created_by = left(ob.payload->>'actor_id', 36) FROM outbox ob "
        "WHERE ob.routing_key = 'sales.order.created.v1' AND ob.payload->>'aggregate_id' = o.id "
        "AND o.created_by IS NULL AND ob.payload->>'actor_id' IS NOT NULL"
    )


def downgrade() -> None:
    op.drop_column('orders', 'created_by')
