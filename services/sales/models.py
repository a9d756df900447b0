"""The sales service's tables (SQLAlchemy Core): its own records and the local copies
of products and stock availability that inventory's events feed."""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from shared.merges import add_merge_table
from shared.tables import add_messaging_tables
from shared.visibility import add_visibility_tables

metadata = sa.MetaData()
add_messaging_tables(metadata)
add_visibility_tables(metadata)
merge_moves = add_merge_table(metadata)  # shared.merges

MONEY = sa.Numeric(16, 2)
PCT = sa.Numeric(7, 4)


def _ts(name: str, **kw) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now(), **kw)


order_number_seq = sa.Sequence("order_number_seq", metadata=metadata)
quote_number_seq = sa.Sequence("quote_number_seq", metadata=metadata)
project_number_seq = sa.Sequence("project_number_seq", metadata=metadata)
contract_number_seq = sa.Sequence("contract_number_seq", metadata=metadata)

# ---- local copies (from inventory events) -------------------------------------------
products = sa.Table(
    "products", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("sku", sa.String(100), nullable=False),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("spec", sa.String(300), nullable=True),
    sa.Column("unit", sa.String(40), nullable=False),
    sa.Column("list_price", MONEY, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
)

stock_levels = sa.Table(
    "stock_levels", metadata,
    sa.Column("product_id", sa.String(36), primary_key=True),
    sa.Column("warehouse_id", sa.String(36), primary_key=True),
    sa.Column("available", sa.Integer, nullable=False),
)

# ---- opportunities ------------------------------------------------------------------
opportunities = sa.Table(
    "opportunities", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("customer_id", sa.String(36), nullable=False),
    sa.Column("owner_id", sa.String(36), nullable=False),
    sa.Column("lead_id", sa.String(36), nullable=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("amount", MONEY, nullable=False),
    sa.Column("stage", sa.String(20), nullable=False),
    sa.Column("probability", sa.Integer, nullable=False),
    sa.Column("expected_close_date", sa.Date, nullable=True),
    sa.Column("next_step", sa.String(500), nullable=True),
    sa.Column("lost_reason", sa.String(500), nullable=True),
    sa.Column("competitors", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
    sa.Column("project_id", sa.String(36), nullable=True),  # the customer project it belongs to
    # issue 16: the competitors (ids of the customer service's competitors) and who won a lost one
    sa.Column("competitor_ids", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
    sa.Column("lost_to_competitor_id", sa.String(36), nullable=True),
    sa.Column("campaign_id", sa.String(36), nullable=True),  # issue 16: the marketing campaign it came from
    # issue 16: where it came from (展会, 官网, 转介绍...) and the customer's budget for it
    sa.Column("source", sa.String(100), nullable=True),
    sa.Column("budget", MONEY, nullable=True),
    _ts("created_at"),
    _ts("updated_at"),
    sa.Index("ix_opportunities_project", "project_id"),
    sa.Index("ix_opportunities_created", sa.text("created_at DESC"), sa.text("id DESC")),
    sa.Index("ix_opportunities_customer", "customer_id", sa.text("created_at DESC")),
    sa.Index("ix_opportunities_owner", "owner_id", "stage"),
    sa.Index("ix_opportunities_stage", "stage", "expected_close_date"),
)

# issue 16: every stage change of an opportunity, with who and when (stage_history.py)
opportunity_stage_changes = sa.Table(
    "opportunity_stage_changes", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("opportunity_id", sa.String(36), nullable=False),
    sa.Column("from_stage", sa.String(20), nullable=True),  # null: created in to_stage
    sa.Column("to_stage", sa.String(20), nullable=False),
    sa.Column("changed_by", sa.String(36), nullable=True),  # null: from before the history
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_opportunity_stage_changes_opp", "opportunity_id", "changed_at"),
)

# ---- customer projects (立项) ---------------------------------------------------------
projects = sa.Table(
    "projects", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("number", sa.String(40), nullable=False, unique=True),
    sa.Column("customer_id", sa.String(36), nullable=False),
    sa.Column("owner_id", sa.String(36), nullable=False),
    sa.Column("created_by", sa.String(36), nullable=False),  # never its approver (four eyes)
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("estimated_amount", MONEY, nullable=True),
    sa.Column("budget", MONEY, nullable=True),
    # [{"competitor_id", "name", "offer", "notes"}]: who else bids, and with what
    sa.Column("competitors", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
    # [{"contact_id", "role"}]: the customer's people involved and their part in the decision
    sa.Column("contacts", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("submit_note", sa.String(1000), nullable=True),
    sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("decided_by", sa.String(36), nullable=True),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("decision_comment", sa.String(1000), nullable=True),
    _ts("created_at"),
    _ts("updated_at"),
    sa.Index("ix_projects_created", sa.text("created_at DESC"), sa.text("id DESC")),
    sa.Index("ix_projects_customer", "customer_id", sa.text("created_at DESC")),
    sa.Index("ix_projects_owner", "owner_id", sa.text("created_at DESC")),
    sa.Index("ix_projects_status", "status", sa.text("created_at DESC")),
)

# ---- quotes -------------------------------------------------------------------------
quotes = sa.Table(
    "quotes", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("number", sa.String(40), nullable=False, unique=True),
    sa.Column("customer_id", sa.String(36), nullable=False),
    sa.Column("owner_id", sa.String(36), nullable=False),
    sa.Column("opportunity_id", sa.String(36), nullable=True, index=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("valid_until", sa.Date, nullable=False),
    sa.Column("net", MONEY, nullable=False),
    sa.Column("tax", MONEY, nullable=False),
    sa.Column("gross", MONEY, nullable=False),
    sa.Column("order_id", sa.String(36), nullable=True),
    sa.Column("copied_from", sa.String(36), nullable=True),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
    # the quote's terms (付款方式、交货期、质保…), printed on the PDF
    sa.Column("terms", sa.Text, nullable=True),
    # a line discounted past the approval threshold: a manager approves before it goes out
    sa.Column("needs_approval", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("approval_status", sa.String(12), nullable=True),  # pending / approved / rejected
    sa.Column("approval_note", sa.Text, nullable=True),  # the applicant's note
    sa.Column("approval_comment", sa.Text, nullable=True),  # the approver's comment
    sa.Column("approval_by", sa.String(36), nullable=True),
    sa.Column("approval_at", sa.DateTime(timezone=True), nullable=True),
    _ts("created_at"),
    _ts("updated_at"),
    sa.Index("ix_quotes_created", sa.text("created_at DESC"), sa.text("id DESC")),
    sa.Index("ix_quotes_approval_pending", "approval_status", postgresql_where=sa.text("approval_status = 'pending'")),
    sa.Index("ix_quotes_customer", "customer_id", sa.text("created_at DESC")),
    sa.Index("ix_quotes_status", "status", "valid_until"),
)

quote_lines = sa.Table(
    "quote_lines", metadata,
    sa.Column("quote_id", sa.String(36), sa.ForeignKey("quotes.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("line_no", sa.Integer, primary_key=True),
    sa.Column("product_id", sa.String(36), nullable=False),
    sa.Column("product_name", sa.String(300), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("unit_price", MONEY, nullable=False),
    sa.Column("discount_pct", PCT, nullable=False),
    sa.Column("tax_rate", PCT, nullable=False),
    sa.Column("net", MONEY, nullable=False),
    sa.Column("tax", MONEY, nullable=False),
    sa.Column("gross", MONEY, nullable=False),
)

# ---- orders -------------------------------------------------------------------------
orders = sa.Table(
    "orders", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("number", sa.String(40), nullable=False, unique=True),
    sa.Column("customer_id", sa.String(36), nullable=False),
    sa.Column("owner_id", sa.String(36), nullable=False),
    sa.Column("quote_id", sa.String(36), nullable=True, index=True),
    sa.Column("warehouse_id", sa.String(36), nullable=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("payment_status", sa.String(20), nullable=False, server_default="unpaid"),
    sa.Column("net", MONEY, nullable=False),
    sa.Column("tax", MONEY, nullable=False),
    sa.Column("gross", MONEY, nullable=False),
    sa.Column("invoiced_amount", MONEY, nullable=False, server_default="0"),
    sa.Column("paid_amount", MONEY, nullable=False, server_default="0"),
    sa.Column("reason", sa.String(500), nullable=True),
    sa.Column("approved_by", sa.String(36), nullable=True),
    sa.Column("reserved_warehouse_id", sa.String(36), nullable=True),
    # who wrote the order (the customer's owner is owner_id): never its approver (four eyes)
    sa.Column("created_by", sa.String(36), nullable=True),
    # issue 16: fees beside the lines ([{kind, description, amount, tax_rate, tax, gross}],
    # in the totals), the requested delivery date, and who last edited a held order (four eyes)
    sa.Column("fees", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
    sa.Column("delivery_date", sa.Date, nullable=True),
    sa.Column("edited_by", sa.String(36), nullable=True),
    _ts("created_at"),
    _ts("updated_at"),
    sa.Index("ix_orders_created", sa.text("created_at DESC"), sa.text("id DESC")),
    sa.Index("ix_orders_customer", "customer_id", sa.text("created_at DESC")),
    sa.Index("ix_orders_owner", "owner_id", sa.text("created_at DESC")),
    sa.Index("ix_orders_status", "status", sa.text("created_at DESC")),
    sa.Index("ix_orders_reserved_warehouse", "reserved_warehouse_id", sa.text("created_at DESC")),
    sa.Index("ix_orders_warehouse", "warehouse_id", sa.text("created_at DESC")),
)

order_lines = sa.Table(
    "order_lines", metadata,
    sa.Column("order_id", sa.String(36), sa.ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("line_no", sa.Integer, primary_key=True),
    sa.Column("customer_id", sa.String(36), nullable=False),
    sa.Column("product_id", sa.String(36), nullable=False),
    sa.Column("product_name", sa.String(300), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("unit_price", MONEY, nullable=False),
    sa.Column("discount_pct", PCT, nullable=False),
    sa.Column("tax_rate", PCT, nullable=False),
    sa.Column("net", MONEY, nullable=False),
    sa.Column("tax", MONEY, nullable=False),
    sa.Column("gross", MONEY, nullable=False),
    sa.Column("shipped_quantity", sa.Integer, nullable=False, server_default="0"),
    sa.Column("delivery_date", sa.Date, nullable=True),  # issue 16: this line's own, if any
    _ts("created_at"),
    # the last price charged to a customer for a product
    sa.Index("ix_order_lines_last_price", "customer_id", "product_id", sa.text("created_at DESC")),
)

order_shipments = sa.Table(
    "order_shipments", metadata,
    sa.Column("shipment_id", sa.String(36), primary_key=True),
    sa.Column("order_id", sa.String(36), nullable=False, index=True),
    _ts("recorded_at"),
)

# ---- contracts ----------------------------------------------------------------------
contracts = sa.Table(
    "contracts", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("number", sa.String(40), nullable=False, unique=True),
    sa.Column("order_id", sa.String(36), nullable=False, unique=True),
    sa.Column("customer_id", sa.String(36), nullable=False),
    sa.Column("owner_id", sa.String(36), nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("terms", sa.Text, nullable=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("fulfilled_at", sa.DateTime(timezone=True), nullable=True),
    _ts("created_at"),
    _ts("updated_at"),
    sa.Index("ix_contracts_created", sa.text("created_at DESC"), sa.text("id DESC")),
    sa.Index("ix_contracts_customer", "customer_id", sa.text("created_at DESC")),
)

contract_attachments = sa.Table(
    "contract_attachments", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("contract_id", sa.String(36), sa.ForeignKey("contracts.id", ondelete="CASCADE"), nullable=False),
    sa.Column("filename", sa.String(255), nullable=False),
    sa.Column("content_type", sa.String(120), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("uploaded_by", sa.String(36), nullable=True),
    _ts("created_at"),
    sa.Index("ix_contract_attachments_contract", "contract_id", sa.text("created_at DESC"), "id"),
)


# ---- competitors (copy of the customer service's, fed by customer.competitor.*) -----
competitors = sa.Table(
    "competitors", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
)


# ---- campaigns (copy of the customer service's, fed by customer.campaign.*) -----------
campaigns = sa.Table(
    "campaigns", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
)


# ---- sales targets: an amount per rep and month, set by their managers or an admin ------
sales_targets = sa.Table(
    "sales_targets", metadata,
    sa.Column("owner_id", sa.String(36), primary_key=True),
    sa.Column("month", sa.String(7), primary_key=True),  # YYYY-MM
    sa.Column("amount", MONEY, nullable=False),  # revenue incl. tax, as the reports count it
    sa.Column("set_by", sa.String(36), nullable=False),
    _ts("updated_at"),
    sa.Index("ix_sales_targets_month", "month"),
)
