"""Snapshot, report and data export rendering."""
