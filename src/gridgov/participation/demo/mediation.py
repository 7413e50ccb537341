"""Demo step(s) for participation mediation."""
