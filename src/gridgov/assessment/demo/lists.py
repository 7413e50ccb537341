"""Demo step(s) for assessment lists."""
