"""purchase inquiries (询价单): lines, the suppliers asked, their offers; the chosen offer
becomes a purchase order (issue 16)

Revision ID: d2f4a6c8e0b1
Revises: b8e4c2d6f1a9
Create Date: 2026-11-30 19:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'd2f4a6c8e0b1'
down_revision = 'b8e4c2d6f1a9'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'purchase_inquiries',
        sa.Column('id', sa.String(length=36), nullable=False),
        sa.Column('warehouse_id', sa.String(length=36), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=True),
        sa.Column('reply_by', sa.Date(), nullable=True),
        sa.Column('purchase_order_id', sa.String(length=36), nullable=True),
        sa.Column('ordered_supplier_id', sa.String(length=36), nullable=True),
        sa.Column('actor_id', sa.String(length=36), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id']),
        sa.ForeignKeyConstraint(['purchase_order_id'], ['purchase_orders.id']),
        sa.ForeignKeyConstraint(['ordered_supplier_id'], ['suppliers.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_purchase_inquiries_created', 'purchase_inquiries',
                    [sa.literal_column('created_at DESC'), sa.literal_column('id DESC')], unique=False)
    op.create_table(
        'purchase_inquiry_lines',
        sa.Column('inquiry_id', sa.String(length=36), nullable=False),
        sa.Column('product_id', sa.String(length=36), nullable=False),
        sa.Column('quantity', sa.Integer(), nullable=False),
        sa.CheckConstraint('quantity > 0', name='ck_purchase_inquiry_lines_quantity'),
        sa.ForeignKeyConstraint(['inquiry_id'], ['purchase_inquiries.id']),
        sa.ForeignKeyConstraint(['product_id'], ['products.id']),
        sa.PrimaryKeyConstraint('inquiry_id', 'product_id'),
    )
    op.create_table(
        'purchase_inquiry_suppliers',
        sa.Column('inquiry_id', sa.String(length=36), nullable=False),
        sa.Column('supplier_id', sa.String(length=36), nullable=False),
        sa.Column('replied_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reply_note', sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(['inquiry_id'], ['purchase_inquiries.id']),
        sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id']),
        sa.PrimaryKeyConstraint('inquiry_id', 'supplier_id'),
    )
    op.create_index('ix_purchase_inquiry_suppliers_supplier', 'purchase_inquiry_suppliers', ['supplier_id'],
                    unique=False)
    op.create_table(
        'purchase_inquiry_offers',
        sa.Column('inquiry_id', sa.String(length=36), nullable=False),
        sa.Column('supplier_id', sa.String(length=36), nullable=False),
        sa.Column('product_id', sa.String(length=36), nullable=False),
        sa.Column('unit_price', sa.Numeric(14, 2), nullable=False),
        sa.Column('lead_days', sa.Integer(), nullable=True),
        sa.CheckConstraint('unit_price >= 0', name='ck_purchase_inquiry_offers_price'),
        sa.CheckConstraint('lead_days IS NULL OR lead_days >= 0', name='ck_purchase_inquiry_offers_lead'),
        sa.ForeignKeyConstraint(['inquiry_id'], ['purchase_inquiries.id']),
        sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id']),
        sa.ForeignKeyConstraint(['product_id'], ['products.id']),
        sa.PrimaryKeyConstraint('inquiry_id', 'supplier_id', 'product_id'),
    )


def downgrade() -> None:
    op.drop_table('purchase_inquiry_offers')
    op.drop_index('ix_purchase_inquiry_suppliers_supplier', table_name='purchase_inquiry_suppliers')
    op.drop_table('purchase_inquiry_suppliers')
    op.drop_table('purchase_inquiry_lines')
    op.drop_index('ix_purchase_inquiries_created', table_name='purchase_inquiries')
    op.drop_table('purchase_inquiries')
