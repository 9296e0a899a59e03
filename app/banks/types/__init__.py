"""The question types, one class each; `app.banks.registry` puts them together (import from there)."""
