"""service orders and repairs: their spare part lines, the product and stock copies

Revision ID: 088f6ca691aa
Revises: c3a9d1e07f42
Create Date: 2026-11-30 11:28:55.458611
"""
from alembic import op
import sqlalchemy as sa


revision = '088f6ca691aa'
down_revision = 'c3a9d1e07f42'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute('CREATE SEQUENCE service_order_number_seq')
    op.create_table('products',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('sku', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('stock_levels',
    sa.Column('product_id', sa.String(length=36), nullable=False),
    sa.Column('warehouse_id', sa.String(length=36), nullable=False),
    sa.Column('available', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('product_id', 'warehouse_id')
    )
    op.create_table('service_orders',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('customer_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('assignee_id', sa.String(length=36), nullable=False),
    sa.Column('complaint_id', sa.String(length=36), nullable=True),
    sa.Column('product_id', sa.String(length=36), nullable=True),
    sa.Column('serial_no', sa.String(length=100), nullable=True),
    sa.Column('priority', sa.String(length=20), server_default='normal', nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=20), server_default='open', nullable=False),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('time_spent_minutes', sa.Integer(), server_default='0', nullable=False),
    sa.Column('rating', sa.SmallInteger(), nullable=True),
    sa.Column('feedback_comment', sa.Text(), nullable=True),
    sa.Column('feedback_by', sa.String(length=36), nullable=True),
    sa.Column('feedback_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('overdue_notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('rating IS NULL OR rating BETWEEN 1 AND 5', name='ck_service_orders_rating'),
    sa.CheckConstraint('time_spent_minutes >= 0', name='ck_service_orders_time'),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('number')
    )
    op.create_index('ix_service_orders_assignee_due', 'service_orders', ['assignee_id', 'due_at'], unique=False)
    op.create_index('ix_service_orders_complaint', 'service_orders', ['complaint_id'], unique=False)
    op.create_index('ix_service_orders_created', 'service_orders', [sa.literal_column('created_at DESC'), sa.literal_column('id DESC')], unique=False)
    op.create_index('ix_service_orders_customer_created', 'service_orders', ['customer_id', sa.literal_column('created_at DESC'), sa.literal_column('id DESC')], unique=False)
    op.create_index('ix_service_orders_overdue', 'service_orders', ['due_at'], unique=False, postgresql_where=sa.text("overdue_notified_at IS NULL AND status IN ('open', 'in_progress', 'waiting_parts') AND due_at IS NOT NULL"))
    op.create_table('service_order_parts',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('service_order_id', sa.String(length=36), nullable=False),
    sa.Column('product_id', sa.String(length=36), nullable=False),
    sa.Column('warehouse_id', sa.String(length=36), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), server_default='pending', nullable=False),
    sa.Column('available', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=True),
    sa.Column('created_by', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('quantity > 0', name='ck_service_order_parts_quantity'),
    sa.ForeignKeyConstraint(['service_order_id'], ['service_orders.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_service_order_parts_order', 'service_order_parts', ['service_order_id', 'created_at'], unique=False)
    op.create_index('ix_service_order_parts_pending', 'service_order_parts', ['warehouse_id', 'product_id'], unique=False, postgresql_where=sa.text("status = 'pending'"))


def downgrade() -> None:
    op.drop_index('ix_service_order_parts_pending', table_name='service_order_parts', postgresql_where=sa.text("status = 'pending'"))
    op.drop_index('ix_service_order_parts_order', table_name='service_order_parts')
    op.drop_table('service_order_parts')
    op.drop_index('ix_service_orders_overdue', table_name='service_orders', postgresql_where=sa.text("overdue_notified_at IS NULL AND status IN ('open', 'in_progress', 'waiting_parts') AND due_at IS NOT NULL"))
    op.drop_index('ix_service_orders_customer_created', table_name='service_orders')
    op.drop_index('ix_service_orders_created', table_name='service_orders')
    op.drop_index('ix_service_orders_complaint', table_name='service_orders')
    op.drop_index('ix_service_orders_assignee_due', table_name='service_orders')
    op.drop_table('service_orders')
    op.drop_table('stock_levels')
    op.drop_table('products')
    op.execute('DROP SEQUENCE service_order_number_seq')
