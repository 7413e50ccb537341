"""Demo step(s) for assessment alerts."""
