"""Start pages: one landing page per role."""
