"""Admin for participation funds models."""
