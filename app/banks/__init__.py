"""Question banks: versioned questions of five types, imports from the formats trainers have, exports."""
