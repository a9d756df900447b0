"""Webhooks (issue 17): enqueue.py turns stored events into deliveries (in tracking's
consumer, in the transaction that stores the event), worker.py sends them (its own
process, `python -m services.tracking webhooks`), targets.py refuses what a webhook may not
reach, settings.py reads the CRM_WEBHOOK_* settings. The rules without I/O are
services/tracking/domain/webhooks.py."""
