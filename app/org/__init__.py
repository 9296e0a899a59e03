"""Office → stations (收费站, 收费点) → teams (班组), and staff roster imports."""
