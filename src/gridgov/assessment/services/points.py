"""Assessment services: points."""
