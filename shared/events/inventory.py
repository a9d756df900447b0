"""Events the inventory service publishes. Cross-service contract: sales keeps a product
copy (inventory.product.*) and an availability copy (inventory.stock.changed), and moves
orders on inventory.stock.reserved / reservation_failed and inventory.shipment.dispatched."""

from marshmallow import Schema, fields, validate

from shared.events import register
from shared.events.fields import INT32_MAX, count, money, qty, uuid_str

_PRODUCT = {
    "id": "5b1d3f9e-2c4a-4e6b-8d0f-1a2b3c4d5e6f",
    "sku": "PUMP-100",
    "name": "离心泵",
    "spec": "100L/min",
    "unit": "台",
    "list_price": "100.00",
    "cost_price": "60.00",
    "safety_stock": 10,
    "active": True,
}
_ORDER_ID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
_WAREHOUSE_ID = "2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b"
_QTY_LINES = [{"product_id": _PRODUCT["id"], "quantity": 3}]


class ProductSnapshot(Schema):
    id = uuid_str(required=True)
    sku = fields.String(required=True)
    name = fields.String(required=True)
    spec = fields.String(required=True, allow_none=True)
    unit = fields.String(required=True)
    list_price = money(required=True, minimum=0)
    cost_price = money(required=True, allow_none=True, minimum=0)
    safety_stock = qty(required=True)
    active = fields.Boolean(required=True)


@register("inventory.product.created", sample=_PRODUCT,
          summary_en="created product {sku} {name}", summary_zh="新建了产品 {sku} {name}")
class ProductCreated(ProductSnapshot):
    pass


@register("inventory.product.updated", sample=_PRODUCT,
          summary_en="updated product {sku} {name}", summary_zh="修改了产品 {sku} {name}")
class ProductUpdated(ProductSnapshot):
    pass


@register("inventory.product.removed", sample={**_PRODUCT, "active": False},
          summary_en="removed product {sku} {name}", summary_zh="删除了产品 {sku} {name}")
class ProductRemoved(ProductSnapshot):
    """The product is gone from inventory (an undone import had created it): its last
    snapshot with active false. A copy keeps the product as inactive (never quoted or
    ordered again; what kept its id still reads its name)."""


class QuantityLine(Schema):
    product_id = uuid_str(required=True)
    quantity = qty(required=True, minimum=1)


class ShortLine(Schema):
    product_id = uuid_str(required=True)
    requested = qty(required=True)
    available = count(required=True, minimum=-INT32_MAX)


@register("inventory.stock.reserved",
          sample={"order_id": _ORDER_ID, "warehouse_id": _WAREHOUSE_ID, "lines": _QTY_LINES},
          summary_en="reserved stock for an order", summary_zh="为订单预留了库存")
class StockReserved(Schema):
    order_id = uuid_str(required=True)
    warehouse_id = uuid_str(required=True)
    lines = fields.List(fields.Nested(QuantityLine), required=True)


@register("inventory.stock.reservation_failed",
          sample={"order_id": _ORDER_ID, "reason": "库存不足",
                  "short_lines": [{"product_id": _PRODUCT["id"], "requested": 3, "available": 1}]},
          summary_en="could not reserve stock: {reason}", summary_zh="库存预留失败：{reason}")
class StockReservationFailed(Schema):
    order_id = uuid_str(required=True)
    reason = fields.String(required=True)
    short_lines = fields.List(fields.Nested(ShortLine), required=True)


@register("inventory.stock.released",
          sample={"order_id": _ORDER_ID, "warehouse_id": _WAREHOUSE_ID, "lines": _QTY_LINES},
          summary_en="released reserved stock", summary_zh="释放了预留库存")
class StockReleased(Schema):
    order_id = uuid_str(required=True)
    warehouse_id = uuid_str(required=True)
    lines = fields.List(fields.Nested(QuantityLine), required=True)


@register("inventory.stock.changed",
          sample={"product_id": _PRODUCT["id"], "warehouse_id": _WAREHOUSE_ID, "on_hand": 10, "reserved": 3,
                  "available": 7, "total_available": 7},
          summary_en="stock changed: {available} available", summary_zh="库存变动：可用 {available}")
class StockChanged(Schema):
    """Levels of one product in one warehouse, and its availability across all warehouses."""

    product_id = uuid_str(required=True)
    warehouse_id = uuid_str(required=True)
    on_hand = count(required=True, minimum=-INT32_MAX)
    reserved = count(required=True, minimum=-INT32_MAX)
    available = count(required=True, minimum=-INT32_MAX)
    total_available = count(required=True, minimum=-INT32_MAX)
    # the service order part lines this change issued (customer.service_order.part_requested):
    # the customer service settles them with the new level in one step, so its availability
    # check never counts a part twice (once in the level, once as still pending)
    service_part_ids = fields.List(uuid_str(), load_default=list)


@register("inventory.stock.low",
          sample={"product_id": _PRODUCT["id"], "sku": "PUMP-100", "name": "离心泵", "available": 4,
                  "safety_stock": 10},
          summary_en="{sku} {name} fell below safety stock ({available} < {safety_stock})",
          summary_zh="{sku} {name} 低于安全库存（{available} < {safety_stock}）")
