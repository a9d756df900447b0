"""The gateway: the suite's only public door (users, login, tokens, routing, readiness,
rate limits, idempotency keys, the merged OpenAPI document)."""
