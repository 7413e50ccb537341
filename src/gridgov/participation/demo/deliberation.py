"""Demo step(s) for participation deliberation."""
