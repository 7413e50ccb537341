"""Assessment services: lists."""
