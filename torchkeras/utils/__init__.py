"""Utilities: naming, identifier lookup, data helpers."""