class StockLow(Schema):
    product_id = uuid_str(required=True)
    sku = fields.String(required=True)
    name = fields.String(required=True)
    available = count(required=True, minimum=-INT32_MAX)
    safety_stock = qty(required=True)


@register("inventory.shipment.dispatched",
          sample={"id": "8f7e6d5c-4b3a-4291-8f7e-6d5c4b3a2918", "order_id": _ORDER_ID, "warehouse_id": _WAREHOUSE_ID,
                  "customer_id": "3d6f0a52-8b1e-4c3e-9f7a-1b2c3d4e5f60", "lines": _QTY_LINES,
                  "carrier": "顺丰", "tracking_number": "SF1234567890", "fully_shipped": True},
          summary_en="shipped an order ({carrier} {tracking_number})", summary_zh="订单已发货（{carrier} {tracking_number}）")
class ShipmentDispatched(Schema):
    id = uuid_str(required=True)
    order_id = uuid_str(required=True)
    warehouse_id = uuid_str(required=True)
    customer_id = uuid_str(required=True, allow_none=True)
    lines = fields.List(fields.Nested(QuantityLine), required=True)
    carrier = fields.String(required=True, allow_none=True)
    tracking_number = fields.String(required=True, allow_none=True)
    fully_shipped = fields.Boolean(required=True)


# ---- samples and loans to customers (added by the inventory service) ----------------

class LoanLine(Schema):
    product_id = uuid_str(required=True)
    quantity = qty(required=True, minimum=1)
    returned = qty(required=True)


_LOAN = {"id": "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d", "customer_id": "3d6f0a52-8b1e-4c3e-9f7a-1b2c3d4e5f60",
         "warehouse_id": _WAREHOUSE_ID, "kind": "sample", "status": "out",
         "lines": [{"product_id": _PRODUCT["id"], "quantity": 2, "returned": 0}]}


class LoanSnapshot(Schema):
    id = uuid_str(required=True)
    customer_id = uuid_str(required=True)
    warehouse_id = uuid_str(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(("sample", "loan")))
    status = fields.String(required=True, validate=validate.OneOf(("out", "partially_returned", "returned")))
    lines = fields.List(fields.Nested(LoanLine), required=True)


@register("inventory.loan.created", sample=_LOAN,
          summary_en="lent goods to the customer ({kind})", summary_zh="向客户借出货品（{kind}）")
class LoanCreated(LoanSnapshot):
    pass


@register("inventory.loan.returned",
          sample={**_LOAN, "status": "returned",
                  "lines": [{"product_id": _PRODUCT["id"], "quantity": 2, "returned": 2}],
                  "returned_lines": [{"product_id": _PRODUCT["id"], "quantity": 2}]},
          summary_en="the customer returned lent goods", summary_zh="客户归还了借出的货品")
class LoanReturned(LoanSnapshot):
    returned_lines = fields.List(fields.Nested(QuantityLine), required=True)


# ---- spare parts for service orders (the customer service's customer.service_order.part_requested) --

_SERVICE_PART = {"id": "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e", "service_order_id": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
                 "number": "SV-2026-000001", "customer_id": "3d6f0a52-8b1e-4c3e-9f7a-1b2c3d4e5f60",
                 "assignee_id": "0b8a7c1e-1d2f-4e5a-8b9c-0d1e2f3a4b5c", "product_id": _PRODUCT["id"],
                 "sku": "PUMP-100", "product_name": "离心泵", "warehouse_id": _WAREHOUSE_ID, "quantity": 2,
                 "available": 5}


class ServicePart(Schema):
    """One spare part line of a service order (id: the line), with the warehouse's
    availability after the deduction (issued) or at the refusal (refused)."""

    id = uuid_str(required=True)
    service_order_id = uuid_str(required=True)
    number = fields.String(required=True)
    customer_id = uuid_str(required=True)
    assignee_id = uuid_str(required=True, allow_none=True)
    product_id = uuid_str(required=True)
    sku = fields.String(required=True, allow_none=True)
    product_name = fields.String(required=True, allow_none=True)
    warehouse_id = uuid_str(required=True)
    quantity = qty(required=True, minimum=1)
    available = count(required=True, minimum=-INT32_MAX)


@register("inventory.service_part.issued", sample=_SERVICE_PART,
          summary_en="issued {quantity} × {sku} {product_name} from stock for service order {number}",
          summary_zh="为服务单 {number} 出库备件 {sku} {product_name} × {quantity}")
class ServicePartIssued(ServicePart):
    pass


@register("inventory.service_part.refused",
          sample={**_SERVICE_PART, "available": 1, "reason": "库存不足 (insufficient stock)"},
          summary_en="refused {quantity} × {sku} {product_name} for service order {number}: only {available} available",
          summary_zh="服务单 {number} 的备件 {sku} {product_name} × {quantity} 出库被拒：可用仅 {available}")
class ServicePartRefused(ServicePart):
    reason = fields.String(required=True)
