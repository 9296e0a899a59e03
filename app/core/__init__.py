"""Pieces every domain shares: base model, errors, permissions, i18n, time."""
