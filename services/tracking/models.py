"""Tracking's own tables: the event store, the read models behind the reports, and the
notifications. Read models (rm_*) are derived from the stored events only and can be
rebuilt from them (services.tracking.rebuild)."""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from shared.merges import add_merge_table
from shared.tables import add_messaging_tables
from shared.visibility import add_visibility_tables

metadata = sa.MetaData()
add_messaging_tables(metadata)
add_visibility_tables(metadata)
merge_moves = add_merge_table(metadata)  # shared.merges

Money = sa.Numeric(18, 2)
TS = sa.DateTime(timezone=True)

events = sa.Table(
    "events", metadata,
    sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("event_id", sa.String(36), nullable=False, unique=True),
    sa.Column("event_type", sa.String(120), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("service", sa.String(40), nullable=False),
    sa.Column("occurred_at", TS, nullable=False),
    sa.Column("recorded_at", TS, nullable=False, server_default=sa.func.now()),
    sa.Column("region", sa.String(40), nullable=True),
    sa.Column("customer_id", sa.String(36), nullable=True),
    sa.Column("actor_id", sa.String(36), nullable=True),
    sa.Column("aggregate_type", sa.String(60), nullable=False),
    sa.Column("aggregate_id", sa.String(64), nullable=False),
    sa.Column("aggregate_seq", sa.BigInteger, nullable=False),
    sa.Column("correlation_id", sa.String(64), nullable=True),
    sa.Column("causation_id", sa.String(36), nullable=True),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("summary_zh", sa.Text, nullable=True),
    sa.Column("data", JSONB, nullable=False),
    # timeline: one customer, newest first (keyset on occurred_at, seq), optionally by type
    # (a service filter walks the customer's index: few services, each a large share)
    sa.Index("ix_events_customer_time", "customer_id", sa.text("occurred_at DESC"), sa.text("seq DESC")),
    sa.Index("ix_events_customer_type_time", "customer_id", "event_type",
             sa.text("occurred_at DESC"), sa.text("seq DESC")),
    # audit: by actor, by type, by period
    sa.Index("ix_events_actor_time", "actor_id", sa.text("occurred_at DESC"), sa.text("seq DESC")),
    sa.Index("ix_events_type_time", "event_type", sa.text("occurred_at DESC"), sa.text("seq DESC")),
    sa.Index("ix_events_time", sa.text("occurred_at DESC"), sa.text("seq DESC")),
    # head office: one region's entries (issue 18)
    sa.Index("ix_events_region_time", "region", sa.text("occurred_at DESC"), sa.text("seq DESC")),
)

# ---- read models ----------------------------------------------------------------------

rm_customers = sa.Table(
    "rm_customers", metadata,
    sa.Column("customer_id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(300), nullable=True),
    sa.Column("owner_id", sa.String(36), nullable=False, index=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("created_at", TS, nullable=False, index=True),
    sa.Column("lost_at", TS, nullable=True, index=True),
    sa.Column("region", sa.String(40), nullable=True),  # where it is served (head office: every branch's)
    sa.Column("industry", sa.String(100), nullable=True),  # sales by industry (issue 16)
    sa.Index("ix_rm_customers_region_created", "region", "created_at"),
    # the reports read these alone (index-only): a team's customers, a customer's owner and
    # region, customers new and lost in a period (migration f9a6b7c8d0e1)
    sa.Index("ix_rm_customers_owner_cover", "owner_id", postgresql_include=["customer_id", "region"]),
    sa.Index("ix_rm_customers_id_cover", "customer_id", unique=True, postgresql_include=["owner_id", "region"]),
    sa.Index("ix_rm_customers_created_cover", "created_at", postgresql_include=["owner_id", "region", "status"]),
    sa.Index("ix_rm_customers_lost_cover", "lost_at", postgresql_include=["owner_id", "region"],
             postgresql_where=sa.text("status = 'lost'")),
)

rm_leads = sa.Table(
    "rm_leads", metadata,
    sa.Column("lead_id", sa.String(36), primary_key=True),
    sa.Column("owner_id", sa.String(36), nullable=True, index=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("created_at", TS, nullable=True),
    sa.Column("converted_at", TS, nullable=True),
    sa.Column("last_seq", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("region", sa.String(40), nullable=True),
)

rm_opportunities = sa.Table(
    "rm_opportunities", metadata,
    sa.Column("opportunity_id", sa.String(36), primary_key=True),
    sa.Column("customer_id", sa.String(36), nullable=False, index=True),
    sa.Column("owner_id", sa.String(36), nullable=False, index=True),
    sa.Column("stage", sa.String(20), nullable=False),
    sa.Column("amount", Money, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("region", sa.String(40), nullable=True),  # where it is worked (head office: every branch's)
    sa.Column("lost_to_competitor_id", sa.String(36), nullable=True),  # issue 16: who won a lost one
)

rm_orders = sa.Table(
    "rm_orders", metadata,
    sa.Column("order_id", sa.String(36), primary_key=True),
    sa.Column("number", sa.String(60), nullable=False),
    sa.Column("customer_id", sa.String(36), nullable=False, index=True),
    sa.Column("owner_id", sa.String(36), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("payment_status", sa.String(20), nullable=False),
    sa.Column("net", Money, nullable=False),
    sa.Column("tax", Money, nullable=False),
    sa.Column("gross", Money, nullable=False),
    sa.Column("invoiced_amount", Money, nullable=False),
    sa.Column("paid_amount", Money, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("region", sa.String(40), nullable=True),  # where it was placed (head office: every branch's)
    sa.Index("ix_rm_orders_owner_created", "owner_id", "created_at"),
    sa.Index("ix_rm_orders_region_created", "region", "created_at"),
    sa.Index("ix_rm_orders_created", "created_at"),
    sa.Index("ix_rm_orders_created_cover", "created_at",
             postgresql_include=["status", "owner_id", "customer_id", "region", "net", "gross"]),
    sa.Index("ix_rm_orders_owner_created_cover", "owner_id", "created_at",
             postgresql_include=["status", "customer_id", "region", "net", "gross"]),
)

rm_order_lines = sa.Table(
    "rm_order_lines", metadata,
    sa.Column("order_id", sa.String(36), primary_key=True),
    sa.Column("line_no", sa.Integer, primary_key=True),
    sa.Column("product_id", sa.String(36), nullable=False, index=True),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("net", Money, nullable=False),
    sa.Column("gross", Money, nullable=False),
)

# billing's view of an order's balance (billing.order_balance.changed), authoritative for paid
rm_order_balances = sa.Table(
    "rm_order_balances", metadata,
    sa.Column("order_id", sa.String(36), primary_key=True),
    sa.Column("customer_id", sa.String(36), nullable=False),
    sa.Column("invoiced_amount", Money, nullable=False),
    sa.Column("paid_amount", Money, nullable=False),
)

rm_invoices = sa.Table(
    "rm_invoices", metadata,
    sa.Column("invoice_id", sa.String(36), primary_key=True),
    sa.Column("order_id", sa.String(36), nullable=True),
    sa.Column("customer_id", sa.String(36), nullable=False, index=True),
    sa.Column("amount", Money, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("issued_at", TS, nullable=False),
    sa.Index("ix_rm_invoices_customer_cover", "customer_id",
             postgresql_include=["amount", "issued_at", "status", "invoice_id"]),
)

rm_payments = sa.Table(
    "rm_payments", metadata,
    sa.Column("payment_id", sa.String(36), primary_key=True),
    sa.Column("customer_id", sa.String(36), nullable=False, index=True),
    sa.Column("order_id", sa.String(36), nullable=True, index=True),
    sa.Column("amount_cny", Money, nullable=False),
    sa.Column("received_at", TS, nullable=False),
    sa.Index("ix_rm_payments_customer_cover", "customer_id", postgresql_include=["amount_cny"]),
)

rm_expenses = sa.Table(
    "rm_expenses", metadata,
    sa.Column("expense_id", sa.String(36), primary_key=True),
    sa.Column("submitter_id", sa.String(36), nullable=False),
    sa.Column("customer_id", sa.String(36), nullable=True, index=True),
    sa.Column("order_id", sa.String(36), nullable=True, index=True),
    sa.Column("amount", Money, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("submitted_at", TS, nullable=False),
    sa.Column("region", sa.String(40), nullable=True),
)

# per customer: invoiced and paid with the customer's owner and region (services/tracking/ledger.py)
rm_customer_ledger = sa.Table(
    "rm_customer_ledger", metadata,
    sa.Column("customer_id", sa.String(36), primary_key=True),
    sa.Column("owner_id", sa.String(36), nullable=True),  # None: the customer is not known here yet
    sa.Column("region", sa.String(40), nullable=True),
    sa.Column("invoiced", Money, nullable=True),  # issued (not void) invoices; None: none
    sa.Column("paid", Money, nullable=True),  # payments in CNY; None: none
    sa.Column("negative_invoices", sa.Integer, nullable=False, server_default="0"),
    sa.Index("ix_rm_customer_ledger_owner", "owner_id", postgresql_include=["region", "invoiced", "paid"]),
)

rm_products = sa.Table(
    "rm_products", metadata,
    sa.Column("product_id", sa.String(36), primary_key=True),
    sa.Column("sku", sa.String(80), nullable=False),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("list_price", Money, nullable=False),
    sa.Column("cost_price", Money, nullable=True),
)

# the names the losses-by-competitor report shows (customer.competitor.*; issue 16)
rm_competitors = sa.Table(
    "rm_competitors", metadata,
    sa.Column("competitor_id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
)

# sales targets per rep and month (sales.target.*); a removed target stays as a row without
# an amount, so an older "set" delivered late cannot bring it back (last_seq)
rm_sales_targets = sa.Table(
    "rm_sales_targets", metadata,
    sa.Column("owner_id", sa.String(36), primary_key=True),
    sa.Column("month", sa.String(7), primary_key=True),
    sa.Column("amount", Money, nullable=True),
    sa.Column("last_seq", sa.BigInteger, nullable=False),
)

READ_MODELS = (rm_customers, rm_leads, rm_opportunities, rm_orders, rm_order_lines, rm_order_balances,
               rm_invoices, rm_payments, rm_expenses, rm_products, rm_customer_ledger, rm_competitors,
               rm_sales_targets)

# ---- notifications --------------------------------------------------------------------

notifications = sa.Table(
    "notifications", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("user_id", sa.String(36), nullable=False),
    sa.Column("kind", sa.String(60), nullable=False),
    # one notification per (user, dedupe_key): a redelivered or replayed event adds nothing
    sa.Column("dedupe_key", sa.String(200), nullable=False),
    sa.Column("event_id", sa.String(36), nullable=False),
    sa.Column("customer_id", sa.String(36), nullable=True),
    sa.Column("subject_type", sa.String(60), nullable=True),
    sa.Column("subject_id", sa.String(64), nullable=True),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("message_zh", sa.Text, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("read_at", TS, nullable=True),
    sa.UniqueConstraint("user_id", "dedupe_key", name="uq_notifications_user_key"),
    sa.Index("ix_notifications_inbox", "user_id", sa.text("(read_at IS NOT NULL)"),
             sa.text("created_at DESC"), sa.text("id DESC")),
)

# ---- webhooks (services/tracking/webhooks/) ---------------------------------------------

webhooks = sa.Table(
    "webhooks", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    # whose visibility the webhook has: an admin's sees every event, anyone else's only the
    # events about customers they may see (webhooks/enqueue.py)
    sa.Column("owner_id", sa.String(36), nullable=False, index=True),
    sa.Column("url", sa.String(2000), nullable=False),
    sa.Column("events", JSONB, nullable=False),  # the patterns, e.g. ["sales.order.*"]
    # kept as given: the worker signs with it; never answered by the API
    sa.Column("secret", sa.String(200), nullable=False),
    sa.Column("description", sa.String(300), nullable=True),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
    sa.Column("updated_at", TS, nullable=False, server_default=sa.func.now()),
)

webhook_deliveries = sa.Table(
    "webhook_deliveries", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("webhook_id", sa.String(36), sa.ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False),
    sa.Column("event_id", sa.String(36), nullable=False),
    sa.Column("event_type", sa.String(120), nullable=False),
    sa.Column("body", sa.Text, nullable=False),  # the exact JSON sent (the owner's view of the envelope)
    # pending -> delivered | failed (a redelivery puts it back to pending)
    sa.Column("status", sa.String(20), nullable=False, server_default="pending"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("response_code", sa.Integer, nullable=True),
    sa.Column("last_error", sa.String(500), nullable=True),
    sa.Column("created_at", TS, nullable=False, server_default=sa.func.now()),
    sa.Column("window_started_at", TS, nullable=False, server_default=sa.func.now()),  # retry window from here
    sa.Column("next_attempt_at", TS, nullable=False, server_default=sa.func.now()),  # also the claim's lease
    sa.Column("last_attempt_at", TS, nullable=True),
    sa.Column("delivered_at", TS, nullable=True),
    sa.UniqueConstraint("webhook_id", "event_id", name="uq_webhook_deliveries_event"),
    sa.Index("ix_webhook_deliveries_log", "webhook_id", sa.text("created_at DESC"), sa.text("id DESC")),
    sa.Index("ix_webhook_deliveries_due", "next_attempt_at", postgresql_where=sa.text("status = 'pending'")),
)

webhook_attempts = sa.Table(
    "webhook_attempts", metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("delivery_id", sa.String(36), sa.ForeignKey("webhook_deliveries.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("attempted_at", TS, nullable=False),
    sa.Column("response_code", sa.Integer, nullable=True),
    sa.Column("error", sa.String(500), nullable=True),
    sa.Column("duration_ms", sa.Integer, nullable=False),
)

