"""Reporting periods, unit reports and rollups (issues 4 and 5)."""
