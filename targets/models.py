"""Indicator library and targets (issue 3)."""
