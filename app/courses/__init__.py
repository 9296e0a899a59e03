"""The four courses, their material and self-study progress."""
