"""What the customer service's endpoints answer (documentation schemas for the OpenAPI
document; the views build the dicts)."""

from marshmallow import Schema, fields

from shared.answers import (
    anything,
    flag,
    ident,
    ids,
    integer,
    many,
    mapping,
    nested,
    status,
    text,
    when,
)


class PhoneWarning(Schema):
    code = text(nullable=False)
    message = text(nullable=False)
    existing_id = ident()


class Customer(Schema):
    id = ident()
    name = text(nullable=False)
    industry = text()
    website = text()
    phone = text()
    address = text()
    category = text()
    kind = status("customer", "agent", "partner", "supplier", "competitor")
    owner_id = ident()
    status = status("active", "lost", "deleted")
    lost_reason = text()
    custom_fields = mapping()
    shared_with = ids(description="users the customer is shared with")
    created_at = when()
    updated_at = when()
    deleted_at = when()
    external_id = text(description="the record's id in the system it was imported from (upsert key)")
    merged_into = ident(nullable=True, description="set on a merged duplicate (a tombstone): the customer it was merged into")
    warnings = many(PhoneWarning, description="on create and change: other customers with the same phone")



class CustomerListPage(Schema):
    items = many(Customer)
    total = integer(description="customers matching, all pages; with q, a lower bound when total_is_estimate")
    page = integer()
    per_page = integer()
    total_is_estimate = flag(description="true when q matches more customers than are counted (10,000): total is "
                                         "then a lower bound (the portal shows \"10,000+\")")


class Share(Schema):
    customer_id = ident()
    user_id = ident()
    shared_with = ids()


class ShareItem(Schema):
    customer_id = ident()
    user_id = ident()


class Shares(Schema):
    items = many(ShareItem)


class Contact(Schema):
    id = ident()
    customer_id = ident()
    name = text(nullable=False)
    title = text()
    phone = text()
    email = text()
    is_decision_maker = flag()
    superior_id = ident(nullable=True, description="直接领导: another contact of the same customer")
    photo_updated_at = when(description="when the photo was set; null: no photo (GET /contacts/{id}/photo)")
    created_at = when()
    updated_at = when()


class Comment(Schema):
    id = ident()
    activity_id = ident()
    text = text(nullable=False)
    author_id = ident()
    created_at = when()


class Activity(Schema):
    id = ident()
    comment_count = integer(nullable=True, description="in lists: how many managers' comments it has")
    customer_id = ident(nullable=True, description="null while it is only a lead's")
    lead_id = ident(nullable=True, description="the lead it was logged on (kept after the conversion)")
    contact_id = ident(nullable=True)
    kind = text(nullable=False)
    summary = text(nullable=False)
    occurred_at = when()
    author_id = ident()
    created_at = when()


class ActivityWithComments(Activity):
    comments = many(Comment)


class Complaint(Schema):
    id = ident()
    customer_id = ident()
    subject = text(nullable=False)
    description = text()
    assignee_id = ident(nullable=True)
    status = status("open", "in_progress", "resolved")
    created_by = ident(nullable=True)
    created_at = when()
    updated_at = when()
    resolved_at = when()


class CustomField(Schema):
    id = ident()
    name = text(nullable=False)
    type = status("text", "number", "date", "choice")
    choices = many(text(nullable=False), nullable=True)
    required = flag()
    created_at = when()


class Lead(Schema):
    id = ident()
    name = text(nullable=False)
    company = text()
    phone = text()
    email = text()
    source = text()
    owner_id = ident()
    status = status("new", "converted", "disqualified")
    customer_id = ident(nullable=True)
    contact_id = ident(nullable=True)
    opportunity_id = ident(nullable=True)
    campaign_id = ident(nullable=True, description="the marketing campaign the lead came from")
    created_at = when()
    converted_at = when()


class LeadConversion(Schema):
    customer_id = ident()
    contact_id = ident()
    opportunity_id = ident(nullable=True)


class WorkPlan(Schema):
    id = ident()
    user_id = ident()
    week_start = text(nullable=False, description="the Monday, YYYY-MM-DD")
    plan = text(nullable=False)
    summary = text()
    created_at = when()
    updated_at = when()


class Absence(Schema):
    id = ident()
    user_id = ident()
    customer_id = ident()
    start_at = when()
    end_at = when()
    destination = text()
    purpose = text()
    created_at = when()


class ImportQueued(Schema):
    id = ident()
    status = status("queued", "undo_queued")


