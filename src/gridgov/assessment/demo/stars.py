"""Demo step(s) for assessment stars."""
