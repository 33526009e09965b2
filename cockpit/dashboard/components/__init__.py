"""Reusable Dash components."""
