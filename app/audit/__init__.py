"""Append-only record of security-relevant events."""
