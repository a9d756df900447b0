"""The customer service's tables (SQLAlchemy Core)."""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

from shared.merges import add_merge_table
from shared.tables import add_messaging_tables
from shared.visibility import add_visibility_tables

metadata = sa.MetaData()
add_messaging_tables(metadata)
add_visibility_tables(metadata)

NOT_DELETED = sa.text("deleted_at IS NULL")

# Bigrams of a search text, for fragments of exactly two characters (common in Chinese
# names: "华为", "联想"), which trigram indexes cannot serve. The SQL function
# crm_bigrams(text) is created by the migration.
def bigrams(column: sa.Column) -> sa.sql.functions.Function:
    return sa.func.crm_bigrams(column, type_=ARRAY(sa.Text))


def _id(name: str = "id") -> sa.Column:
    return sa.Column(name, sa.String(36), primary_key=True)


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable,
                     server_default=None if nullable else sa.func.now())


customers = sa.Table(
    "customers", metadata,
    _id(),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("name_key", sa.String(300), nullable=False),
    sa.Column("search_text", sa.String(300), nullable=False),
    sa.Column("industry", sa.String(100), nullable=True),
    sa.Column("website", sa.String(300), nullable=True),
    sa.Column("phone", sa.String(50), nullable=True),
    sa.Column("phone_key", sa.String(30), nullable=True),
    sa.Column("address", sa.String(500), nullable=True),
    sa.Column("category", sa.String(50), nullable=True),
    # customer, agent, partner, supplier, competitor (services/customer/domain/competitors.py)
    sa.Column("kind", sa.String(20), nullable=False, server_default="customer"),
    sa.Column("owner_id", sa.String(36), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, server_default="active"),
    sa.Column("lost_reason", sa.Text, nullable=True),
    sa.Column("custom_fields", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
    sa.Column("created_by", sa.String(36), nullable=True),
    sa.Column("lead_id", sa.String(36), nullable=True),
    sa.Column("external_id", sa.String(200), nullable=True),  # the id in the CRM it was imported from
    _ts("created_at"),
    _ts("updated_at"),
    _ts("deleted_at", nullable=True),
    sa.Index("ix_customers_external_id", "external_id",
             postgresql_where=sa.text("deleted_at IS NULL AND external_id IS NOT NULL")),
    sa.Index("uq_customers_name_key_live", "name_key", unique=True, postgresql_where=NOT_DELETED),
    sa.Index("ix_customers_live_created", sa.text("created_at DESC"), sa.text("id DESC"),
             postgresql_where=NOT_DELETED),
    sa.Index("ix_customers_owner_created", "owner_id", sa.text("created_at DESC"), sa.text("id DESC")),
    sa.Index("ix_customers_live_name", "name", "id", postgresql_where=NOT_DELETED),  # sort=name
    sa.Index("ix_customers_phone_key", "phone_key", postgresql_where=NOT_DELETED),
    # a rep's or a manager's search: the live customers of the team, intersected with a search index
    sa.Index("ix_customers_live_owner", "owner_id", postgresql_where=NOT_DELETED),
    sa.Index("ix_customers_search_trgm", "search_text", postgresql_using="gin",
             postgresql_ops={"search_text": "gin_trgm_ops"}),
    sa.Index("ix_customers_phone_trgm", "phone_key", postgresql_using="gin",
             postgresql_ops={"phone_key": "gin_trgm_ops"}),
)
sa.Index("ix_customers_search_bigrams", bigrams(customers.c.search_text), postgresql_using="gin")

# Customers per owner, status (active/lost/deleted), category and industry, kept by statement-level triggers on customers
# (crm_customer_counts, created by the migration), so the unfiltered list's total needs no count over a
# million rows (filters other than q are answered from it too).
customer_counts = sa.Table(
    "customer_counts", metadata,
    sa.Column("owner_id", sa.String(36), primary_key=True),
    sa.Column("status", sa.String(20), primary_key=True),
    sa.Column("category", sa.String(50), primary_key=True),  # '' for none
    sa.Column("industry", sa.String(100), primary_key=True),  # '' for none
    sa.Column("n", sa.BigInteger, nullable=False),
)

contacts = sa.Table(
    "contacts", metadata,
    _id(),
    sa.Column("customer_id", sa.String(36), sa.ForeignKey("customers.id"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("search_text", sa.String(200), nullable=False),
    sa.Column("title", sa.String(100), nullable=True),
    sa.Column("phone", sa.String(50), nullable=True),
    sa.Column("email", sa.String(200), nullable=True),
    sa.Column("is_decision_maker", sa.Boolean, nullable=False, server_default=sa.false()),
    # 直接领导: another contact of the same customer (issue 16)
    sa.Column("superior_id", sa.String(36), nullable=True),
    # the photo in the document store (resized JPEG), when there is one
    sa.Column("photo_key", sa.String(200), nullable=True),
    sa.Column("photo_updated_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("created_by", sa.String(36), nullable=True),
    _ts("created_at"),
    _ts("updated_at"),
    sa.Index("ix_contacts_superior", "superior_id", postgresql_where=sa.text("superior_id IS NOT NULL")),
    sa.Index("ix_contacts_customer_created", "customer_id", sa.text("created_at DESC"), sa.text("id DESC")),
    sa.Index("ix_contacts_created", sa.text("created_at DESC"), sa.text("id DESC")),
    sa.Index("ix_contacts_search_trgm", "search_text", postgresql_using="gin",
             postgresql_ops={"search_text": "gin_trgm_ops"}),
)
sa.Index("ix_contacts_search_bigrams", bigrams(contacts.c.search_text), postgresql_using="gin")
# the customer list's q matches a contact's e-mail address (3 characters or more)
sa.Index("ix_contacts_email_trgm", sa.text("lower(email) gin_trgm_ops"), postgresql_using="gin",
         postgresql_where=sa.text("email IS NOT NULL"))

leads = sa.Table(
    "leads", metadata,
    _id(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("company", sa.String(300), nullable=True),
    sa.Column("phone", sa.String(50), nullable=True),
    sa.Column("email", sa.String(200), nullable=True),
    sa.Column("source", sa.String(100), nullable=True),
    sa.Column("owner_id", sa.String(36), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, server_default="new"),
    sa.Column("customer_id", sa.String(36), nullable=True),
    sa.Column("contact_id", sa.String(36), nullable=True),
    sa.Column("opportunity_id", sa.String(36), nullable=True),
    _ts("created_at"),
    _ts("converted_at", nullable=True),
    sa.Index("ix_leads_owner_created", "owner_id", sa.text("created_at DESC"), sa.text("id DESC")),
    sa.Index("ix_leads_created", sa.text("created_at DESC"), sa.text("id DESC")),
    # ix_leads_search_trgm (migration c3a9d1e07f42): GIN trigrams over api.leads.LEAD_SEARCH, for ?q=
)

activities = sa.Table(
    "activities", metadata,
    _id(),
    # null while the activity is a lead's only (issue 16); set when the lead is converted
    sa.Column("customer_id", sa.String(36), sa.ForeignKey("customers.id"), nullable=True),
    sa.Column("contact_id", sa.String(36), nullable=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("author_id", sa.String(36), nullable=False),
    _ts("created_at"),
    sa.Index("ix_activities_customer_time", "customer_id", sa.text("occurred_at DESC"), sa.text("id DESC")),
    sa.Index("ix_activities_author_time", "author_id", sa.text("occurred_at DESC"), sa.text("id DESC")),
    sa.Index("ix_activities_time", sa.text("occurred_at DESC"), sa.text("id DESC")),
    sa.Column("lead_id", sa.String(36), nullable=True),  # logged on a lead (kept after conversion)
    sa.Index("ix_activities_lead_time", "lead_id", sa.text("occurred_at DESC"), sa.text("id DESC"),
             postgresql_where=sa.text("lead_id IS NOT NULL")),
    sa.CheckConstraint("customer_id IS NOT NULL OR lead_id IS NOT NULL", name="ck_activities_customer_or_lead"),
)

activity_comments = sa.Table(
    "activity_comments", metadata,
    _id(),
    sa.Column("activity_id", sa.String(36), sa.ForeignKey("activities.id"), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("author_id", sa.String(36), nullable=False),
    _ts("created_at"),
    sa.Index("ix_activity_comments_activity", "activity_id", "created_at", "id"),
)

complaints = sa.Table(
    "complaints", metadata,
    _id(),
    sa.Column("customer_id", sa.String(36), sa.ForeignKey("customers.id"), nullable=False),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("assignee_id", sa.String(36), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, server_default="open"),
    sa.Column("created_by", sa.String(36), nullable=False),
    _ts("created_at"),
    _ts("updated_at"),
    _ts("resolved_at", nullable=True),
    sa.Index("ix_complaints_customer_created", "customer_id", sa.text("created_at DESC"), sa.text("id DESC")),
    sa.Index("ix_complaints_assignee_created", "assignee_id", sa.text("created_at DESC"), sa.text("id DESC")),
    sa.Index("ix_complaints_created", sa.text("created_at DESC"), sa.text("id DESC")),
)

custom_fields = sa.Table(
    "custom_fields", metadata,
    _id(),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("type", sa.String(20), nullable=False),
    sa.Column("choices", JSONB, nullable=True),
    sa.Column("required", sa.Boolean, nullable=False, server_default=sa.false()),
    _ts("created_at"),
)

work_plans = sa.Table(
    "work_plans", metadata,
    _id(),
    sa.Column("user_id", sa.String(36), nullable=False),
    sa.Column("week_start", sa.Date, nullable=False),
    sa.Column("plan", sa.Text, nullable=False),
    sa.Column("summary", sa.Text, nullable=True),
    _ts("created_at"),
    _ts("updated_at"),
    sa.UniqueConstraint("user_id", "week_start", name="uq_work_plans_user_week"),
    sa.Index("ix_work_plans_week", sa.text("week_start DESC"), "id"),
)

out_of_office = sa.Table(
    "out_of_office", metadata,
    _id(),
    sa.Column("user_id", sa.String(36), nullable=False),
    sa.Column("customer_id", sa.String(36), sa.ForeignKey("customers.id"), nullable=False),
    sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("end_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("destination", sa.String(300), nullable=True),
    sa.Column("purpose", sa.Text, nullable=False),
    _ts("created_at"),
    sa.Index("ix_ooo_user_start", "user_id", sa.text("start_at DESC"), sa.text("id DESC")),
    sa.Index("ix_ooo_customer_start", "customer_id", sa.text("start_at DESC"), sa.text("id DESC")),
    sa.Index("ix_ooo_start", sa.text("start_at DESC"), sa.text("id DESC")),
)

import_jobs = sa.Table(
    "import_jobs", metadata,
    _id(),
    sa.Column("created_by", sa.String(36), nullable=False),
    sa.Column("owner_id", sa.String(36), nullable=False),
    sa.Column("filename", sa.String(300), nullable=True),
    sa.Column("content", sa.LargeBinary, nullable=True),
    sa.Column("correlation_id", sa.String(64), nullable=True),
    sa.Column("status", sa.String(20), nullable=False, server_default="queued"),
    sa.Column("total", sa.Integer, nullable=False, server_default="0"),
    sa.Column("processed", sa.Integer, nullable=False, server_default="0"),
    sa.Column("created", sa.Integer, nullable=False, server_default="0"),
    sa.Column("duplicates", sa.Integer, nullable=False, server_default="0"),
    sa.Column("error_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("errors", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("message", sa.Text, nullable=True),
    # the file's reading: the mapping ({column: field or null}, null = detected), create or
    # upsert and the key it matches on, the header (for the failed rows' file)
    sa.Column("kind", sa.String(20), nullable=False, server_default="customers"),
    sa.Column("mapping", JSONB, nullable=True),
    sa.Column("mode", sa.String(10), nullable=False, server_default="create"),
    sa.Column("match_on", sa.String(20), nullable=False, server_default="name"),
    sa.Column("header", JSONB, nullable=True),
    sa.Column("updated", sa.Integer, nullable=False, server_default="0"),
    sa.Column("undone", sa.Integer, nullable=False, server_default="0"),
    _ts("created_at"),
    _ts("heartbeat_at", nullable=True),
    _ts("finished_at", nullable=True),
    _ts("undone_at", nullable=True),
    sa.Index("ix_import_jobs_pending", "created_at", postgresql_where=sa.text("status IN ('queued', 'running')")),
    sa.Index("ix_import_jobs_creator", "created_by", sa.text("created_at DESC"), sa.text("id DESC")),
)

# What an import did, for its undo: each customer it created, each customer or contact it
# updated with the values before (the mapped columns only), each contact it added to an
# existing customer. undone_at is set as the undo reverts the change (so an interrupted undo resumes).
import_changes = sa.Table(
    "import_changes", metadata,
    sa.Column("job_id", sa.String(36), sa.ForeignKey("import_jobs.id"), primary_key=True),
    sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("record_type", sa.String(20), nullable=False),  # customer / contact
    sa.Column("record_id", sa.String(36), nullable=False),
    sa.Column("action", sa.String(10), nullable=False),  # created / updated
    sa.Column("before", JSONB, nullable=True),
    _ts("undone_at", nullable=True),
)

# Tasks (follow-ups with reminders; api/tasks.py). A reminder fires once: the scheduler
# (services/customer/reminders.py) sets reminded_at in the transaction that writes
# customer.task.reminder_due; a changed remind_at clears it.
tasks = sa.Table(
    "tasks", metadata,
    _id(),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("remind_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("assignee_id", sa.String(36), nullable=False),
    sa.Column("customer_id", sa.String(36), sa.ForeignKey("customers.id"), nullable=True),
    sa.Column("related_type", sa.String(20), nullable=True),
    sa.Column("related_id", sa.String(36), nullable=True),
    sa.Column("repeat", sa.String(10), nullable=True),
    sa.Column("status", sa.String(20), nullable=False, server_default="open"),
    sa.Column("activity_id", sa.String(36), nullable=True),  # logged when it was completed
    sa.Column("previous_id", sa.String(36), nullable=True),  # the occurrence a recurring task follows
    sa.Column("created_by", sa.String(36), nullable=False),
    _ts("created_at"),
    _ts("updated_at"),
    _ts("completed_at", nullable=True),
    sa.Index("ix_tasks_assignee_due", "assignee_id", "due_at", "id"),
    sa.Index("ix_tasks_customer_due", "customer_id", "due_at", "id"),
    sa.Index("ix_tasks_creator_due", "created_by", "due_at", "id"),
    sa.Index("ix_tasks_reminders_due", "remind_at",
             postgresql_where=sa.text("status = 'open' AND reminded_at IS NULL AND remind_at IS NOT NULL")),
    sa.Index("uq_tasks_previous", "previous_id", unique=True, postgresql_where=sa.text("previous_id IS NOT NULL")),
)

# Per-user secret calendar feed (GET /calendar/feed/<token>.ics): only the token's SHA-256
# is kept; regenerating replaces it, revoking deletes it.
calendar_feeds = sa.Table(
    "calendar_feeds", metadata,
    sa.Column("user_id", sa.String(36), primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    _ts("created_at"),
)

# Quotes' validity ends for the calendar: a small copy of sales.quote.* (handlers.py).
quote_deadlines = sa.Table(
    "quote_deadlines", metadata,
    sa.Column("quote_id", sa.String(36), primary_key=True),
    sa.Column("number", sa.String(40), nullable=False),
    sa.Column("customer_id", sa.String(36), nullable=False),
    sa.Column("owner_id", sa.String(36), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("valid_until", sa.Date, nullable=False),
    sa.Index("ix_quote_deadlines_owner_until", "owner_id", "valid_until"),
)

# ---- service orders and repairs ------------------------------------------------------

service_order_number_seq = sa.Sequence("service_order_number_seq", metadata=metadata)

service_orders = sa.Table(
    "service_orders", metadata,
    _id(),
    sa.Column("number", sa.String(30), nullable=False, unique=True),
    sa.Column("customer_id", sa.String(36), sa.ForeignKey("customers.id"), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("assignee_id", sa.String(36), nullable=False),
    sa.Column("complaint_id", sa.String(36), sa.ForeignKey("complaints.id"), nullable=True),
    sa.Column("product_id", sa.String(36), nullable=True),
    sa.Column("serial_no", sa.String(100), nullable=True),
    sa.Column("priority", sa.String(20), nullable=False, server_default="normal"),
    sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("status", sa.String(20), nullable=False, server_default="open"),
    sa.Column("resolution", sa.Text, nullable=True),
    sa.Column("time_spent_minutes", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rating", sa.SmallInteger, nullable=True),
    sa.Column("feedback_comment", sa.Text, nullable=True),
    sa.Column("feedback_by", sa.String(36), nullable=True),
    _ts("feedback_at", nullable=True),
    sa.Column("created_by", sa.String(36), nullable=False),
    _ts("created_at"),
    _ts("updated_at"),
    _ts("done_at", nullable=True),
    _ts("closed_at", nullable=True),
    # the due time the overdue check last announced (NULL: none yet); a new due_at is announced again
    _ts("overdue_notified_at", nullable=True),
    sa.CheckConstraint("time_spent_minutes >= 0", name="ck_service_orders_time"),
    sa.CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="ck_service_orders_rating"),
    sa.Index("ix_service_orders_customer_created", "customer_id", sa.text("created_at DESC"), sa.text("id DESC")),
    sa.Index("ix_service_orders_assignee_due", "assignee_id", "due_at"),
    sa.Index("ix_service_orders_created", sa.text("created_at DESC"), sa.text("id DESC")),
    sa.Index("ix_service_orders_complaint", "complaint_id"),
    sa.Index("ix_service_orders_overdue", "due_at",
             postgresql_where=sa.text("overdue_notified_at IS NULL AND status IN ('open', 'in_progress', 'waiting_parts') "
                                      "AND due_at IS NOT NULL")),
)

# Spare parts used on a service order: one line per request; `pending` until inventory
# answers (issued: taken from stock, the ledger names the order; refused: it was not there).
service_order_parts = sa.Table(
    "service_order_parts", metadata,
    _id(),
    sa.Column("service_order_id", sa.String(36), sa.ForeignKey("service_orders.id"), nullable=False),
    sa.Column("product_id", sa.String(36), nullable=False),
    sa.Column("warehouse_id", sa.String(36), nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("status", sa.String(20), nullable=False, server_default="pending"),
    sa.Column("available", sa.Integer, nullable=True),  # inventory's figure when it answered
    sa.Column("reason", sa.String(300), nullable=True),
    sa.Column("created_by", sa.String(36), nullable=False),
    _ts("created_at"),
    _ts("settled_at", nullable=True),
    sa.CheckConstraint("quantity > 0", name="ck_service_order_parts_quantity"),
    sa.Index("ix_service_order_parts_order", "service_order_id", "created_at"),
    sa.Index("ix_service_order_parts_pending", "warehouse_id", "product_id",
             postgresql_where=sa.text("status = 'pending'")),
)

# Copies of inventory's data (inventory.product.*, inventory.stock.changed): product names for
# the parts lines, and availability per (product, warehouse) to answer 409 insufficient_stock
# at request time (inventory's deduction stays authoritative: services/customer/service_parts.py).
products = sa.Table(
    "products", metadata,
    _id(),
    sa.Column("sku", sa.String(100), nullable=False),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("unit", sa.String(40), nullable=True),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
)

stock_levels = sa.Table(
    "stock_levels", metadata,
    sa.Column("product_id", sa.String(36), primary_key=True),
    sa.Column("warehouse_id", sa.String(36), primary_key=True),
    sa.Column("available", sa.Integer, nullable=False),
)

# Documents (services/customer/api/documents.py): the bytes live in a BlobStore
# (shared.storage) under storage_key; customer_id NULL (and no related record) means the
# shared knowledge base. related_type/related_id: the record the document belongs to
# (opportunity, quote, order, contract, project in sales; service_order here), whose
# customer is customer_id. search_text: lower(title, file name, tags), for ?q=.
documents = sa.Table(
    "documents", metadata,
    _id(),
    sa.Column("customer_id", sa.String(36), sa.ForeignKey("customers.id"), nullable=True),
    sa.Column("related_type", sa.String(30), nullable=True),
    sa.Column("related_id", sa.String(36), nullable=True),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("filename", sa.String(255), nullable=False),
    sa.Column("content_type", sa.String(120), nullable=False),
    sa.Column("size", sa.BigInteger, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("storage_key", sa.String(300), nullable=False),
    sa.Column("tags", ARRAY(sa.Text), nullable=False, server_default=sa.text("'{}'::text[]")),
    sa.Column("search_text", sa.Text, nullable=False),
    sa.Column("uploaded_by", sa.String(36), nullable=False),
    _ts("created_at"),
    _ts("updated_at"),
    _ts("deleted_at", nullable=True),
    sa.Column("deleted_by", sa.String(36), nullable=True),
    sa.CheckConstraint("(related_type IS NULL) = (related_id IS NULL)", name="ck_documents_related_pair"),
    sa.CheckConstraint("related_id IS NULL OR customer_id IS NOT NULL", name="ck_documents_related_customer"),
    sa.Index("ix_documents_customer_created", "customer_id", sa.text("created_at DESC"), sa.text("id DESC")),
    sa.Index("ix_documents_related", "related_id", sa.text("created_at DESC")),
    sa.Index("ix_documents_created", sa.text("created_at DESC"), sa.text("id DESC")),
    sa.Index("ix_documents_kb_created", sa.text("created_at DESC"), sa.text("id DESC"),
             postgresql_where=sa.text("customer_id IS NULL")),
    sa.Index("ix_documents_tags", "tags", postgresql_using="gin"),
    sa.Index("ix_documents_search_trgm", "search_text", postgresql_using="gin",
             postgresql_ops={"search_text": "gin_trgm_ops"}),
)

# Which customer each record in another service belongs to (a copy, from sales.opportunity.*,
# .quote.*, .order.*, .contract.*, .project.* events), so a document attached to it follows
# that customer's visibility. label: the record's name or number, for the screens.
related_records = sa.Table(
    "related_records", metadata,
    sa.Column("record_id", sa.String(36), primary_key=True),
    sa.Column("record_type", sa.String(30), nullable=False),
    sa.Column("customer_id", sa.String(36), nullable=False),
    sa.Column("label", sa.String(300), nullable=True),
)

# ---- merges of duplicates (issue 17; services/customer/commands/merges.py) --------------
# customers.merged_into (migration e1f2a3b4c5d6) marks a tombstone: the customer was merged
# into that one. A merge keeps what undo needs: the choices, both customers' values before,
# the shares it added to the survivor; merge_moves (shared.merges) the rows it moved.
customers.append_column(sa.Column("merged_into", sa.String(36), nullable=True))
customer_merges = sa.Table(
    "customer_merges", metadata,
    _id(),
    sa.Column("survivor_id", sa.String(36), nullable=False),
    sa.Column("duplicate_id", sa.String(36), nullable=False),
    sa.Column("fields", JSONB, nullable=False),  # the caller's choices {"phone": "duplicate"}
    sa.Column("survivor_before", JSONB, nullable=False),  # the survivor's fields before
    sa.Column("survivor_after", JSONB, nullable=False),  # what the merge set them to
    sa.Column("added_shares", ARRAY(sa.String(36)), nullable=False),
    sa.Column("moved", JSONB, nullable=False),  # rows moved here per table (counts)
    sa.Column("merged_by", sa.String(36), nullable=True),
    _ts("merged_at"),
    sa.Column("undone_by", sa.String(36), nullable=True),
    _ts("undone_at", nullable=True),
    sa.Index("ix_customer_merges_survivor", "survivor_id", sa.text("merged_at DESC")),
    sa.Index("ix_customer_merges_duplicate", "duplicate_id", sa.text("merged_at DESC")),
)
merge_moves = add_merge_table(metadata)

# Competitors (issue 16): shared reference data every user may read; sales, managers and
# admins record them. Sales and tracking keep copies (customer.competitor.* events).
competitors = sa.Table(
    "competitors", metadata,
    _id(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("name_key", sa.String(200), nullable=False, unique=True),
    sa.Column("website", sa.String(300), nullable=True),
    sa.Column("strengths", sa.Text, nullable=True),
    sa.Column("weaknesses", sa.Text, nullable=True),
    sa.Column("created_by", sa.String(36), nullable=True),
    _ts("created_at"),
    _ts("updated_at"),
)

# Bulk changes (POST /customers/bulk) and their undo (POST /jobs/{id}/undo), run by
# services/customer/bulk_worker.py. The customers a job reaches are fixed when it is queued
# (bulk_job_items, in order); each item keeps the values before and after, per field the job
# touched, so an undo job (kind 'undo', undo_of) puts back exactly those.
bulk_jobs = sa.Table(
    "bulk_jobs", metadata,
    _id(),
    sa.Column("kind", sa.String(10), nullable=False),  # bulk / undo
    sa.Column("created_by", sa.String(36), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("correlation_id", sa.String(64), nullable=True),
    sa.Column("changes", JSONB, nullable=False),  # {"set": {...}, "share_with": ...}
    sa.Column("target", JSONB, nullable=False),   # {"ids": n} or {"filter": {...}}
    sa.Column("undo_of", sa.String(36), nullable=True),
    sa.Column("undone_by", sa.String(36), nullable=True),
    sa.Column("status", sa.String(20), nullable=False, server_default="queued"),
    sa.Column("total", sa.Integer, nullable=False, server_default="0"),
    sa.Column("processed", sa.Integer, nullable=False, server_default="0"),
    sa.Column("changed", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_seq", sa.Integer, nullable=False, server_default="0"),
    sa.Column("error_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("errors", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("message", sa.Text, nullable=True),
    _ts("created_at"),
    _ts("heartbeat_at", nullable=True),
    _ts("finished_at", nullable=True),
    sa.Index("ix_bulk_jobs_pending", "created_at", postgresql_where=sa.text("status IN ('queued', 'running')")),
    sa.Index("ix_bulk_jobs_creator", "created_by", sa.text("created_at DESC"), sa.text("id DESC")),
)

bulk_job_items = sa.Table(
    "bulk_job_items", metadata,
    sa.Column("job_id", sa.String(36), sa.ForeignKey("bulk_jobs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("customer_id", sa.String(36), nullable=False),
    sa.Column("before", JSONB, nullable=True),   # null: not changed (yet)
    sa.Column("after", JSONB, nullable=True),
    sa.Column("share_added", sa.String(36), nullable=True),
    sa.Column("share_removed", sa.String(36), nullable=True),
)

# ---- marketing campaigns (issue 16; services/customer/commands/campaigns.py) -------------
# A campaign, its members (customers, contacts, leads; a contact's or customer's customer_id
# for the visibility of the member list), its mailings (background jobs run by
# services/customer/mail_worker.py, one recipient row per address reached) and the addresses
# that take no more campaign mail (unsubscribed, or refused by their server: a hard bounce).
campaigns = sa.Table(
    "campaigns", metadata,
    _id(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, server_default="planned"),
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("ends_on", sa.Date, nullable=False),
    sa.Column("budget", sa.Numeric(14, 2), nullable=False),
    sa.Column("actual_cost", sa.Numeric(14, 2), nullable=True),
    sa.Column("product_ids", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("created_by", sa.String(36), nullable=True),
    _ts("created_at"),
    _ts("updated_at"),
    sa.Index("ix_campaigns_starts", sa.text("starts_on DESC"), sa.text("id DESC")),
)

campaign_members = sa.Table(
    "campaign_members", metadata,
    sa.Column("campaign_id", sa.String(36), sa.ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("member_type", sa.String(10), primary_key=True),  # customer / lead / contact
    sa.Column("member_id", sa.String(36), primary_key=True),
    sa.Column("customer_id", sa.String(36), nullable=True),  # the customer (of a contact); null for a lead
    sa.Column("added_by", sa.String(36), nullable=True),
    _ts("added_at"),
    _ts("reached_at", nullable=True),  # the first message of this campaign sent to it
    _ts("bounced_at", nullable=True),
    sa.Column("bounce_reason", sa.String(300), nullable=True),
    _ts("unsubscribed_at", nullable=True),
    sa.Index("ix_campaign_members_customer", "customer_id"),
    sa.Index("ix_campaign_members_member", "member_id"),
)

campaign_mailings = sa.Table(
    "campaign_mailings", metadata,
    _id(),
    sa.Column("campaign_id", sa.String(36), sa.ForeignKey("campaigns.id", ondelete="CASCADE"), nullable=False),
    sa.Column("subject", sa.String(300), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_by", sa.String(36), nullable=False),
    sa.Column("correlation_id", sa.String(64), nullable=True),
    sa.Column("status", sa.String(20), nullable=False, server_default="queued"),  # queued/running/done/failed
    sa.Column("total", sa.Integer, nullable=False, server_default="0"),
    sa.Column("processed", sa.Integer, nullable=False, server_default="0"),
    sa.Column("sent", sa.Integer, nullable=False, server_default="0"),
    sa.Column("skipped", sa.Integer, nullable=False, server_default="0"),  # unsubscribed or bounced before
    sa.Column("bounced", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_seq", sa.Integer, nullable=False, server_default="0"),
    sa.Column("error_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("errors", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("message", sa.Text, nullable=True),
    _ts("created_at"),
    _ts("heartbeat_at", nullable=True),
    _ts("finished_at", nullable=True),
    sa.Index("ix_campaign_mailings_pending", "created_at", postgresql_where=sa.text("status IN ('queued', 'running')")),
    sa.Index("ix_campaign_mailings_campaign", "campaign_id", sa.text("created_at DESC")),
)

campaign_mail_recipients = sa.Table(
    "campaign_mail_recipients", metadata,
    sa.Column("mailing_id", sa.String(36), sa.ForeignKey("campaign_mailings.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("member_type", sa.String(10), nullable=False),
    sa.Column("member_id", sa.String(36), nullable=False),
    sa.Column("customer_id", sa.String(36), nullable=True),
    sa.Column("email", sa.String(200), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, server_default="pending"),  # sent/skipped/bounced/failed
    sa.Column("detail", sa.String(300), nullable=True),
)

email_suppressions = sa.Table(
    "email_suppressions", metadata,
    sa.Column("email_key", sa.String(200), primary_key=True),  # lowered address
    sa.Column("reason", sa.String(20), nullable=False),  # unsubscribed / bounced
    sa.Column("campaign_id", sa.String(36), nullable=True),
    sa.Column("detail", sa.String(300), nullable=True),
    _ts("created_at"),
)

# Opportunities that name a campaign (a copy from sales.opportunity.*): the campaign's return.
campaign_opportunities = sa.Table(
    "campaign_opportunities", metadata,
    sa.Column("opportunity_id", sa.String(36), primary_key=True),
    sa.Column("campaign_id", sa.String(36), nullable=True),
    sa.Column("customer_id", sa.String(36), nullable=True),
    sa.Column("stage", sa.String(20), nullable=False),
    sa.Column("amount", sa.Numeric(14, 2), nullable=False),
    sa.Index("ix_campaign_opportunities_campaign", "campaign_id"),
)

leads.append_column(sa.Column("campaign_id", sa.String(36), nullable=True))
sa.Index("ix_leads_campaign", leads.c.campaign_id, postgresql_where=sa.text("campaign_id IS NOT NULL"))
