"""Wallets booking events and courses: seats, tickets, cancellations, ratings."""
