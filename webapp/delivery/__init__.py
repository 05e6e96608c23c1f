"""Delivery of the outbox: a worker that hands each queued SMS and push to its gateway,
at least once, with the message's idempotency key, retrying with backoff until the
message's deliver-by moment, then marking it failed (webapp/services/outbox.py queues)."""
