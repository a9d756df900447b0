"""Inventory's own tables (SQLAlchemy Core).

Stock levels live in `stock` (one row per product and warehouse); every change to a level
is also a row in `stock_ledger`, so a level is always the sum of its ledger rows and can be
explained and rebuilt. CHECK constraints keep on_hand >= reserved >= 0 (available never
negative) whatever the interleaving of writers.
"""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from shared.merges import add_merge_table
from shared.tables import add_messaging_tables
from shared.visibility import add_visibility_tables

metadata = sa.MetaData()
add_messaging_tables(metadata)
add_visibility_tables(metadata)
merge_moves = add_merge_table(metadata)  # shared.merges

ID = sa.String(36)
MONEY = sa.Numeric(14, 2)


def _created() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


products = sa.Table(
    "products", metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("sku", sa.String(80), nullable=False),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("spec", sa.String(300), nullable=True),
    sa.Column("unit", sa.String(40), nullable=False),
    sa.Column("list_price", MONEY, nullable=False),
    sa.Column("cost_price", MONEY, nullable=True),
    sa.Column("safety_stock", sa.Integer, nullable=False, server_default="0"),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    # the product's picture in the document store (a resized JPEG), when there is one
    sa.Column("picture_key", sa.String(200), nullable=True),
    sa.Column("picture_updated_at", sa.DateTime(timezone=True), nullable=True),
    _created(),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.CheckConstraint("safety_stock >= 0", name="ck_products_safety_stock"),
    sa.CheckConstraint("list_price >= 0", name="ck_products_list_price"),
    sa.Index("uq_products_sku", sa.text("lower(sku)"), unique=True),
    sa.Index("uq_products_name_spec", sa.text("lower(name)"), sa.text("lower(coalesce(spec, ''))"), unique=True),
    sa.Index("ix_products_sku_order", "sku", "id"),
    sa.Index("ix_products_name_trgm", "name", postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"}),
    sa.Index("ix_products_sku_trgm", "sku", postgresql_using="gin", postgresql_ops={"sku": "gin_trgm_ops"}),
)

warehouses = sa.Table(
    "warehouses", metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("code", sa.String(40), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("region", sa.String(40), nullable=True),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    _created(),
    sa.Index("uq_warehouses_code", sa.text("lower(code)"), unique=True),
    sa.Index("ix_warehouses_code_order", "code", "id"),
)

stock = sa.Table(
    "stock", metadata,
    sa.Column("product_id", ID, sa.ForeignKey("products.id"), primary_key=True),
    sa.Column("warehouse_id", ID, sa.ForeignKey("warehouses.id"), primary_key=True),
    sa.Column("on_hand", sa.Integer, nullable=False, server_default="0"),
    sa.Column("reserved", sa.Integer, nullable=False, server_default="0"),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.CheckConstraint("on_hand >= 0", name="ck_stock_on_hand"),
    sa.CheckConstraint("reserved >= 0", name="ck_stock_reserved"),
    sa.CheckConstraint("reserved <= on_hand", name="ck_stock_available"),
    sa.Index("ix_stock_warehouse_product", "warehouse_id", "product_id"),
)

# Availability of each product across all warehouses (sum of stock.on_hand - reserved),
# kept in the same statement as every level change: it gives the stock.changed events their
# total_available without an aggregate query, and backs the low-stock alerts.
product_stock = sa.Table(
    "product_stock", metadata,
    sa.Column("product_id", ID, sa.ForeignKey("products.id"), primary_key=True),
    # no CHECK here: an upsert's proposed row carries the (maybe negative) delta; the stock
    # rows' CHECKs keep every level, and so their sum, at or above zero
    sa.Column("available", sa.Integer, nullable=False, server_default="0"),
)

stock_ledger = sa.Table(
    "stock_ledger", metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("product_id", ID, nullable=False),
    sa.Column("warehouse_id", ID, nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("on_hand_delta", sa.Integer, nullable=False),
    sa.Column("reserved_delta", sa.Integer, nullable=False),
    sa.Column("ref_type", sa.String(30), nullable=True),
    sa.Column("ref_id", sa.String(36), nullable=True),
    sa.Column("actor_id", sa.String(36), nullable=True),
    sa.Column("note", sa.String(300), nullable=True),
    _created(),
    sa.Index("ix_stock_ledger_key", "product_id", "warehouse_id", "id"),
    sa.Index("ix_stock_ledger_ref", "ref_type", "ref_id"),
)

# One row per order the saga has seen: what is reserved, where, and how much has shipped.
reservations = sa.Table(
    "reservations", metadata,
    sa.Column("order_id", ID, primary_key=True),
    sa.Column("customer_id", ID, nullable=True),
    sa.Column("warehouse_id", ID, nullable=True),
    # reserving (claimed), reserved, failed, released, consumed, cancelled (cancel seen first)
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("reason", sa.String(300), nullable=True),
    _created(),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

reservation_lines = sa.Table(
    "reservation_lines", metadata,
    sa.Column("order_id", ID, sa.ForeignKey("reservations.order_id"), primary_key=True),
    sa.Column("product_id", ID, primary_key=True),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("shipped", sa.Integer, nullable=False, server_default="0"),
    sa.Column("released", sa.Integer, nullable=False, server_default="0"),
    sa.CheckConstraint("quantity > 0", name="ck_reservation_lines_quantity"),
    sa.CheckConstraint("shipped >= 0 AND released >= 0 AND shipped + released <= quantity",
                       name="ck_reservation_lines_progress"),
)


def _document(name: str, *columns: sa.Column, indexes: tuple = ()) -> sa.Table:
    """A stock document (receipt, transfer, adjustment, requisition, shipment, loan)."""
    return sa.Table(
        name, metadata,
        sa.Column("id", ID, primary_key=True),
        *columns,
        sa.Column("lines", JSONB, nullable=False),
        sa.Column("actor_id", ID, nullable=True),
        _created(),
        sa.Index(f"ix_{name}_created", sa.text("created_at DESC"), sa.text("id DESC")),
        *indexes,
    )


receipts = _document(
    "stock_receipts",
    sa.Column("warehouse_id", ID, nullable=False),
    sa.Column("purchase_order_id", ID, nullable=True),
    sa.Column("note", sa.String(300), nullable=True),
    indexes=(sa.Index("ix_stock_receipts_po", "purchase_order_id"),
             sa.Index("ix_stock_receipts_wh", "warehouse_id", sa.text("created_at DESC"))),
)
transfers = _document(
    "stock_transfers",
    sa.Column("from_warehouse_id", ID, nullable=False),
    sa.Column("to_warehouse_id", ID, nullable=False),
    sa.Column("note", sa.String(300), nullable=True),
)
adjustments = _document(
    "stock_adjustments",
    sa.Column("warehouse_id", ID, nullable=False),
    sa.Column("reason", sa.String(300), nullable=False),
)
requisitions = _document(
    "requisitions",
    sa.Column("warehouse_id", ID, nullable=False),
    sa.Column("department", sa.String(120), nullable=True),
    sa.Column("purpose", sa.String(300), nullable=False),
)
shipments = _document(
    "shipments",
    sa.Column("order_id", ID, nullable=False),
    sa.Column("customer_id", ID, nullable=True),
    sa.Column("warehouse_id", ID, nullable=False),
    sa.Column("carrier", sa.String(100), nullable=True),
    sa.Column("tracking_number", sa.String(100), nullable=True),
    sa.Column("fully_shipped", sa.Boolean, nullable=False),
    indexes=(sa.Index("ix_shipments_order", "order_id", sa.text("created_at DESC")),
             sa.Index("ix_shipments_customer", "customer_id", sa.text("created_at DESC"))),
)

# Samples and loans given to a customer; lines carry quantity and returned per product.
loans = _document(
    "loans",
    sa.Column("customer_id", ID, nullable=False),
    sa.Column("warehouse_id", ID, nullable=False),
    sa.Column("kind", sa.String(10), nullable=False),  # sample | loan
    sa.Column("status", sa.String(20), nullable=False),  # out | partially_returned | returned
    sa.Column("due_date", sa.Date, nullable=True),
    sa.Column("note", sa.String(300), nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    indexes=(sa.Index("ix_loans_customer", "customer_id", sa.text("created_at DESC")),),
)

# ---- purchasing ------------------------------------------------------------------

suppliers = sa.Table(
    "suppliers", metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("contact", sa.String(120), nullable=True),
    sa.Column("phone", sa.String(60), nullable=True),
    sa.Column("address", sa.String(300), nullable=True),
    _created(),
    sa.Index("uq_suppliers_name", sa.text("lower(name)"), unique=True),
    sa.Index("ix_suppliers_name_order", "name", "id"),
)

supplier_prices = sa.Table(
    "supplier_prices", metadata,
    sa.Column("supplier_id", ID, sa.ForeignKey("suppliers.id"), primary_key=True),
    sa.Column("product_id", ID, sa.ForeignKey("products.id"), primary_key=True),
    sa.Column("price", MONEY, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    sa.CheckConstraint("price >= 0", name="ck_supplier_prices_price"),
)

purchase_orders = sa.Table(
    "purchase_orders", metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("supplier_id", ID, sa.ForeignKey("suppliers.id"), nullable=False),
    sa.Column("warehouse_id", ID, sa.ForeignKey("warehouses.id"), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # open | partially_received | received
    sa.Column("total", MONEY, nullable=False),
    sa.Column("invoiced_amount", MONEY, nullable=False, server_default="0"),
    sa.Column("paid_amount", MONEY, nullable=False, server_default="0"),
    sa.Column("actor_id", ID, nullable=True),
    _created(),
    sa.CheckConstraint("invoiced_amount <= total", name="ck_po_invoiced"),
    sa.CheckConstraint("paid_amount <= total", name="ck_po_paid"),
    sa.Index("ix_purchase_orders_created", sa.text("created_at DESC"), sa.text("id DESC")),
    sa.Index("ix_purchase_orders_supplier", "supplier_id", sa.text("created_at DESC")),
)

purchase_order_lines = sa.Table(
    "purchase_order_lines", metadata,
    sa.Column("purchase_order_id", ID, sa.ForeignKey("purchase_orders.id"), primary_key=True),
    sa.Column("product_id", ID, sa.ForeignKey("products.id"), primary_key=True),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("received", sa.Integer, nullable=False, server_default="0"),
    sa.Column("unit_price", MONEY, nullable=False),
    sa.CheckConstraint("quantity > 0 AND received >= 0 AND received <= quantity", name="ck_po_lines_received"),
)

supplier_invoices = sa.Table(
    "supplier_invoices", metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("purchase_order_id", ID, sa.ForeignKey("purchase_orders.id"), nullable=False),
    sa.Column("number", sa.String(80), nullable=False),
    sa.Column("amount", MONEY, nullable=False),
    sa.Column("invoice_date", sa.Date, nullable=True),
    sa.Column("actor_id", ID, nullable=True),
    _created(),
    sa.UniqueConstraint("purchase_order_id", "number", name="uq_supplier_invoices_number"),
    sa.Index("ix_supplier_invoices_po", "purchase_order_id", sa.text("created_at DESC")),
)

supplier_payments = sa.Table(
    "supplier_payments", metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("purchase_order_id", ID, sa.ForeignKey("purchase_orders.id"), nullable=False),
    sa.Column("amount", MONEY, nullable=False),
    sa.Column("method", sa.String(40), nullable=False),
    sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("actor_id", ID, nullable=True),
    _created(),
    sa.Index("ix_supplier_payments_po", "purchase_order_id", sa.text("created_at DESC")),
)

product_imports = sa.Table(
    "product_imports", metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("filename", sa.String(300), nullable=True),
    sa.Column("total", sa.Integer, nullable=False),
    sa.Column("processed", sa.Integer, nullable=False),
    sa.Column("created", sa.Integer, nullable=False),
    sa.Column("duplicates", sa.Integer, nullable=False),
    sa.Column("errors", JSONB, nullable=False),  # [{row, message, cells}] (cells: the file's, for the error file)
    sa.Column("actor_id", ID, nullable=True),
    _created(),
    sa.Column("mode", sa.String(20), nullable=False, server_default="create"),  # create / upsert
    sa.Column("match_on", sa.String(20), nullable=False, server_default="sku"),  # upsert key: sku / name
    sa.Column("updated", sa.Integer, nullable=False, server_default="0"),
    sa.Column("header", JSONB, nullable=True),  # the file's header row
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    # a background job (services/inventory/import_worker.py): statuses queued, running, done,
    # failed, undo_queued, undoing, undone; the file is kept until the job ends
    sa.Column("content", sa.LargeBinary, nullable=True),
    sa.Column("mapping", JSONB, nullable=True),  # the caller's {column: field or null}, None: detected
    sa.Column("may_set_prices", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("message", sa.Text, nullable=True),
    sa.Column("correlation_id", sa.String(64), nullable=True),
    sa.Column("error_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("undone", sa.Integer, nullable=True),
    sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
    sa.Index("ix_product_imports_queue", "status", "created_at"),
    sa.Index("ix_product_imports_created", sa.text("created_at DESC"), sa.text("id DESC")),
)

# What each product import did, for its undo: a product it created, or one it changed with
# the values it had before (the first change wins when a file names a product twice).
product_import_changes = sa.Table(
    "product_import_changes", metadata,
    sa.Column("job_id", ID, sa.ForeignKey("product_imports.id"), primary_key=True),
    sa.Column("product_id", ID, primary_key=True),
    sa.Column("action", sa.String(10), nullable=False),  # created / updated
    sa.Column("prior", JSONB, nullable=True),  # updated: the changed fields' values before
)


# ---- purchase inquiries (询价单): products and quantities asked of several suppliers; each
# supplier's offer per product; the chosen offer becomes a purchase order -------------------
purchase_inquiries = sa.Table(
    "purchase_inquiries", metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("warehouse_id", ID, sa.ForeignKey("warehouses.id"), nullable=False),  # where the goods go
    sa.Column("status", sa.String(20), nullable=False),  # open | ordered | cancelled
    sa.Column("note", sa.String(500), nullable=True),
    sa.Column("reply_by", sa.Date, nullable=True),  # the date suppliers are asked to answer by
    sa.Column("purchase_order_id", ID, sa.ForeignKey("purchase_orders.id"), nullable=True),
    sa.Column("ordered_supplier_id", ID, sa.ForeignKey("suppliers.id"), nullable=True),
    sa.Column("actor_id", ID, nullable=True),
    _created(),
    sa.Index("ix_purchase_inquiries_created", sa.text("created_at DESC"), sa.text("id DESC")),
)

purchase_inquiry_lines = sa.Table(
    "purchase_inquiry_lines", metadata,
    sa.Column("inquiry_id", ID, sa.ForeignKey("purchase_inquiries.id"), primary_key=True),
    sa.Column("product_id", ID, sa.ForeignKey("products.id"), primary_key=True),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.CheckConstraint("quantity > 0", name="ck_purchase_inquiry_lines_quantity"),
)

purchase_inquiry_suppliers = sa.Table(
    "purchase_inquiry_suppliers", metadata,
    sa.Column("inquiry_id", ID, sa.ForeignKey("purchase_inquiries.id"), primary_key=True),
    sa.Column("supplier_id", ID, sa.ForeignKey("suppliers.id"), primary_key=True),
    sa.Column("replied_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("reply_note", sa.String(500), nullable=True),
    sa.Index("ix_purchase_inquiry_suppliers_supplier", "supplier_id"),
)

purchase_inquiry_offers = sa.Table(
    "purchase_inquiry_offers", metadata,
    sa.Column("inquiry_id", ID, sa.ForeignKey("purchase_inquiries.id"), primary_key=True),
    sa.Column("supplier_id", ID, sa.ForeignKey("suppliers.id"), primary_key=True),
    sa.Column("product_id", ID, sa.ForeignKey("products.id"), primary_key=True),
    sa.Column("unit_price", MONEY, nullable=False),
    sa.Column("lead_days", sa.Integer, nullable=True),  # days from order to delivery
    sa.CheckConstraint("unit_price >= 0", name="ck_purchase_inquiry_offers_price"),
    sa.CheckConstraint("lead_days IS NULL OR lead_days >= 0", name="ck_purchase_inquiry_offers_lead"),
)
