"""Demo step(s) for participation resources."""
