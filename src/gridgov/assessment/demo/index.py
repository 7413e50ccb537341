"""Demo step(s) for assessment index."""
