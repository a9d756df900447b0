"""The project's common library: event envelope and schemas, outbox and relay,
consumer runner, broker topology, identity and visibility, web helpers, test fixtures."""
