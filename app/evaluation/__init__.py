"""Evaluation: the HR scheme (weights, thresholds, outcomes), each person's evaluation per training batch,
team and station figures, overrides and sign-off."""
