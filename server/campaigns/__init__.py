"""Campaigns: sponsors' money with its rules (face value, categories, territory, dates)."""