class ImportJob(Schema):
    id = ident()
    status = status("queued", "running", "done", "failed", "undo_queued", "undoing", "undone")
    kind = text()
    mode = text(description="create or upsert")
    match_on = text(description="the upsert's key: name, phone, email or external_id")
    updated = integer(nullable=True, description="existing customers changed (upsert)")
    undone = integer(nullable=True, description="changes reverted by the undo")
    error_file = text(description="the failed rows as CSV with an error column (a path under the API), or null")
    total = integer(nullable=True)
    processed = integer(nullable=True)
    created = integer(nullable=True)
    duplicates = integer(nullable=True)
    errors = many(anything(), nullable=True, description="per row: what was wrong")
    error_count = integer(nullable=True)
    message = text()
    filename = text()
    owner_id = ident(nullable=True)
    created_by = ident(nullable=True)
    created_at = when()
    finished_at = when()
    undone_at = when()


class ImportPreview(Schema):
    header = many(text(nullable=False))
    columns = mapping(description="our column -> the header cell that fills it")
    ignored = many(text(nullable=False), description="header cells not imported")
    rows = many(mapping(), description="the first data rows: {row, <column>: text}")


class ImportFilePreview(Schema):
    kind = text()
    columns = many(text(nullable=False), description="the header cells")
    unmapped = many(text(nullable=False))
    fields = many(text(nullable=False), description="the fields a mapping may name (and custom_fields.<name>)")
    missing = many(text(nullable=False), description="required fields no column fills")
    rows = many(many(text()), description="the first 10 data rows as the file has them")
    records = many(mapping(), description="the same rows as they would be imported")
    encoding = text()
    delimiter = text()
    columns_by_field = mapping()
    mapping = mapping(description="column -> field it fills (null: ignored)")  # last: it shadows the helper


class DuplicateFound(Schema):
    existing_id = ident()
    existing_name = text(description="only when the caller may see that customer")
    owner_id = ident()
    owner_name = text()
    visible = flag(description="whether the caller may open the existing customer")


class DuplicateCheck(Schema):
    duplicate = nested(DuplicateFound, nullable=True, description="null when the name is free")


class ShareRequested(Schema):
    customer_id = ident()
    owner_id = ident()
    owner_name = text()
    requested = flag()


class Task(Schema):
    id = ident()
    title = text(nullable=False)
    due_at = when(nullable=False)
    remind_at = when()
    reminded_at = when(description="when the reminder was sent (null: not yet, or none)")
    assignee_id = ident()
    customer_id = ident(nullable=True)
    customer_name = text()
    related_type = status("lead", "opportunity", "quote", "order", "service_order", nullable=True)
    related_id = ident(nullable=True)
    repeat = status("weekly", "monthly", nullable=True)
    status = status("open", "done", "cancelled")
    overdue = flag(description="open and past its due time")
    activity_id = ident(nullable=True, description="the activity logged when it was completed")
    previous_id = ident(nullable=True, description="the occurrence of a recurring task this one follows")
    next_id = ident(nullable=True, description="(read by id, PATCH) the next occurrence of a recurring task")
    created_by = ident()
    created_at = when()
    updated_at = when()
    completed_at = when()


class CalendarItem(Schema):
    kind = status("task", "planned_visit", "out_of_office", "service_order", "quote_expiry")
    id = ident(description="the record's id (task, work plan, out-of-office, service order, quote)")
    title = text(nullable=False)
    starts_at = when(nullable=False)
    ends_at = when()
    all_day = flag(description="a whole day (or week): starts_at/ends_at are midnights UTC")
    customer_id = ident(nullable=True)
    customer_name = text()
    user_id = ident(description="whose calendar entry it is")
    status = text(description="the record's status where it has one (a task's, a quote's)")


class Calendar(Schema):
    items = many(CalendarItem)


class CalendarFeed(Schema):
    active = flag()
    created_at = when()
    token = text(description="only in the answer that created it: the secret part of the feed URL")
    path = text(description="only with token: the feed's path under /api/v1 (GET, no bearer token)")


class ServicePart(Schema):
    id = ident()
    service_order_id = ident()
    product_id = ident()
    sku = text()
    product_name = text()
    unit = text()
    warehouse_id = ident()
    quantity = integer()
    status = status("pending", "issued", "refused",
                    description="pending until inventory has taken it from stock (issued) or refused it")
    available = integer(nullable=True, description="the warehouse's availability inventory saw when it answered")
    reason = text(description="why inventory refused it")
    created_by = ident()
    created_at = when()
    settled_at = when()


