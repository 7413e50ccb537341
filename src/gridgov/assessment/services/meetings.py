"""Assessment services: meetings."""
