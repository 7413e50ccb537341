"""Admin for assessment points models."""
