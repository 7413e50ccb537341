"""Demo step(s) for assessment meetings."""
