"""What the inventory service's endpoints answer (documentation schemas for the OpenAPI
document; the views build the dicts)."""

from marshmallow import Schema

from shared.answers import anything, day, flag, ident, integer, many, money, status, text, when


class Product(Schema):
    id = ident()
    sku = text(nullable=False)
    name = text(nullable=False)
    spec = text()
    unit = text(nullable=False)
    list_price = money()
    cost_price = money(nullable=True, description="only for roles that may see costs")
    safety_stock = integer()
    active = flag()
    picture_updated_at = when(description="when the picture was set; null: none (GET /products/{id}/picture)")
    created_at = when()
    updated_at = when()


class ImportRowError(Schema):
    row = integer()
    message = text()


class ProductImport(Schema):
    """A product import, in the shape GET /imports/{id} gives every import."""
    id = ident()
    status = status("queued", "running", "done", "failed", "undo_queued", "undoing", "undone")
    kind = text(description="products (GET /jobs/{id}: import)")
    mode = text(description="create or upsert")
    match_on = text(description="the upsert's key: sku or name")
    filename = text()
    total = integer()
    processed = integer()
    created = integer()
    updated = integer(description="existing products changed (upsert)")
    duplicates = integer()
    errors = many(ImportRowError)
    error_count = integer()
    undone = integer(nullable=True, description="products removed or restored by the undo")
    message = text(description="why the job failed, or why its undo was refused")
    error_file = text(description="the failed rows as CSV with an error column (a path under the API), or null")
    owner_id = ident(nullable=True)
    created_by = ident(nullable=True)
    created_at = when()
    finished_at = when()
    undone_at = when()


class ImportStarted(Schema):
    id = ident()
    status = status("queued", "undo_queued")


class Warehouse(Schema):
    id = ident()
    code = text(nullable=False)
    name = text(nullable=False)
    region = text()
    active = flag()
    created_at = when()


class StockLevel(Schema):
    product_id = ident()
    warehouse_id = ident()
    on_hand = integer()
    reserved = integer()
    available = integer()
    sku = text(description="the product's SKU")
    product_name = text()
    unit = text()
    warehouse_name = text()


class LedgerEntry(Schema):
    id = integer()
    product_id = ident()
    warehouse_id = ident()
    kind = text(nullable=False)
    on_hand_delta = integer()
    reserved_delta = integer()
    ref_type = text()
    ref_id = text()
    actor_id = text()
    note = text()
    created_at = when()


class Line(Schema):
    product_id = ident()
    quantity = integer()


class Receipt(Schema):
    id = ident()
    warehouse_id = ident()
    purchase_order_id = ident(nullable=True)
    note = text()
    lines = many(Line)
    actor_id = ident(nullable=True)
    created_at = when()


class Transfer(Schema):
    id = ident()
    from_warehouse_id = ident()
    to_warehouse_id = ident()
    note = text()
    lines = many(Line)
    actor_id = ident(nullable=True)
    created_at = when()


class Adjustment(Schema):
    id = ident()
    warehouse_id = ident()
    reason = text(nullable=False)
    lines = many(anything(), description="per product: product_id, counted and the change")
    actor_id = ident(nullable=True)
    created_at = when()


class LowStock(Schema):
    product_id = ident()
    sku = text(nullable=False)
    name = text(nullable=False)
    available = integer()
    safety_stock = integer()
    shortfall = integer()


class LoanLine(Schema):
    product_id = ident()
    quantity = integer()
    returned = integer()


class Loan(Schema):
    id = ident()
    customer_id = ident()
    customer_name = text(description="the customer's name (from this service's copy)")
    warehouse_id = ident()
    kind = status("sample", "loan")
    status = status("out", "partially_returned", "returned")
    lines = many(LoanLine)
    due_date = day()
    note = text()
    actor_id = ident(nullable=True)
    created_at = when()
    updated_at = when()


class Requisition(Schema):
    id = ident()
    warehouse_id = ident()
    department = text()
    purpose = text(nullable=False)
    lines = many(Line)
    actor_id = ident(nullable=True)
    created_at = when()


class Shipment(Schema):
    customer_name = text(description="the customer's name (from this service's copy), for roles that may not open the customer")
    id = ident()
    order_id = ident()
    customer_id = ident(nullable=True)
    warehouse_id = ident()
    lines = many(Line)
    carrier = text()
    tracking_number = text()
    fully_shipped = flag()
    actor_id = ident(nullable=True)
    created_at = when()


class ReservationLine(Schema):
    product_id = ident()
    quantity = integer()
    shipped = integer()
    released = integer()
    remaining = integer()


class Reservation(Schema):
    order_id = ident()
    customer_id = ident(nullable=True)
    warehouse_id = ident(nullable=True)
    status = text(nullable=False)
    reason = text()
    created_at = when()
    updated_at = when()
    lines = many(ReservationLine)


class SupplierPrice(Schema):
    product_id = ident()
    price = money()


class Supplier(Schema):
    id = ident()
    name = text(nullable=False)
    contact = text()
    phone = text()
    address = text()
    created_at = when()
    prices = many(SupplierPrice, description="on the single-supplier answers")


class PurchaseOrderLine(Schema):
    product_id = ident()
    quantity = integer()
    received = integer()
    unit_price = money()
    amount = money()


class PurchaseOrder(Schema):
    id = ident()
    supplier_id = ident()
    warehouse_id = ident()
    status = text(nullable=False)
    total = money()
    invoiced_amount = money()
    paid_amount = money()
    actor_id = ident(nullable=True)
    created_at = when()
    lines = many(PurchaseOrderLine)


class SupplierInvoice(Schema):
    id = ident()
    purchase_order_id = ident()
    number = text(nullable=False)
    amount = money()
    invoice_date = day()
    actor_id = ident(nullable=True)
    created_at = when()


class SupplierPayment(Schema):
    id = ident()
    purchase_order_id = ident()
    amount = money()
    method = text(nullable=False)
    paid_at = when()
    actor_id = ident(nullable=True)
    created_at = when()


class LoanCustomer(Schema):
    id = ident()
    name = text()


class InquiryLine(Schema):
    product_id = ident()
    sku = text()
    product_name = text()
    quantity = integer()


class InquiryOfferLine(Schema):
    product_id = ident()
    unit_price = money()
    lead_days = integer(nullable=True)
    amount = money(description="unit price x the quantity asked")


class InquirySupplier(Schema):
    supplier_id = ident()
    name = text()
    replied_at = when()
    reply_note = text()
    total = money(nullable=True, description="over the lines the offer prices; null: no offer yet")
    priced_lines = integer()
    complete = flag(description="the offer prices every line")
    lead_days = integer(nullable=True, description="the longest lead time given")
    cheapest = flag(description="the cheapest complete offer")
    offers = many(InquiryOfferLine)


class PurchaseInquiry(Schema):
    id = ident()
    warehouse_id = ident()
    status = text(nullable=False, description="open, ordered or cancelled")
    note = text()
    reply_by = day()
    purchase_order_id = ident(nullable=True)
    ordered_supplier_id = ident(nullable=True)
    actor_id = ident(nullable=True)
    created_at = when()
    suppliers_asked = integer()
    suppliers_replied = integer()
    lines = many(InquiryLine, description="in the inquiry's own answers, not in the list")
    suppliers = many(InquirySupplier, description="cheapest complete offer first; not in the list")
    cheapest_supplier_id = ident(nullable=True)
