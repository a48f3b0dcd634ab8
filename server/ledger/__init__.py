"""Double-entry ledger in integer cents. See README.md beside this file."""
