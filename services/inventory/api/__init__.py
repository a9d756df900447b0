"""Inventory's HTTP API (paths without /api/v1; the gateway strips it).

Who may do what:
- every authenticated role reads products, warehouses, stock levels, stock documents
  (receipts, transfers, adjustments, requisitions) and low-stock alerts; the ledger
  (GET /stock/ledger) is for admin and warehouse (it references every customer's orders);
- admin and warehouse write them (products, warehouses, receipts, transfers, stocktaking,
  requisitions, shipments, loans, suppliers, purchase orders, receiving) — 403 for others;
- shipments, reservations and loans hang off a customer: warehouse and admin see all,
  sales and managers see their customers' (others' are 404), finance sees none;
- purchasing (suppliers, purchase inquiries, purchase orders) is read by admin, warehouse,
  finance, manager;
  supplier invoices and payments are recorded by admin, warehouse and finance.
"""

from flask import Blueprint

from services.inventory.api import (
    inquiries,
    loans,
    product_pictures,
    products,
    purchase_orders,
    purchasing,
    shipments,
    stock,
    stock_documents,
)

# modules that add their routes to another module's blueprint (kept apart for size):
# stock_documents to stock.bp, purchase_orders and inquiries to purchasing.bp,
# product_pictures to products.bp
EXTRA_ROUTES = (stock_documents, purchase_orders, inquiries, product_pictures)


def blueprints() -> list[Blueprint]:
    return [products.bp, stock.bp, shipments.bp, loans.bp, purchasing.bp]