class ServiceFeedback(Schema):
    rating = integer(description="1 to 5")
    comment = text()
    given_by = ident()
    given_at = when()


class ServiceOrder(Schema):
    id = ident()
    number = text(nullable=False, description="SV-<year>-<6 digits>")
    customer_id = ident()
    kind = status("service", "repair")
    subject = text(nullable=False)
    description = text()
    assignee_id = ident()
    complaint_id = ident(nullable=True)
    product_id = ident(nullable=True)
    serial_no = text()
    priority = status("low", "normal", "high", "urgent")
    due_at = when()
    overdue = flag(description="still being worked on and past due_at")
    status = status("open", "in_progress", "waiting_parts", "done", "closed")
    resolution = text()
    time_spent_minutes = integer()
    feedback = nested(ServiceFeedback, nullable=True, description="the customer's feedback, once the order is done")
    created_by = ident()
    created_at = when()
    updated_at = when()
    done_at = when()
    closed_at = when()
    parts = many(ServicePart, description="on GET /service-orders/{id} only: the spare parts lines")


class Document(Schema):
    id = ident()
    title = text(nullable=False)
    filename = text(nullable=False, description="the sanitised name, ending in an extension of its type")
    size = integer(description="bytes")
    content_type = text(nullable=False, description="decided from the bytes at upload")
    sha256 = text(nullable=False, description="hex SHA-256 of the bytes, checked on every download")
    tags = many(fields.String())
    customer_id = ident(nullable=True, description="null: the shared knowledge base")
    related_type = status("opportunity", "quote", "order", "contract", "project", "service_order", nullable=True)
    related_id = ident(nullable=True)
    related_label = text(description="the related record's number or name")
    knowledge_base = flag()
    uploaded_by = ident()
    created_at = when()
    updated_at = when()
    deleted_at = when(description="set while deleted (restorable)")
    deleted_by = ident(nullable=True)


class Competitor(Schema):
    id = ident()
    name = text(nullable=False)
    website = text()
    strengths = text()
    weaknesses = text()
    created_by = ident()
    created_at = when()
    updated_at = when()


class Campaign(Schema):
    id = ident()
    name = text(nullable=False)
    kind = status("exhibition", "launch", "promotion", "clearance", "email")
    status = status("planned", "active", "completed", "cancelled")
    starts_on = text(nullable=False, description="YYYY-MM-DD")
    ends_on = text(nullable=False, description="YYYY-MM-DD")
    budget = text(nullable=False, description="money")
    actual_cost = text(description="money, once known")
    product_ids = ids(description="the products the campaign is about")
    description = text()
    members = integer(description="members (all, whoever added them)")
    created_by = ident()
    created_at = when()
    updated_at = when()


class CampaignMember(Schema):
    member_type = status("customer", "lead", "contact")
    member_id = ident()
    customer_id = ident(nullable=True, description="the customer (of a contact); null for a lead")
    name = text()
    email = text()
    added_at = when()
    reached_at = when(description="the first message of this campaign sent to it")
    bounced_at = when()
    bounce_reason = text()
    unsubscribed_at = when()


class MembersAdded(Schema):
    added = integer(description="members added (one already there is not added twice)")
    already = integer(description="asked for but already members")


class MailingQueued(Schema):
    job_id = ident()
    id = ident(description="the same as job_id")
    status = status("queued", "done")
    total = integer(description="addresses to reach")


class Mailing(Schema):
    id = ident()
    kind = status("mailing")
    campaign_id = ident()
    subject = text(nullable=False)
    status = status("queued", "running", "done", "failed")
    total = integer()
    processed = integer()
    sent = integer()
    skipped = integer(description="unsubscribed or bounced before: not sent")
    bounced = integer()
    error_count = integer()
    errors = anything(description="[{seq, member_type, member_id, code, message}]")
    message = text()
    created_by = ident()
    created_at = when()
    finished_at = when()


class CampaignReturn(Schema):
    members = integer()
    reached = integer(description="members at least one message went to")
    leads = integer(description="leads naming the campaign")
    opportunities = integer(description="opportunities naming the campaign")
    won_amount = text(nullable=False, description="money: the won opportunities' amounts")
    budget = text(nullable=False)
    actual_cost = text()
    roi = text(description="percent, (won - cost) / cost x 100, cost = actual cost else budget; null with no cost")


class Unsubscribed(Schema):
    unsubscribed = flag()
    message = text()
