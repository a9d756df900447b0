"""Inventory service: products, warehouses, stock, the reservation saga, shipments, purchasing.

Map of the package:
- domain/stock.py, domain/importing.py — the rules (no flask / sqlalchemy): levels and
  movements, shortages, shipments, transfers, stocktaking, warehouse choice, import rows.
- models.py — tables; stock (per product and warehouse, CHECK on_hand >= reserved >= 0),
  stock_ledger (every movement), product_stock (availability per product), reservations.
- stock_store.py — locking (one order: warehouse, product), the write of a change (levels,
  ledger, product total, event sequences in one statement) and its stock events.
- handlers.py — the saga: sales.order.placed reserves all or nothing; cancelled / rejected /
  closed release what is left. api/ — the HTTP endpoints and who may call them (prices
  of products: admin only, the warehouse keeps the other fields; cost prices are shown
  to admin, finance and managers only).
- rebuild.py — `python -m services.inventory stock-check|stock-rebuild`: levels vs ledger.

Events published: inventory.product.created/updated, inventory.stock.reserved /
reservation_failed / released / changed / low, inventory.shipment.dispatched,
inventory.loan.created / returned. Consumed: sales.order.placed / cancelled / rejected /
closed, gateway.user.*, customer.customer.*.
"""
