"""Venue staff's scanner devices: enrollment, the offline bootstrap bundle, revocations."""
