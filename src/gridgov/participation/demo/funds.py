"""Demo step(s) for participation funds."""
