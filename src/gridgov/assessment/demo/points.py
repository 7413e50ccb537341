"""Demo step(s) for assessment points."""
