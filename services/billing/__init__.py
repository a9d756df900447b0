"""Billing service: invoices, payments in several currencies, prepayments, receivables and
ageing, expense claims with approval. Keeps a copy of orders fed by sales.order.* events."""
