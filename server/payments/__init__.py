"""Payments: how money reaches the platform (SEPA transfers with an EPC QR)."""
