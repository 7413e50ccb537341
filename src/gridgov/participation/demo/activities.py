"""Demo step(s) for participation activities."""
