"""Offline scanner decisions arriving by sync: redemptions, check-ins, refusals.
See README.md beside this file for the rules."""
