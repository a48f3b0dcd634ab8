"""Vouchers: what a student holds, claims and spends."""
