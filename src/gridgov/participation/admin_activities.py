"""Admin for participation activities models."""
