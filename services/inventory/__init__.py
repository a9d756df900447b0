"""Inventory service: products, warehouses, stock, the reservation saga, shipments, purchasing."""
