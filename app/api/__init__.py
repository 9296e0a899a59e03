"""The read-only JSON API for HR systems at /api/v1: per-client bearer tokens (hashed, scoped, revocable),
one module per resource under `resources/`, the OpenAPI document, and the admin pages for clients."""
