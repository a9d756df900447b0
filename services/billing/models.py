"""Billing's tables (SQLAlchemy Core)."""

import sqlalchemy as sa

from shared.merges import add_merge_table
from shared.tables import add_messaging_tables
from shared.visibility import add_visibility_tables

metadata = sa.MetaData()
add_messaging_tables(metadata)
add_visibility_tables(metadata)
merge_moves = add_merge_table(metadata)  # shared.merges

MONEY = sa.Numeric(14, 2)
RATE = sa.Numeric(18, 6)


def _now() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())


# The copy of sales' orders (from sales.order.* snapshots) plus billing's own running sums,
# kept under the row lock every invoice / payment / allocation takes on its order.
orders = sa.Table(
    "orders", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("number", sa.String(40), nullable=False),
    sa.Column("customer_id", sa.String(36), nullable=False, index=True),
    sa.Column("owner_id", sa.String(36), nullable=False),
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("gross", MONEY, nullable=False),
    sa.Column("invoiced", MONEY, nullable=False, server_default="0"),
    sa.Column("paid", MONEY, nullable=False, server_default="0"),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

# Customer projects, copied from sales.project.* (an expense claim against a project needs
# its customer, its visibility and whether its application was approved).
projects = sa.Table(
    "projects", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("number", sa.String(40), nullable=False),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("customer_id", sa.String(36), nullable=False, index=True),
    sa.Column("owner_id", sa.String(36), nullable=False),
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

# One row per year; the issuing transaction increments and locks it, so numbers have no gaps.
invoice_counters = sa.Table(
    "invoice_counters", metadata,
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("last_seq", sa.Integer, nullable=False),
)

invoices = sa.Table(
    "invoices", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("number", sa.String(40), nullable=False, unique=True),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("seq", sa.Integer, nullable=True),  # null: a manual (real fapiao) number, outside the sequence
    sa.Column("order_id", sa.String(36), nullable=False),
    sa.Column("customer_id", sa.String(36), nullable=False),
    sa.Column("amount", MONEY, nullable=False),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("void_reason", sa.Text, nullable=True),
    sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("issued_by", sa.String(36), nullable=True),
    sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("voided_by", sa.String(36), nullable=True),
    sa.Column("number_source", sa.String(10), nullable=False, server_default="sequence"),  # or manual
    _now(),
    sa.UniqueConstraint("year", "seq", name="uq_invoices_year_seq"),
    sa.Index("ix_invoices_list", sa.text("issued_at DESC"), sa.text("id DESC")),
    sa.Index("ix_invoices_order", "order_id", sa.text("issued_at DESC"), sa.text("id DESC")),
    sa.Index("ix_invoices_customer", "customer_id", sa.text("issued_at DESC"), sa.text("id DESC")),
)

exchange_rates = sa.Table(
    "exchange_rates", metadata,
    sa.Column("currency", sa.String(3), primary_key=True),
    sa.Column("date", sa.Date, primary_key=True),
    sa.Column("rate_to_cny", RATE, nullable=False),
    sa.Column("created_by", sa.String(36), nullable=True),
    _now(),
    sa.Index("ix_exchange_rates_date", sa.text("date DESC"), "currency"),
)

payments = sa.Table(
    "payments", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("customer_id", sa.String(36), nullable=False),
    sa.Column("order_id", sa.String(36), nullable=True),
    sa.Column("amount", MONEY, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("rate_to_cny", RATE, nullable=False),
    sa.Column("amount_cny", MONEY, nullable=False),
    sa.Column("method", sa.String(30), nullable=False),
    sa.Column("account", sa.String(200), nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("recorded_by", sa.String(36), nullable=True),
    # confirmed counts (order paid, receivables, reports); unconfirmed (cash a rep recorded)
    # waits for finance, who confirms or rejects it (domain/payments.py)
    sa.Column("status", sa.String(12), nullable=False, server_default="confirmed"),
    sa.Column("decided_by", sa.String(36), nullable=True),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("decision_note", sa.Text, nullable=True),
    _now(),
    sa.Index("ix_payments_list", sa.text("received_at DESC"), sa.text("id DESC")),
    sa.Index("ix_payments_unconfirmed", sa.text("received_at DESC"), sa.text("id DESC"),
             postgresql_where=sa.text("status = 'unconfirmed'")),
    sa.Index("ix_payments_customer", "customer_id", sa.text("received_at DESC"), sa.text("id DESC")),
    sa.Index("ix_payments_order", "order_id", sa.text("received_at DESC"), sa.text("id DESC")),
)

allocations = sa.Table(
    "prepayment_allocations", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("customer_id", sa.String(36), nullable=False),
    sa.Column("order_id", sa.String(36), nullable=False),
    sa.Column("amount_cny", MONEY, nullable=False),
    sa.Column("allocated_by", sa.String(36), nullable=True),
    _now(),
    sa.Index("ix_allocations_customer", "customer_id", sa.text("created_at DESC"), sa.text("id DESC")),
    sa.Index("ix_allocations_order", "order_id", sa.text("created_at DESC"), sa.text("id DESC")),
    sa.Index("ix_allocations_list", sa.text("created_at DESC"), sa.text("id DESC")),
)

opening_balances = sa.Table(
    "opening_balances", metadata,
    sa.Column("customer_id", sa.String(36), primary_key=True),
    sa.Column("amount", MONEY, nullable=False),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("created_by", sa.String(36), nullable=True),
    _now(),
    sa.Column("import_id", sa.String(36), nullable=True),  # the import that made it (its undo removes it)
    sa.Index("ix_opening_balances_list", sa.text("created_at DESC"), "customer_id"),
    sa.Index("ix_opening_balances_import", "import_id"),
)

# Opening-balance imports (POST /imports/opening-balances, done within the request): the
# answer GET /imports/{id} gives, the failed rows with their cells for the error file.
opening_balance_imports = sa.Table(
    "opening_balance_imports", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("status", sa.String(12), nullable=False),  # done, failed, undone
    sa.Column("filename", sa.String(255), nullable=True),
    sa.Column("header", sa.JSON, nullable=True),
    sa.Column("total", sa.Integer, nullable=False, server_default="0"),
    sa.Column("processed", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created", sa.Integer, nullable=False, server_default="0"),
    sa.Column("error_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("errors", sa.JSON, nullable=False, server_default="[]"),
    sa.Column("undone", sa.Integer, nullable=True),
    sa.Column("message", sa.Text, nullable=True),
    sa.Column("created_by", sa.String(36), nullable=False),
    _now(),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
    sa.Index("ix_opening_balance_imports_list", sa.text("created_at DESC"), sa.text("id DESC")),
)

# Running sums per customer, updated in the same transaction as every invoice, void,
# payment, allocation and opening balance (see domain/receivables.py for their meaning).
receivables = sa.Table(
    "receivables", metadata,
    sa.Column("customer_id", sa.String(36), primary_key=True),
    sa.Column("opening", MONEY, nullable=False, server_default="0"),
    sa.Column("invoiced", MONEY, nullable=False, server_default="0"),
    sa.Column("paid", MONEY, nullable=False, server_default="0"),
    sa.Column("prepaid", MONEY, nullable=False, server_default="0"),
    sa.Column("allocated", MONEY, nullable=False, server_default="0"),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
)

expenses = sa.Table(
    "expenses", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("submitter_id", sa.String(36), nullable=False),
    sa.Column("amount", MONEY, nullable=False),
    sa.Column("category", sa.String(50), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("customer_id", sa.String(36), nullable=True),
    sa.Column("order_id", sa.String(36), nullable=True),
    sa.Column("project_id", sa.String(36), nullable=True),  # a claim against a customer project
    # the day the expense was incurred: claims must come within the validity period (报销有效期)
    sa.Column("incurred_on", sa.Date, nullable=False, server_default=sa.text("CURRENT_DATE")),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("decided_by", sa.String(36), nullable=True),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("decision_note", sa.Text, nullable=True),
    sa.Column("paid_by", sa.String(36), nullable=True),
    sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
    _now(),
    sa.Index("ix_expenses_list", sa.text("created_at DESC"), sa.text("id DESC")),
    sa.Index("ix_expenses_submitter", "submitter_id", sa.text("created_at DESC"), sa.text("id DESC")),
    sa.Index("ix_expenses_customer", "customer_id", sa.text("created_at DESC"), sa.text("id DESC")),
    sa.Index("ix_expenses_project", "project_id", sa.text("created_at DESC"), sa.text("id DESC")),
)
