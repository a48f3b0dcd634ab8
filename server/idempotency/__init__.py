"""Idempotency keys: a client's retry of a POST gets the first answer, never a second effect."""
