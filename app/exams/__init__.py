"""Exams: blueprints, papers drawn per candidate, timed attempts, grading, review, make-up exams, practice."""
