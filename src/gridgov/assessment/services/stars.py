"""Assessment services: stars."""
