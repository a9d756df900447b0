"""Covering indexes for the reports over a million customers (issue 14): the scope joins
(a team's customers by owner, a customer's owner and region by id) and the period scans
(customers by creation and loss, orders by date and by owner and date) read the index only,
not a heap row per customer; invoices and payments per customer likewise.

Revision ID: f9a6b7c8d0e1
Revises: e7f4a5b6c8d9
Create Date: 2026-11-30 12:50:00
"""
from alembic import op


revision = 'f9a6b7c8d0e1'
down_revision = 'e7f4a5b6c8d9'
branch_labels = None
depends_on = None

# (name, table, columns, included columns, unique, where)
INDEXES = (
    ("ix_rm_customers_owner_cover", "rm_customers", ["owner_id"], ["customer_id", "region"], False, None),
    ("ix_rm_customers_id_cover", "rm_customers", ["customer_id"], ["owner_id", "region"], True, None),
    ("ix_rm_customers_created_cover", "rm_customers", ["created_at"], ["owner_id", "region", "status"], False, None),
    ("ix_rm_customers_lost_cover", "rm_customers", ["lost_at"], ["owner_id", "region"], False, "status = 'lost'"),
    ("ix_rm_orders_created_cover", "rm_orders", ["created_at"],
     ["status", "owner_id", "customer_id", "region", "net", "gross"], False, None),
    ("ix_rm_orders_owner_created_cover", "rm_orders", ["owner_id", "created_at"],
     ["status", "customer_id", "region", "net", "gross"], False, None),
    ("ix_rm_invoices_customer_cover", "rm_invoices", ["customer_id"], ["amount", "issued_at", "status", "invoice_id"],
     False, None),
    ("ix_rm_payments_customer_cover", "rm_payments", ["customer_id"], ["amount_cny"], False, None),
)


def upgrade() -> None:
    for name, table, columns, include, unique, where in INDEXES:
        op.create_index(name, table, columns, unique=unique, postgresql_include=include,
                        postgresql_where=where)


def downgrade() -> None:
    for name, table, *_rest in INDEXES:
        op.drop_index(name, table_name=table)
