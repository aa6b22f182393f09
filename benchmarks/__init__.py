"""Repeatable performance measurements. Run them all with ``make bench`` (see README)."""
