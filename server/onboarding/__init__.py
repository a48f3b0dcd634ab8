"""Onboarding of organisations: pure checks of the identifiers they give us."""
