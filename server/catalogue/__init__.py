"""Venues' events and courses, the category taxonomy, and the public catalogue."""
