"""Training: plans and batches (期), sessions, allocation of staff to batches, attendance and check-in."""
